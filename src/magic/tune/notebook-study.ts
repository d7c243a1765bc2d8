/**
 * The study that `%%tune` binds to its `--out` variable: the engine's {@link Study} plus what a
 * notebook user wants from it: the best trial's trained model, exports, figures, and a rich
 * display as the trials table when it is a cell's last expression.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { writeFileSync } from "node:fs";
import type { MimeBundle } from "../types";
import { disposeModel } from "../../tfjs/train";
import { figureBundle, modelReportFigures, renderStudy, studyFigures, studyInfo, type FigureKind, type PlotlyEmbedding, type StudyData } from "../../render";
import type { Study, StudyJSON } from "../../engine/study";
import type { FrozenTrial, Params, SearchSpace } from "../../engine/types";
import { messageOf } from "../../common/errors";
import { log } from "../../common/log";
import type { TestEvaluation } from "./test-evaluation";
import { narrow, type NarrowedSpace } from "./coarse-to-fine";
import { pickFromFront, type PickOptions } from "./pick-trial";

/** What a finished (or interrupted) search says about itself. */
export interface SearchSummary {
  /** Why the search stopped, in a sentence. */
  readonly message: string;
  readonly trialsRun: number;
  readonly wallTimeMs: number;
  /**
   * Time during which at least one trial's objective (building and training models) was running:
   * the union of the trials' intervals, so it never exceeds the wall time when trials run at once.
   */
  readonly objectiveMs: number;
  /**
   * Time before the first trial: reading the options and the space, loading TensorFlow.js,
   * preparing the data, building one model to check it, opening the study, and the live view's
   * first display (the empty table, and plotly.js the first time in a session).
   */
  readonly setupMs: number;
  /**
   * Time spent building and sending the live view's output (the first display included), wherever
   * it fell: between trials, or inside the objective while a trial trained (its refresh timer).
   * Absent with `--no-live`.
   */
  readonly liveMs?: number;
}

/**
 * A study as bound in the notebook by `%%tune --out NAME`.
 *
 * Several objectives (`--metric val_acc,size`): there is no single best trial. `bestTrials` is the
 * Pareto front; `pickTrial(by, { where })` picks one of it, and from then on `bestTrial`,
 * `bestParams` and `bestValue` (its first objective) are the picked trial's, and `bestModel` its
 * trained model when this process kept it (`--model` keeps the models of the front found in this
 * run, in `frontModels`). Before a pick they are undefined.
 */
export class NotebookStudy {
  /**
   * The best trial's trained model (kept when `--keep-best`, the default; disposed otherwise); with
   * several objectives, the picked trial's (see {@link NotebookStudy.pickTrial}).
   */
  bestModel: tfjs.LayersModel | undefined;
  /**
   * The number of the trial whose parameters `bestModel` has. It is the best trial's unless the
   * best trial was not trained in this run (added by `--from`, or from an earlier run of a resumed
   * study): then it is the best trial trained here. See {@link NotebookStudy.bestModelTrial}.
   */
  bestModelTrialNumber: number | undefined;
  /**
   * With `--test-top K`: the models of the next best K − 1 trials of this run after `bestModel`'s,
   * best first, by trial number (each was evaluated on the `--test` rows; disposed with the study).
   */
  readonly runnerUpModels = new Map<number, tfjs.LayersModel>();
  /** Several objectives, `--model`: the trained models of this run's Pareto front, by trial number (the picked one is in `bestModel`). */
  readonly frontModels = new Map<number, tfjs.LayersModel>();
  private picked: FrozenTrial | undefined;
  /** How the last search of this study went. */
  lastSearch: SearchSummary | undefined;
  /** With `--test X,Y`: the best model's metrics on those rows beside its validation metrics (with several objectives, the first front model evaluated). */
  testMetrics: TestEvaluation | undefined;
  /** With `--test X,Y`: every evaluated model's test metrics by trial number (`--test-top K`: the K best; several objectives: the front's), best first. */
  readonly testMetricsByTrial = new Map<number, TestEvaluation>();
  private disposed = false;

  constructor(
    /** The engine's study: `ask`/`tell`/`optimize` go on from here. */
    readonly study: Study,
    /** The search space the cell declared. */
    readonly space: SearchSpace,
    private readonly embedding: PlotlyEmbedding,
    /** How many trials the search was asked for (for progress and time left). */
    readonly plannedTrials?: number,
  ) {}

  get name(): string {
    return this.study.studyName;
  }

  get direction(): Study["direction"] {
    return this.study.direction;
  }

