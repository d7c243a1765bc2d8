"""End-to-end scenarios of %%tune through a real jupyter_client and the real tunelab kernel, with
real TensorFlow.js training on the iris data (notebooks/data/iris.csv).

Usage: /usr/bin/python3 tune_scenarios.py NAME [NAME ...]   (JUPYTER_DATA_DIR must hold the kernelspec)
Prints one JSON line per scenario, like scenarios.py (whose kernel helpers it uses).
"""
import json
import sys
import re
import time

from scenarios import Kernel, check, main, scenario, streams, types
from tune_helpers import SPACE, ok, resume_after_restart, setup, value

PLOTLY = "application/vnd.plotly.v1+json"


@scenario
def tune_model_search_with_options(k):
    setup(k)
    ok(k, "const before = tf.memory().numTensors;")
    outputs = ok(k, "%%tune --model buildModel --data xTrain,yTrain --cv 3 --epochs 3 --batch-size 16 --metric val_acc \\\n"
                    "       --strategy bayes --trials 6 --seed 3 --pruner median --out irisStudy\n" + SPACE)
    check(any(m["msg_type"] == "display_data" and PLOTLY in m["content"]["data"] for m in outputs), types(outputs))
    check(any(m["msg_type"] == "update_display_data" for m in outputs), f"the live view updates in place: {types(outputs)}")
    check("Ran 6 trials" in streams(outputs), streams(outputs))
    check("Refitted the best parameters (trial #" in streams(outputs) and "on all 150 rows of xTrain,yTrain" in streams(outputs),
          f"with --cv the best parameters are trained on all rows: {streams(outputs)!r}")
    check(value(k, "irisStudy.trials.length") == 6, "six trials")
    states = value(k, "irisStudy.trials.map((t) => t.state)")
    check(all(s in ("complete", "pruned") for s in states) and "complete" in states, states)
    check(value(k, "irisStudy.direction") == "maximize", "accuracy is maximised without --direction")
    check(value(k, "irisStudy.metric") == "val_acc", "the metric")
    best = value(k, "{ params: irisStudy.bestParams, value: irisStudy.bestValue }")
    check(set(best["params"]) == {"units", "lr", "activation"} and 0 < best["value"] <= 1, best)
    check(value(k, "irisStudy.trials.every((t) => t.completedAt >= t.startedAt)"), "each trial has its start and end times")
    shape = value(k, "tf.tidy(() => (irisStudy.bestModel.predict(tf.tensor2d([xTrain[0]])) as tf.Tensor).shape)")
    check(shape == [1, 3], f"the best model is kept and predicts: {shape}")
    csv = value(k, "irisStudy.toCSV()")
    check(len(csv.strip().splitlines()) == 7 and "units" in csv.splitlines()[0], csv[:300])
    check(len(value(k, "irisStudy.toJSON().trials")) == 6, "JSON export")
    # As a cell's last expression, the study shows itself as its trials table.
    content, outputs, _ = k.execute("irisStudy")
    results = [m for m in outputs if m["msg_type"] == "execute_result"]
    check(len(results) == 1 and PLOTLY in results[0]["content"]["data"], types(outputs))
    # Only the kept model's tensors outlive the search; disposing it leaves none.
    check(value(k, "tf.memory().numTensors > before"), "the kept model holds tensors")
    check(value(k, "(irisStudy.dispose(), tf.memory().numTensors - before)") == 0, "tensors leaked by the search")


@scenario
def tune_grid_and_random_strategies(k):
    setup(k)
    # A plain list is a grid axis; epochs and batchSize are searched like any parameter.
    outputs = ok(k, "%%tune --model buildModel --data xTrain,yTrain --validation 0.3 --metric val_loss --strategy grid --no-live --out grid\n"
                    "units: [4, 8]\nlr: [0.01]\nactivation: [\"relu\", \"tanh\"]\nepochs: [1, 2]\nbatchSize: [32]")
    check("Ran 8 trials" in streams(outputs), streams(outputs))
    combos = value(k, "grid.trials.map((t) => [t.params.units, t.params.activation, t.params.epochs].join('/'))")
    check(len(set(combos)) == 8, f"every grid point once: {combos}")
    check(value(k, "grid.direction") == "minimize", "a loss is minimised")
    check(value(k, "grid.trials.every((t) => t.userAttrs.epochs === t.params.epochs)"), "each trial trained its own epochs")
    outputs = ok(k, "%%tune --model buildModel --data xTrain,yTrain --epochs 2 --metric val_acc --direction maximize --strategy random \\\n"
                    "       --trials 4 --timeout 120 --seed 9 --no-keep-best --no-live --out rnd\n" + SPACE)
    check(value(k, "rnd.trials.length") == 4 and value(k, "rnd.bestModel === undefined"), "--no-keep-best disposes every model")
    content, outputs, _ = k.execute("%%tune --help")
    check(content["status"] == "ok" and "--strategy" in streams(outputs) + json.dumps([m["content"] for m in outputs]), types(outputs))


