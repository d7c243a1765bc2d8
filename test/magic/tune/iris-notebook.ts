/**
 * A notebook for the `%%tune` leak and fuzz tests: the magic front end on the magic tests'
 * FakeContext, with the iris data and a small serialisable model builder defined as earlier cells
 * would, and helpers that count what a process holds (tensors, open files, threads).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as tfjs from "@tensorflow/tfjs";
import { createDefaultRegistry, runCell } from "../../../src/magic";
import { PlotlyEmbedding } from "../../../src/render";
import { loadTensorFlow } from "../../../src/tfjs/backend";
import { loadTable, type Table } from "../../../src/tfjs/csv";
import { oneHot } from "../../../src/tfjs/data";
import { registerTuneMagics } from "../../../src/magic/tune";
import { FakeContext } from "../fake-context";
import { dataDirectory } from "../../tfjs/fixtures";

/** Builds a trial's model from its parameters with the notebook's TensorFlow.js. */
export type IrisModelBuilder = (tf: typeof tfjs, params: Record<string, unknown>) => tfjs.LayersModel;

/** What a test defines in its notebook beyond the iris data. */
export interface IrisNotebookOptions {
  /**
   * The model builders, each bound under its name, in place of the default `buildModel` (a dense
   * layer of `units` (4 if absent), relu, then softmax over the 3 classes; adam at `lr`).
   */
  readonly builders?: Readonly<Record<string, IrisModelBuilder>>;
}

/** A context with `xTrain`, `yTrain`, the model builders and `score` (an objective). */
export interface IrisNotebook {
  readonly context: FakeContext;
  readonly tf: typeof tfjs;
  /** Runs a cell; resolves with its value or rejects with its error. */
  run(cell: string): Promise<unknown>;
  /** How many models the notebook's builders have built so far. */
  builds(): number;
}

/** The iris table (150 rows, 4 features, labels 0..2), read once. */
export function irisTable(): Table {
  iris ??= loadTable(join(dataDirectory(), "iris.csv"));
  return iris;
}
let iris: Table | undefined;

const defaultBuildModel: IrisModelBuilder = (tf, params) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [4], units: (params["units"] as number | undefined) ?? 4, activation: "relu" }));
  model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
  model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
};

/** A fresh notebook (each has its own context and so its own interrupt signal). */
export async function irisNotebook(options: IrisNotebookOptions = {}): Promise<IrisNotebook> {
  const { tf } = await loadTensorFlow();
  const registry = createDefaultRegistry();
  // A tiny library stand-in keeps the bundles small; the real library is tested in test/render.
  registerTuneMagics(registry, { embedding: new PlotlyEmbedding(() => ({ source: "window.Plotly={};", version: "test", minified: true })), liveIntervalMs: 0 });
  const context = new FakeContext();
  context.assign("xTrain", irisTable().x);
  context.assign("yTrain", oneHot(irisTable().y));
  let builds = 0;
  for (const [name, build] of Object.entries(options.builders ?? { buildModel: defaultBuildModel })) {
    context.assign(name, (params: Record<string, unknown>) => {
      builds++;
      return build(tf, params);
    });
  }
  context.assign("score", (params: Record<string, number>) => (params["x"] ?? 0) ** 2);
  const run = async (cell: string): Promise<unknown> => (await runCell(cell, { registry, context })).value;
  return { context, tf, run, builds: () => builds };
}

/** Open file descriptors of this process (Linux). */
export function openFileCount(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Threads of this process (Linux): the main thread, Node's and V8's, and any worker threads. */
export function threadCount(): number {
  const match = /^Threads:\s+(\d+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  if (match === null) throw new Error("no Threads: line in /proc/self/status");
  return Number(match[1]);
}