  get metric(): string {
    return this.study.metric;
  }

  get trials(): readonly FrozenTrial[] {
    return this.study.trials;
  }

  /** Whether the study has several objectives (then see {@link bestTrials} and {@link pickTrial}). */
  get isMultiObjective(): boolean {
    return this.study.isMultiObjective;
  }

  /** The objectives' metric names and directions, in order (one each for a single objective). */
  get objectives(): { readonly metrics: readonly string[]; readonly directions: readonly Study["direction"][] } {
    return { metrics: this.study.metrics, directions: this.study.directions };
  }

  /** The best complete trial; with several objectives, the picked one (undefined before {@link pickTrial}). */
  get bestTrial(): FrozenTrial | undefined {
    return this.study.isMultiObjective ? this.picked : this.study.bestTrial;
  }

  /**
   * The trial whose parameters `bestModel` has (undefined without a model). It differs from
   * `bestTrial` when the best trial was not trained in this run (`--from`, a resumed study): the
   * model is then the best one trained here, and the report says so.
   */
  get bestModelTrial(): FrozenTrial | undefined {
    const number = this.bestModelTrialNumber;
    if (this.bestModel === undefined || number === undefined) return undefined;
    return this.study.trials.find((trial) => trial.number === number);
  }

  get bestParams(): Params | undefined {
    return this.bestTrial?.params;
  }

  /** The best trial's value (with several objectives, the picked trial's first objective). */
  get bestValue(): number | undefined {
    return this.bestTrial?.value;
  }

  /** The Pareto front: the complete trials no other complete trial dominates (one objective: the best trial). */
  get bestTrials(): FrozenTrial[] {
    if (this.study.isMultiObjective) return this.study.bestTrials;
    const best = this.study.bestTrial;
    return best === undefined ? [] : [best];
  }

  /**
   * Picks the trial of the Pareto front that is best on objective `by` among those `where` keeps,
   * e.g. `study.pickTrial("val_acc", { where: (v) => v.size < 50_000 })`, and makes it
   * `bestTrial`, with its model (when kept) as `bestModel`.
   * @throws Error when `by` is not an objective or no front trial passes `where`
   */
  pickTrial(by: string, options: PickOptions = {}): FrozenTrial {
    const trial = pickFromFront(this.bestTrials, this.objectives, by, options);
    if (this.picked !== undefined && this.bestModel !== undefined && this.study.isMultiObjective) this.frontModels.set(this.picked.number, this.bestModel);
    this.picked = trial;
    if (this.study.isMultiObjective) {
      this.bestModel = this.frontModels.get(trial.number);
      this.bestModelTrialNumber = this.bestModel === undefined ? undefined : trial.number;
      this.frontModels.delete(trial.number);
    }
    return trial;
  }

  /** The plain data the renderers draw from. */
  /**
   * A smaller space around the best `q` of the complete trials, as grammar lines to paste under a
   * new `%%tune --from <this study>` (coarse to fine; see coarse-to-fine.ts).
   */
  narrow(q?: number): NarrowedSpace {
    return narrow(this, q);
  }

  data(): StudyData {
    return {
      trials: this.study.trials,
      space: this.space,
      direction: this.study.direction,
      metric: this.study.metric,
      studyName: this.study.studyName,
      ...(this.study.isMultiObjective ? { objectives: this.objectives } : {}),
      ...(this.picked === undefined ? {} : { pickedTrial: this.picked.number }),
      ...(this.plannedTrials === undefined ? {} : { plannedTrials: this.plannedTrials }),
    };
  }

  /** The trials as CSV (one row per trial), the parameter columns in the order the cell declared them. */
  toCSV(): string {
    return this.study.toCSV(Object.keys(this.space));
  }

  /** The study as JSON (name, direction, metric, best trial, every trial). */
  toJSON(): StudyJSON {
    return this.study.toJSON();
  }

  /** Writes {@link NotebookStudy.toCSV} or {@link NotebookStudy.toJSON} to `path` (by its extension). */
  save(path: string): string {
    if (path.endsWith(".csv")) writeFileSync(path, this.toCSV());
    else if (path.endsWith(".json")) writeFileSync(path, `${JSON.stringify(this.toJSON(), null, 1)}\n`);
    else throw new Error(`save: expected a path ending in .csv or .json, got "${path}"`);
    return path;
  }