@scenario
def tune_no_tensor_leaks(k):
    setup(k)
    ok(k, "const start = tf.memory().numTensors;")
    kept = []
    for trials, name in ((10, "ten"), (30, "thirty")):
        ok(k, f"%%tune --model buildModel --data xTrain,yTrain --epochs 1 --batch-size 64 --metric val_acc --strategy random \\\n"
              f"       --trials {trials} --seed 1 --no-live --out {name}\n" + SPACE)
        check(value(k, f"{name}.trials.length") == trials, f"{trials} trials")
        kept.append(value(k, "tf.memory().numTensors - start"))
        check(value(k, f"({name}.dispose(), tf.memory().numTensors - start)") == 0, f"tensors left after disposing the {trials}-trial study")
    check(kept[0] == kept[1] and kept[0] > 0, f"only the best model is kept, whatever the number of trials: {kept}")


@scenario
def tune_same_seed_same_trials(k):
    setup(k)
    runs = []
    for name in ("first", "second"):
        ok(k, f"%%tune --model buildModel --data xTrain,yTrain --epochs 2 --metric val_loss --strategy bayes --trials 5 --seed 11 \\\n"
              f"       --no-live --no-keep-best --out {name}\n" + SPACE)
        runs.append(value(k, f"{name}.trials.map((t) => [t.params, t.metrics])"))
    check(runs[0] == runs[1], f"same seed, different trials:\n{runs[0]}\n{runs[1]}")


@scenario
def tune_free_objective_with_pruning(k):
    ok(k, """
import { TrialPruned } from "tunelab";
let calls = 0;
async function objective(params: { x: number }, trial: { report(v: number, step: number): void; shouldPrune(): boolean }) {
  calls++;
  if (calls === 2) throw new Error("diverged");
  if (calls === 3) return Number.NaN;
  let value = 0;
  for (let step = 0; step < 8; step++) {
    value = (params.x - 2) ** 2 + 1 / (step + 1);
    trial.report(value, step);
    if (trial.shouldPrune()) throw new TrialPruned(`pruned at step ${step}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { value, steps: 8 };
}""")
    outputs = ok(k, "%%tune --objective objective --strategy random --trials 14 --seed 5 --pruner asha --out free\nx: uniform(-5, 5)")
    states = value(k, "free.trials.map((t) => t.state)")
    check(len(states) == 14, states)
    check(states[1] == "failed" and "diverged" in value(k, "free.trials[1].error"), states)
    check(states[2] == "failed" and "NaN" in value(k, "free.trials[2].error"), states)
    check("pruned" in states and "complete" in states, f"ASHA pruned some trials and the search went on: {states}")
    check(value(k, "free.direction") == "minimize", "a free objective minimises by default")


@scenario
def tune_interrupt_mid_search(k):
    setup(k)
    ok(k, "const beforeSearch = tf.memory().numTensors;")
    msg_id = k.kc.execute("%%tune --model buildModel --data xTrain,yTrain --epochs 40 --batch-size 8 --metric val_acc --strategy random \\\n"
                          "       --trials 200 --seed 1 --out stopped\n" + SPACE)
    # Interrupt once at least two trials have finished, as the live view's progress line says
    # ("2 of 200 trials done": trials run on worker threads by default, several at once).
    deadline = time.time() + 120
    while time.time() < deadline:
        k.drain(0.5)
        progress = [m for m in k.iopub.get(msg_id, []) if m["msg_type"] == "update_display_data"]
        done = [int(n) for m in progress for n in re.findall(r"(\d+) of 200 trials done", m["content"]["data"].get("text/plain", ""))]
        if max(done, default=0) >= 2:
            break
    start = time.time()
    k.km.interrupt_kernel()
    reply = k.reply(msg_id, timeout=30)
    elapsed = time.time() - start
    check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt", reply["content"])
    check(elapsed < 5, f"the search took {elapsed:.1f} s to stop")
    check("kept in `stopped`" in reply["content"]["evalue"], reply["content"]["evalue"])
    states = value(k, "stopped.trials.map((t) => t.state)")
    check(states.count("complete") >= 1 and len(states) < 200, states)
    check("running" not in states, f"no trial is left running: {states}")
    check(value(k, "1 + 1") == 2, "the kernel runs the next cell")
    check(value(k, "(stopped.dispose(), tf.memory().numTensors - beforeSearch)") == 0, "tensors leaked by the interrupted search")


