/**
 * `%time <code>` and `%%time`: run code once and print its CPU and wall time, as IPython does:
 *
 *     CPU times: user 12.1 ms, sys: 2.03 ms, total: 14.1 ms
 *     Wall time: 15.3 ms
 *
 * CPU time is the whole Node process's (`process.cpuUsage`), so it includes other work done
 * while the code ran (such as the event loop serving the kernel); wall time is `performance.now`.
 */
import { performance } from "node:perf_hooks";
import type { CellMagic, LineMagic, MagicContext } from "../types";

/** Process CPU and wall-clock time spent, in seconds. */
export interface Timing {
  readonly user: number;
  readonly system: number;
  readonly wall: number;
}

/** Runs `run` and measures it; on failure the error propagates and nothing is measured. */
export async function measure<T>(run: () => Promise<T> | T): Promise<{ value: T; timing: Timing }> {
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const value = await run();
  const wall = (performance.now() - wallBefore) / 1e3;
  const cpu = process.cpuUsage(cpuBefore); // microseconds since cpuBefore
  return { value, timing: { user: cpu.user / 1e6, system: cpu.system / 1e6, wall } };
}

const SUB_MINUTE_UNITS = [
  { suffix: "s", scale: 1 },
  { suffix: "ms", scale: 1e3 },
  { suffix: "µs", scale: 1e6 },
  { suffix: "ns", scale: 1e9 },
] as const;

const LONG_UNITS = [
  { suffix: "d", seconds: 86_400 },
  { suffix: "h", seconds: 3_600 },
  { suffix: "min", seconds: 60 },
  { suffix: "s", seconds: 1 },
] as const;

/**
 * A duration in seconds as IPython prints it: three significant digits in s, ms, µs or ns below
 * a minute (`1.23 ms`, `0 ns`), whole units above (`2min 5s`, `1h 3min`).
 */
export function formatTimingDuration(seconds: number): string {
  if (seconds >= 60) {
    const parts: string[] = [];
    let left = seconds;
    for (const unit of LONG_UNITS) {
      const whole = Math.floor(left / unit.seconds);
      if (whole > 0) {
        parts.push(`${whole}${unit.suffix}`);
        left -= whole * unit.seconds;
      }
      if (left < 1) break;
    }
    return parts.join(" ");
  }
  // The unit is chosen by the power of 1000 below the value: 0.0153 → ms.
  const order = seconds > 0 ? Math.min(Math.max(-Math.floor(Math.floor(Math.log10(seconds)) / 3), 0), 3) : 3;
  const unit = SUB_MINUTE_UNITS[order];
  return `${Number((seconds * unit.scale).toPrecision(3))} ${unit.suffix}`;
}

/** The two lines `%time` prints. */
export function formatTiming(timing: Timing): string {
  const total = timing.user + timing.system;
  return (
    `CPU times: user ${formatTimingDuration(timing.user)}, sys: ${formatTimingDuration(timing.system)}, total: ${formatTimingDuration(total)}\n` +
    `Wall time: ${formatTimingDuration(timing.wall)}\n`
  );
}

async function timeCode(code: string, context: MagicContext): Promise<unknown> {
  const { value, timing } = await measure(() => context.evaluate(code));
  context.stdout(formatTiming(timing));
  return value;
}

/** `%time <code>`: runs the TypeScript on the rest of the line once, timing it; returns its value. */
export const timeLineMagic: LineMagic = {
  kind: "line",
  name: "time",
  summary: "Time one run of a TypeScript statement or expression (CPU and wall time).",
  positionals: [{ name: "code", description: "the TypeScript to run (the rest of the line)", required: true, raw: true }],
  expandsLine: false, // the line is code: its braces and `$` are TypeScript's
  help: "Example:\n  %time fib(25)\nThe value of the expression becomes the cell's result when %time is on the last line.",
  run: (args, context) => timeCode(String(args["code"]), context),
};

/** `%%time`: runs the cell body once, timing it; returns its value. */
export const timeCellMagic: CellMagic = {
  kind: "cell",
  name: "time",
  summary: "Time one run of the cell body (CPU and wall time).",
  help: "Example:\n  %%time\n  const model = buildModel();\n  await model.fit(x, y, { epochs: 5 });",
  run: (_args, body, context) => timeCode(body, context),
};