  /**
   * MIME bundles of the study's figures: the `kinds` asked for, or by default every figure with
   * something to show (the analysis figures only, without the trials table, when `analysisOnly`).
   */
  /**
   * The best-model report on the `--test` rows as figures: confusion matrix, ROC and
   * precision-recall curves and per-class scores (classifier), or predicted against true and
   * residuals (regressor), one MIME bundle each (`study.modelReport().forEach((f) => display(f))`
   * draws them again). Its data is `testMetrics.report`.
   * @throws Error when the study has no `--test` evaluation
   */
  modelReport(): MimeBundle[] {
    const evaluation = this.testMetrics;
    if (evaluation === undefined) {
      throw new Error(`modelReport: study "${this.name}" has no test evaluation; it comes from a %%tune --model search with --test X,Y`);
    }
    return modelReportFigures(evaluation.report, `Best model on ${evaluation.data}`).map((figure) => figureBundle(figure, { embedding: this.embedding }));
  }

  figures(kinds?: readonly FigureKind[], analysisOnly = false): MimeBundle[] {
    if (kinds !== undefined) return renderStudy(this.data(), { embedding: this.embedding, figures: kinds });
    const drawn = studyFigures(studyInfo(this.data(), Date.now())).filter((figure) => !analysisOnly || figure.name !== "trials");
    return drawn.map((figure) => figureBundle(figure, { embedding: this.embedding }));
  }

  /**
   * One figure, as an object the notebook displays (`study.plot("history")` as a cell's last line).
   * With several objectives, history, slices and importance are drawn per objective: `objective`
   * names which (default the first), e.g. `study.plot("history", "size")`.
   * @throws Error when `objective` is not one of the study's objectives
   */
  plot(kind: FigureKind, objective?: string): { [key: symbol]: () => MimeBundle } {
    const k = objective === undefined ? 0 : this.objectives.metrics.indexOf(objective);
    if (k < 0) throw new Error(`plot: "${objective}" is not an objective of this study; expected one of ${this.objectives.metrics.join(", ")}`);
    const drawn = this.figures([kind]);
    const bundle = drawn.length > 1 ? drawn[k] : drawn[0];
    return { [Symbol.for("Jupyter.display")]: () => bundle ?? { "text/plain": `no ${kind} figure` } };
  }

  /**
   * Frees the kept model's tensors and closes the study's storage (a file or a database
   * connection). Safe to call more than once. `%%tune` calls it on the study a new search's
   * `--out` replaces (take a model out first with `const m = s.bestModel; s.bestModel = undefined`).
   */
  dispose(): void {
    if (this.bestModel !== undefined) {
      disposeModel(this.bestModel);
      this.bestModel = undefined;
    }
    this.bestModelTrialNumber = undefined;
    for (const model of [...this.frontModels.values(), ...this.runnerUpModels.values()]) disposeModel(model);
    this.frontModels.clear();
    this.runnerUpModels.clear();
    if (this.disposed) return;
    this.disposed = true;
    this.study.storage.close().catch((error: unknown) => log(`closing the storage of study "${this.name}" failed: ${messageOf(error)}`));
  }

  /** Shown as the trials table when the study is a cell's last expression. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    const info = studyInfo(this.data(), Date.now());
    const [table] = studyFigures(info, ["trials"]);
    return table === undefined ? { "text/plain": this.toString() } : figureBundle(table, { embedding: this.embedding });
  }

  toString(): string {
    const best = this.bestTrial;
    const counts = countStates(this.trials);
    if (this.isMultiObjective) {
      const what = this.objectives.metrics.map((m, k) => `${this.objectives.directions[k]} ${m}`).join(", ");
      const picked = best === undefined ? "" : `; picked #${best.number}`;
      return `Study "${this.name}" (${what}): ${counts}; Pareto front of ${this.bestTrials.length} trial${this.bestTrials.length === 1 ? "" : "s"}${picked}`;
    }
    const bestText = best === undefined ? "no complete trial yet" : `best #${best.number}: ${this.metric}=${best.value} ${JSON.stringify(best.params)}`;
    return `Study "${this.name}" (${this.direction} ${this.metric}): ${counts}; ${bestText}`;
  }
}

/** "30 trials (27 complete, 2 pruned, 1 failed)". */
export function countStates(trials: readonly FrozenTrial[]): string {
  const counts = new Map<string, number>();
  for (const trial of trials) counts.set(trial.state, (counts.get(trial.state) ?? 0) + 1);
  const parts = [...counts].map(([state, n]) => `${n} ${state}`);
  return `${trials.length} trial${trials.length === 1 ? "" : "s"}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}