@scenario
def tune_resume_after_kernel_restart(k):
    resume_after_restart(k, "--epochs 2 --metric val_acc --strategy bayes --seed 4", "irisResume", "resumed", 3, 5,
                         "resumed.trials.map((t) => t.params)", "3 trials (3 complete)")


@scenario
def tune_fused_trials(k):
    setup(k)
    ok(k, "const beforeFused = tf.memory().numTensors;")
    outputs = ok(k, "%%tune --model buildModel --data xTrain,yTrain --epochs 3 --metric val_loss --strategy random --trials 6 --seed 5 \\\n"
                    "       --workers 1 --fuse 4 --no-live --out fused\n" + SPACE)
    text = streams(outputs)
    check("Training 4 trials at once as one computation in the notebook's thread (fused dense stack" in text, text)
    check("Repeatable: --seed 5 with 4 fused slots gives the same trials again." in text, text)
    check("Ran 6 trials" in text, text)
    check(value(k, "fused.trials.every((t) => t.state === 'complete' && t.intermediateValues.length === 3)"), "every trial reported each epoch")
    shape = value(k, "tf.tidy(() => (fused.bestModel.predict(tf.tensor2d([xTrain[0]])) as tf.Tensor).shape)")
    check(shape == [1, 3], f"the best model is kept and predicts: {shape}")
    check(value(k, "(fused.dispose(), tf.memory().numTensors - beforeFused)") == 0, "tensors leaked by the fused search")


@scenario
def tune_bad_input_fails_before_training(k):
    setup(k)
    ok(k, "const notAModel = (p: unknown) => 42;\nconst yShort = yTrain.slice(1);\nlet builds = 0;\n"
          "const countingBuild = (p: any) => { builds++; return buildModel(p); };")
    cases = [
        ("%%tune --model buildModl --data xTrain,yTrain --out bad\n" + SPACE, 'line 1: unknown function "buildModl"'),
        ("%%tune --model countingBuild --data xTrain,yNope --out bad\n" + SPACE, 'unknown variable "yNope"'),
        ("%%tune --model countingBuild --data xTrain,yTrain --out bad\nunits int(4, 16)", 'line 2: expected "name: distribution"'),
        ("%%tune --model countingBuild --data xTrain,yTrain --out bad\nunits: int(4, 16)\nlr: uniform(0.1)", "line 3:"),
        ("%%tune --model notAModel --data xTrain,yTrain --out bad\n" + SPACE, "expected a compiled tf.LayersModel"),
        ("%%tune --model countingBuild --data xTrain,yShort --out bad\n" + SPACE, "xTrain has 150 rows but yShort has 149"),
        ("%%tune --model countingBuild --data xTrain,yTrain --metric val_speed --out bad\n" + SPACE, 'unknown metric "val_speed"'),
    ]
    for cell, expected in cases:
        content, outputs, _ = k.execute(cell, timeout=60)
        check(content["status"] == "error", f"{cell.splitlines()[0]!r} did not fail: {types(outputs)}")
        text = content["evalue"] + "\n".join(content["traceback"])
        check(expected in text, f"{cell.splitlines()[0]!r}: expected {expected!r} in {text!r}")
        check("Ran " not in streams(outputs), f"{cell.splitlines()[0]!r} trained: {streams(outputs)!r}")
    content, _, _ = k.execute("%%tune --model countingBuild --data xTrain,yTrain --metric val_speed --out bad\n" + SPACE)
    check("loss" in content["evalue"] and "acc" in content["evalue"], f"the unknown metric's message lists the history's metrics: {content['evalue']!r}")
    check(value(k, "builds") <= 2, "only the checks built models, no trial trained")
    content, _, _ = k.execute("bad")
    check(content["status"] == "error" and "bad" in content["evalue"], f"no study was bound: {content}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
