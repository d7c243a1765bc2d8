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
import { loadTable } from "../../../src/tfjs/csv";
import { oneHot } from "../../../src/tfjs/data";
import { registerTuneMagics } from "../../../src/magic/tune";
import { FakeContext } from "../fake-context";
import { dataDirectory } from "../../tfjs/fixtures";

/** A context with `xTrain`, `yTrain`, `buildModel` (params units, lr) and `score` (an objective). */
export interface IrisNotebook {
  readonly context: FakeContext;
  readonly tf: typeof tfjs;
  /** Runs a cell; resolves with its value or rejects with its error. */
  run(cell: string): Promise<unknown>;
}

/** A fresh notebook (each has its own context and so its own interrupt signal). */
export async function irisNotebook(): Promise<IrisNotebook> {
  const { tf } = await loadTensorFlow();
  const iris = loadTable(join(dataDirectory(), "iris.csv"));
  const registry = createDefaultRegistry();
  registerTuneMagics(registry, { embedding: new PlotlyEmbedding(() => ({ source: "window.Plotly={};", version: "test", minified: true })), liveIntervalMs: 0 });
  const context = new FakeContext();
  context.assign("xTrain", iris.x);
  context.assign("yTrain", oneHot(iris.y));
  context.assign("buildModel", (params: Record<string, unknown>) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: (params["units"] as number | undefined) ?? 4, activation: "relu" }));
    model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    return model;
  });
  context.assign("score", (params: Record<string, number>) => (params["x"] ?? 0) ** 2);
  const run = async (cell: string): Promise<unknown> => (await runCell(cell, { registry, context })).value;
  return { context, tf, run };
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
