/**
 * The tutorial notebooks, executed by real Jupyter (`jupyter nbconvert --execute`, Debian's) with
 * the tunelab kernel: each must run without an error and leave the results it promises. One also
 * runs from a fresh directory outside the repository, as a new user's notebook would.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { dataDirectory } from "../../tfjs/fixtures";
import { executeNotebook, outputsOf, withNotebookRun } from "../../support/nbconvert";
import { PLOTLY_MIME, text, type LooseOutput } from "../../support/outputs";

const NOTEBOOKS = path.dirname(dataDirectory());

/** Executes a tutorial (in its own directory) into `outDir` and returns the executed notebook's file. */
function execute(notebook: string, outDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  return executeNotebook(notebook, outDir, { env, args: ["--ExecutePreprocessor.timeout=600"], timeoutMs: 900_000 });
}

/** Asserts plotly.js is embedded once among `outputs`, and no other output is over 200 KB (issue 5), so the saved notebook renders offline and stays small. */
function assertPlotlyEmbeddedOnce(outputs: readonly LooseOutput[]): void {
  const sizes = outputs.filter((o) => o.data !== undefined).map((o) => JSON.stringify(o.data).length);
  const carrier = sizes.findIndex((s) => s > 1_000_000);
  assert.ok(carrier >= 0, "plotly.js is embedded once, so the saved notebook renders offline");
  assert.deepEqual(sizes.filter((s, i) => i !== carrier && s > 200_000), [], "no other output over 200 KB");
}

