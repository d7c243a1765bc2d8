/**
 * Every prediction metric against scikit-learn's value on the same fixed vectors (Debian's
 * python3-sklearn, run as /usr/bin/python3): binary with and without tied scores, with either
 * positive class, several classes from softmax rows with one-hot and sparse targets, regression
 * with one and two outputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { computeMetrics, classificationTargets, PREDICTION_METRICS, type ShapedValues } from "../../src/metrics";
import { seededRandom, shuffleInPlace } from "../../src/common/random";

const SCRIPT = path.join(__dirname, "..", "..", "..", "test", "metrics", "sklearn-reference.py");

interface Case {
  readonly label: string;
  readonly yTrue: ShapedValues;
  readonly yPred: ShapedValues;
  readonly positiveClass: number;
  readonly kind: "classification" | "regression";
}

function shaped(rows: readonly (readonly number[])[] | readonly number[]): ShapedValues {
  const is2d = Array.isArray(rows[0]);
  const flat = is2d ? (rows as number[][]).flat() : (rows as number[]);
  return { values: Float64Array.from(flat), shape: is2d ? [rows.length, (rows[0] as number[]).length] : [rows.length] };
}

const random = seededRandom(16);
const n = 60;
const binaryTruth = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
// scores that lean towards the truth, rounded to one decimal so that many tie
const tiedScores = binaryTruth.map((t) => Math.round(Math.min(1, Math.max(0, 0.35 * t + 0.65 * random())) * 10) / 10);
const distinctScores = binaryTruth.map((t, i) => Math.min(0.999, 0.3 * t + 0.7 * random()) + i * 1e-6);
const softmax = (logits: number[]): number[] => {
  const e = logits.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const k = 4;
const multiTruth = Array.from({ length: n }, (_, i) => (i * 7) % k);
const multiScores = multiTruth.map((t) => softmax(Array.from({ length: k }, (_, c) => (c === t ? 1.2 : 0) + 2 * random())));
// rows that are orderings of the same four probabilities, so scores tie across rows and sum to 1
const levels = [0.4, 0.3, 0.2, 0.1];
const multiTied = multiTruth.map((t) => {
  const order = shuffleInPlace([0, 1, 2, 3], random);
  if (random() < 0.6) order.unshift(...order.splice(order.indexOf(t), 1)); // the true class scores highest more often than not
  const row = new Array<number>(k).fill(0);
  order.forEach((c, rank) => (row[c] = levels[rank]!));
  return row;
});
const oneHot = multiTruth.map((t) => Array.from({ length: k }, (_, c) => (c === t ? 1 : 0)));
const regressionTruth = Array.from({ length: n }, () => [4 * random() - 2, 10 * random()]);
const regressionPred = regressionTruth.map(([a, b]) => [a! + random() - 0.5, 0.8 * b! + 2 * random()]);

const CASES: Case[] = [
  { label: "binary, distinct scores", yTrue: shaped(binaryTruth), yPred: shaped(distinctScores.map((s) => [s])), positiveClass: 1, kind: "classification" },
  { label: "binary, tied scores", yTrue: shaped(binaryTruth.map((t) => [t])), yPred: shaped(tiedScores.map((s) => [s])), positiveClass: 1, kind: "classification" },
  { label: "binary, tied scores, positive class 0", yTrue: shaped(binaryTruth), yPred: shaped(tiedScores.map((s) => [s])), positiveClass: 0, kind: "classification" },
  { label: "binary from two softmax columns", yTrue: shaped(binaryTruth), yPred: shaped(tiedScores.map((s) => [1 - s, s])), positiveClass: 1, kind: "classification" },
  { label: "4 classes, one-hot targets", yTrue: shaped(oneHot), yPred: shaped(multiScores), positiveClass: 1, kind: "classification" },
  { label: "4 classes, sparse targets, tied scores", yTrue: shaped(multiTruth), yPred: shaped(multiTied), positiveClass: 1, kind: "classification" },
  { label: "regression, one output", yTrue: shaped(regressionTruth.map((r) => r[0]!)), yPred: shaped(regressionPred.map((r) => [r[0]!])), positiveClass: 1, kind: "regression" },
  { label: "regression, two outputs", yTrue: shaped(regressionTruth), yPred: shaped(regressionPred), positiveClass: 1, kind: "regression" },
];

function referenceInput(c: Case): object {
  if (c.kind === "regression") {
    const cols = c.yPred.shape[1] ?? 1;
    const rows = (v: ShapedValues): number[][] => Array.from({ length: c.yPred.shape[0]! }, (_, i) => Array.from(v.values).slice(i * cols, (i + 1) * cols));
    return { kind: c.kind, yTrue: rows(c.yTrue), yPred: rows(c.yPred) };
  }
  const t = classificationTargets(c.yTrue, c.yPred);
  const scores = Array.from(t.trueLabels, (_, i) => Array.from(t.scores.slice(i * t.classes, (i + 1) * t.classes)));
  return { kind: c.kind, trueLabels: [...t.trueLabels], predictedLabels: [...t.predictedLabels], scores, positiveClass: c.positiveClass };
}

test("every prediction metric equals scikit-learn's on fixed vectors", () => {
  const output = execFileSync("/usr/bin/python3", [SCRIPT], { input: JSON.stringify(CASES.map(referenceInput)), encoding: "utf8" });
  const expected = JSON.parse(output) as Record<string, number>[];
  let compared = 0;
  CASES.forEach((c, i) => {
    const names = Object.keys(expected[i]!);
    const actual = computeMetrics(names, c.yTrue, c.yPred, { positiveClass: c.positiveClass });
    for (const name of names) {
      assert.ok(Math.abs(actual[name]! - expected[i]![name]!) < 1e-12, `${c.label}: ${name} = ${actual[name]}, scikit-learn ${expected[i]![name]}`);
      compared += 1;
    }
  });
  // every metric of the registry was compared at least once
  const covered = new Set(CASES.flatMap((_, i) => Object.keys(expected[i]!)));
  assert.deepEqual(PREDICTION_METRICS.map((m) => m.name).filter((name) => !covered.has(name)), []);
  assert.ok(compared > 60);
});
