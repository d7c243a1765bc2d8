/**
 * `%lsmagic` (the registered magics with their summaries) and `%magic` (their full help).
 */
import { formatHelp } from "../args";
import { prefix, type MagicRegistry } from "../registry";
import type { LineMagic } from "../types";

/** The listing `%lsmagic` prints. */
export function formatMagicList(registry: MagicRegistry): string {
  const sections = (["line", "cell"] as const).map((kind) => {
    const magics = registry.list(kind);
    if (magics.length === 0) return `Available ${kind} magics: none`;
    const width = Math.max(...magics.map((magic) => magic.name.length)) + prefix(kind).length;
    const rows = magics.map((magic) => `  ${`${prefix(kind)}${magic.name}`.padEnd(width)}  ${magic.summary}`);
    return [`Available ${kind} magics:`, ...rows].join("\n");
  });
  return `${sections.join("\n\n")}\n\nFor a magic's options, run it with --help (or write %name? / %%name?).\n`;
}

/** Creates `%lsmagic` over `registry` (it lists whatever the registry holds when it runs). */
export function createLsmagic(registry: MagicRegistry): LineMagic {
  return {
    kind: "line",
    name: "lsmagic",
    summary: "List the available line and cell magics.",
    run(_args, context) {
      context.stdout(formatMagicList(registry));
      return undefined;
    },
  };
}

/** Creates `%magic`: the full help of every registered magic, one after another. */
export function createMagicHelp(registry: MagicRegistry): LineMagic {
  return {
    kind: "line",
    name: "magic",
    summary: "Show the help of every magic.",
    run(_args, context) {
      const sections = registry.list().map((magic) => formatHelp(magic).trimEnd());
      context.stdout(`${sections.join(`\n\n${"─".repeat(60)}\n\n`)}\n`);
      return undefined;
    },
  };
}