test("the tutorials run through nbconvert and show what they promise", async () => {
  await withNotebookRun("tunelab-tutorials-", async ({ env, dir: outDir }) => {
    const quickstart = await execute(path.join(NOTEBOOKS, "01-quickstart.ipynb"), outDir, env);
    const q = outputsOf(quickstart);
    assert.match(q.streams, /backend: (wasm|tensorflow|cpu)/, "the backend is named");
    assert.match(q.streams, /Study "study": 20 trials \(20 complete\); best trial #\d+: val_acc = (?:1|0\.9\d*) /);
    const accuracy = Number(/test accuracy of the best model: ([\d.]+)/.exec(q.streams)?.[1]);
    assert.ok(accuracy > 0.9, `the kept best model classifies the test set (accuracy ${accuracy})`);
    const table = q.outputs.find((o) => o.output_type === "execute_result" && o.data?.[PLOTLY_MIME] !== undefined);
    assert.ok(table !== undefined, "the study shows itself as its trials table");
    const figures = q.outputs.filter((o) => o.data?.[PLOTLY_MIME] !== undefined);
    assert.ok(figures.length >= 6, `live table, history, parallel coordinates, slices, importance (${figures.length})`);
    // Size (issue 5): under 6 MB saved, and every figure after the one carrying plotly.js under 200 KB.
    assert.ok(statSync(quickstart).size < 6 * 1024 * 1024, `saved notebook is ${statSync(quickstart).size} bytes`);
    assertPlotlyEmbeddedOnce(q.outputs);

    const compare = outputsOf(await execute(path.join(NOTEBOOKS, "02-compare-strategies.ipynb"), outDir, env));
    for (const name of ["grid", "random", "bayes"]) assert.match(compare.streams, new RegExp(`Study "${name}": 12 trials \\(12 complete\\)`));
    assert.ok(compare.outputs.some((o) => o.output_type === "execute_result" && o.data?.[PLOTLY_MIME] !== undefined), "the comparison plot");

    const pruning = outputsOf(await execute(path.join(NOTEBOOKS, "03-pruning-digits.ipynb"), outDir, env));
    const pruned = Number(/(\d+) of 16 trials were stopped early/.exec(pruning.streams)?.[1]);
    assert.ok(pruned >= 1 && pruned < 16, `the median pruner stopped some trials early (${pruned})`);
  });
});

test("the conditional-layers tutorial runs with --strategy auto and leaves absent widths blank", async () => {
  await withNotebookRun("tunelab-tutorials-", async ({ env, dir: outDir }) => {
    const layers = outputsOf(await execute(path.join(NOTEBOOKS, "06-conditional-layers.ipynb"), outDir, env));
    assert.match(layers.streams, /Strategy bayes \(auto: 5 numeric parameters and 16 trials: the Gaussian process .*\(it imputes the 2 conditional ones where absent\)/, "auto says it chose the GP and why");
    assert.match(layers.streams, /Study "layersStudy": 16 trials \(16 complete\)/);
    const one = /(\d+) trials with 1 layer\(s\) hold: ([^\n]*)/.exec(layers.streams);
    if (one !== null && Number(one[1]) > 0) assert.equal(one[2], "layers, units1, lr", "a one-layer trial holds no units2 or units3");
    assert.match(layers.streams, /trials with 3 layer\(s\) hold: layers, units1, units2, units3, lr/);
    // The study's trials table (its text form): a row whose units2 cell is blank.
    const table = layers.outputs.find((o) => o.output_type === "execute_result" && o.data?.[PLOTLY_MIME] !== undefined);
    assert.ok(table !== undefined, "the study shows itself as its trials table");
    const plain = text(table.data?.["text/plain"]);
    const lines = plain.split("\n");
    const header = lines.findIndex((line) => /^\s*#\s+state\s+layers\s+units1\s+units2\s+units3\s+lr\b/.test(line));
    assert.ok(header >= 0, `the table has a column per parameter:\n${plain}`);
    const spans = [...lines[header + 1]!.matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length] as const);
    const [a, b] = spans.find(([x, y]) => lines[header]!.slice(x, y).trim() === "units3")!;
    const rows = lines.slice(header + 2).filter((line) => /^\s*\*?\d+\s/.test(line));
    assert.ok(rows.some((row) => row.slice(a, b).trim() === ""), "a trial with fewer than 3 layers shows a blank units3 cell");
    assert.ok(rows.some((row) => row.slice(a, b).trim() !== ""), "a three-layer trial shows its units3");
  });
});

test("a notebook in a fresh directory outside the repository finds TensorFlow.js and tunelab", async () => {
  await withNotebookRun("tunelab-user-", async ({ env, dir: home }) => {
    mkdirSync(path.join(home, "data"));
    cpSync(path.join(NOTEBOOKS, "data", "digits.csv.gz"), path.join(home, "data", "digits.csv.gz"));
    cpSync(path.join(NOTEBOOKS, "03-pruning-digits.ipynb"), path.join(home, "mine.ipynb"));
    const out = outputsOf(await execute(path.join(home, "mine.ipynb"), home, env));
    assert.match(out.streams, /Study "digitsStudy": 16 trials/);
  });
});

test("the breast-cancer recall tutorial tunes F2 of the malignant class and reports on its test set", async () => {
  await withNotebookRun("tunelab-tutorials-", async ({ env, dir: outDir }) => {
    const recall = outputsOf(await execute(path.join(NOTEBOOKS, "04-breast-cancer-recall.ipynb"), outDir, env));
    assert.match(recall.streams, /Study "study": 12 trials \(12 complete\); best trial #\d+: val_f2Malignant = (?:1|0\.9\d*) /);
    assert.match(recall.streams, /Test set xTest,yTest \(\d+ rows\), trial #\d+'s model; in study\.testMetrics:/);
    const malignantRecall = Number(/malignant recall on the test rows: ([\d.]+)/.exec(recall.streams)?.[1]);
    assert.ok(malignantRecall > 0.85, `the best model finds the malignant test rows (recall ${malignantRecall})`);
    const layouts = recall.outputs.filter((o) => o.data?.[PLOTLY_MIME] !== undefined).map((o) => JSON.stringify((o.data![PLOTLY_MIME] as { layout?: unknown }).layout));
    for (const title of ["confusion matrix", "ROC curve", "precision-recall curve", "per class"]) {
      assert.ok(layouts.some((layout) => layout.includes(`Best model on xTest,yTest: ${title}`)), `the report's ${title} is drawn`);
    }
    const traces = recall.outputs.filter((o) => o.data?.[PLOTLY_MIME] !== undefined).map((o) => JSON.stringify((o.data![PLOTLY_MIME] as { data?: unknown }).data));
    assert.ok(traces.some((data) => /"name":"malignant \(AUC /.test(data)), "--class-names labels the ROC curve");
    assert.ok(traces.some((data) => data.includes('"x":["malignant","benign"]')), "and the confusion matrix");
  });
});

test("the accuracy-against-size tutorial shows a Pareto front growing live, picks from it, and renders offline", async () => {
  await withNotebookRun("tunelab-pareto-tutorial-", async ({ env, dir: outDir }) => {
    const file = await execute(path.join(NOTEBOOKS, "05-accuracy-vs-size.ipynb"), outDir, env);
    const { outputs, streams } = outputsOf(file);
    assert.match(streams, /Strategy bayes \(auto: 2 objectives, 2 numeric parameters and 24 trials: the Gaussian process on random weightings/);
    assert.match(streams, /Study "sized": 24 trials \(24 complete\); Pareto front of \d+ trials? \(val_acc ↑, size ↓\)/);
    const picked = /picked trial #(\d+): ([\d.]+) kB/.exec(streams);
    assert.ok(picked !== null && Number(picked[2]) < 20_000 / 1024, `a trial under 20 kB was picked:\n${streams}`);
    const accuracy = Number(/test accuracy of the picked model: ([\d.]+)/.exec(streams)?.[1]);
    assert.ok(accuracy > 0.8, `the picked model classifies the test digits (accuracy ${accuracy})`);
    const traces = outputs.flatMap((o) => {
      const figure = o.data?.[PLOTLY_MIME] as { data?: { name?: string }[] } | undefined;
      return figure?.data === undefined ? [] : [figure.data.map((t) => t.name ?? "")];
    });
    assert.ok(traces.some((names) => names.some((n) => /^Pareto front \(\d+\)$/.test(n))), "the Pareto-front figure");
    assert.ok(traces.some((names) => names.includes(`picked (trial ${picked[1]})`)), "the picked trial is starred on the front");
    assertPlotlyEmbeddedOnce(outputs);
  });
});

test("the schedulers tutorial compares ASHA, Hyperband, BOHB and PBT on the digits and draws the bracket and PBT figures", async () => {
  await withNotebookRun("tunelab-schedulers-tutorial-", async ({ env, dir: outDir }) => {
    const { outputs, streams } = outputsOf(await execute(path.join(NOTEBOOKS, "07-schedulers-digits.ipynb"), outDir, env));
    for (const name of ["asha", "hyperband", "bohb"]) assert.match(streams, new RegExp(`Study "${name}": 16 trials \\([^)]*\\d+ pruned`), `${name} stopped some trials early`);
    assert.match(streams, /Study "pbt": 32 trials \(32 complete\)/, "8 members × 4 rounds");
    const rows = [...streams.matchAll(/^(asha|hyperband|bohb|pbt) +(\d+) trials, +(\d+) epochs trained, best val_acc ([\d.]+)/gm)].map((m) => ({ name: m[1]!, epochs: Number(m[3]), best: Number(m[4]) }));
    assert.deepEqual(rows.map((r) => r.name), ["asha", "hyperband", "bohb", "pbt"], streams);
    for (const row of rows) assert.ok(row.best > 0.9, `${row.name} found an accurate model (${row.best})`);
    for (const row of rows.slice(0, 3)) assert.ok(row.epochs < 192, `${row.name} trained fewer epochs than 16 full trials (${row.epochs})`);
    assert.equal(rows[3]!.epochs, 96, "PBT trains each of its 8 members for 12 epochs once");
    const titles = outputs.flatMap((o) => {
      const figure = o.data?.[PLOTLY_MIME] as { layout?: { title?: { text?: string } } } | undefined;
      return figure?.layout?.title?.text === undefined ? [] : [figure.layout.title.text];
    });
    assert.ok(titles.some((t) => t.startsWith("intermediate values by Hyperband bracket")), `the bracket figure: ${titles.join(" | ")}`);
    assert.ok(titles.some((t) => t.startsWith("population-based training")), "the PBT figure");
    assertPlotlyEmbeddedOnce(outputs);
  });
});
