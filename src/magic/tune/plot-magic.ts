/**
 * `%tune_plot STUDY [FIGURE ...]`: draws a study's figures on demand (the same as
 * `study.figures()`), e.g. `%tune_plot study history importance`, `%tune_plot study pbt` (the
 * population of a `--strategy pbt` search) or `%tune_plot study brackets` (learning curves
 * coloured by Hyperband bracket; `bracket` is accepted too).
 */
import { ALL_FIGURES, type FigureKind } from "../../render";
import { MagicError, type LineMagic } from "../types";
import { NotebookStudy } from "./notebook-study";
import { quotedName, variableNameProblem } from "./names";

/** Other names a figure is asked for by. */
const ALIASES: Readonly<Record<string, FigureKind>> = { bracket: "brackets", population: "pbt" };

/** Creates the `%tune_plot` line magic. */
export function createTunePlotMagic(): LineMagic {
  return {
    kind: "line",
    name: "tune_plot",
    summary: "draw the figures of a study bound by %%tune",
    help: `Figures: ${ALL_FIGURES.join(", ")} (default: every figure with something to show).`,
    positionals: [
      { name: "study", description: "the variable %%tune bound (its --out)", required: true, takes: (value) => value instanceof NotebookStudy },
      { name: "figures", description: "which figures", rest: true, choices: [...ALL_FIGURES, ...Object.keys(ALIASES)].sort() },
    ],
    run(args, context) {
      const name = args["study"] as string;
      const problem = variableNameProblem(name);
      if (problem !== undefined) throw new MagicError(`<study>: ${problem}`);
      if (!context.has(name)) throw new MagicError(`unknown variable ${quotedName(name)}: run a %%tune cell with --out ${name.length > 60 ? "<that name>" : name} first`);
      const study = context.lookup(name);
      if (!(study instanceof NotebookStudy)) {
        throw new MagicError(`${quotedName(name)} is not a study bound by %%tune (expected the variable named by --out)`);
      }
      const requested = ((args["figures"] as readonly string[] | undefined) ?? []).map((kind) => ALIASES[kind] ?? kind);
      for (const kind of requested) {
        if (!ALL_FIGURES.includes(kind as FigureKind)) {
          throw new MagicError(`unknown figure ${quotedName(kind)}: expected any of ${ALL_FIGURES.join(", ")}`);
        }
      }
      const bundles = study.figures(requested.length === 0 ? undefined : (requested as FigureKind[]));
      for (const bundle of bundles) context.display(bundle);
      return undefined;
    },
  };
}
