"""What a new user ran into, end to end through a real jupyter_client and the real tunelab kernel:
each scenario is one surprise found by driving the kernel from the README alone, kept so it stays fixed.

Usage: /usr/bin/python3 newcomer_scenarios.py NAME [NAME ...]   (JUPYTER_DATA_DIR must hold the kernelspec)
Prints one JSON line per scenario, like scenarios.py (whose kernel helpers it uses).
"""
import json
import os
import sys
import tempfile
import time

from scenarios import check, main, scenario, streams
from tune_helpers import SPACE, ok, setup, value


def interrupt_once_printed(k, msg_id, text, what, poll=0.05):
    """Interrupts the cell `msg_id` once its output shows `text` (`what` names that moment in a
    failure); returns the content of its reply."""
    deadline = time.time() + 60
    while text not in streams(k.iopub.get(msg_id, [])):
        check(time.time() < deadline, f"{what} never came")
        k.drain(poll)
    k.km.interrupt_kernel()
    return k.reply(msg_id, timeout=60)["content"]


@scenario
def interrupt_of_an_objective_that_never_returns(k):
    # An --objective awaiting something that never comes: the interrupt ends the search with its
    # summary (the trial failed as interrupted), not by the kernel settling the cell by force.
    ok(k, "let calls = 0;\n"
          "function never(p: { x: number }) { calls++; console.log(`trial ${calls} started`); return new Promise<number>(() => {}); }")
    msg_id = k.kc.execute("%%tune --objective never --trials 3 --seed 1 --no-live --out hung\nx: uniform(0, 1)")
    # Interrupt once the first trial runs (the function said so).
    reply = interrupt_once_printed(k, msg_id, "trial 1 started", "the first trial's start", poll=0.2)
    outputs = k.outputs(msg_id)
    check(reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply)
    check("kept in `hung`" in reply["evalue"], reply["evalue"])
    text = streams(outputs)
    check("Interrupted after 1 trial" in text, f"the search's summary is printed: {text!r}")
    trials = value(k, "hung.trials.map((t) => [t.state, t.error])")
    check(len(trials) == 1 and trials[0][0] == "failed" and trials[0][1].startswith("interrupted: the objective had not returned"), trials)
    check(value(k, "calls") == 1, "no trial started after the interrupt")
    check(value(k, "1 + 1") == 2, "the kernel runs the next cell")


@scenario
def prediction_metrics_as_several_objectives(k):
    # --metric val_f1_macro,params: a metric computed from predictions is one of several objectives
    # (it was refused as "unknown metric", though the same error listed it as computed from predictions).
    setup(k)
    ok(k, "%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 2 --metric val_f1_macro,params \\\n"
          "       --trials 3 --seed 2 --workers 1 --no-live --out f1front\n"
          "units: int(4, 16, log)\nlr: loguniform(1e-2, 1e-1)")
    trials = value(k, "f1front.trials.map((t) => ({ state: t.state, values: t.values, units: t.params.units }))")
    check(len(trials) == 3 and all(t["state"] == "complete" for t in trials), trials)
    for t in trials:
        f1, weights = t["values"]
        check(0 <= f1 <= 1, f"val_f1_macro is an F1 score: {t}")
        check(weights == 4 * t["units"] + t["units"] + t["units"] * 3 + 3, f"params is the weight count: {t}")
    check(value(k, "f1front.objectives.directions") == ["maximize", "minimize"], "F1 is maximised, the weight count minimised")


@scenario
def out_naming_the_objective_is_refused(k):
    # %%tune --objective f --out f bound the study to f: the cell's next run found a study where its
    # function was ("expected a function, but f is a NotebookStudy"), and the function was gone.
    ok(k, "function f(p: { x: number }) { return (p.x - 0.3) ** 2; }")
    content, _, _ = k.execute("%%tune --objective f --trials 2 --no-live --out f\nx: uniform(0, 1)")
    check(content["status"] == "error" and content["evalue"].startswith("line 1: --out f would replace --objective's f, which this cell reads"), content)
    check(value(k, "typeof f") == "function", "f is still the function")


@scenario
def positive_class_named_by_its_label(k):
    # Targets that are class names ("other", "setosa"): --positive-class may name one, as
    # scikit-learn's pos_label does (it was refused: "--positive-class expects an integer").
    setup(k)
    ok(k, "const yName = iris.y.map((c) => (c === 0 ? \"setosa\" : \"other\"));\n"
          "function buildBinary(p: { units: number; lr: number }): tf.LayersModel {\n"
          "  const m = tf.sequential();\n"
          "  m.add(tf.layers.dense({ inputShape: [4], units: p.units, activation: \"relu\" }));\n"
          "  m.add(tf.layers.dense({ units: 1, activation: \"sigmoid\" }));\n"
          "  m.compile({ optimizer: tf.train.adam(p.lr), loss: \"binaryCrossentropy\" });\n"
          "  return m;\n}")
    cell = ("%%tune --model buildBinary --data xTrain,yName --validation 0.3 --epochs 2 --metric val_recall --positive-class {c} \\\n"
            "       --test xTrain,yName --strategy random --trials 2 --seed 3 --workers 1 --no-live --out {out}\n"
            "units: int(2, 8)\nlr: loguniform(1e-2, 1e-1)")
    text = streams(ok(k, cell.format(c="other", out="byName")))
    check("0 = other, 1 = setosa" in text, text)
    ok(k, cell.format(c="0", out="byIndex"))
    by_name = value(k, "byName.trials.map((t) => t.value)")
    check(by_name == value(k, "byIndex.trials.map((t) => t.value)"), "--positive-class other is class 0")
    check(value(k, "byName.testMetrics.report.classNames") == ["other", "setosa"], "the report names the classes")
    content, _, _ = k.execute(cell.format(c="versicolor", out="wrong"))
    check(content["status"] == "error" and content["evalue"] == "line 1: --positive-class versicolor: expected a class index or one of the class names other (0), setosa (1)", content)


@scenario
def objective_record_without_the_metric_stops_at_once(k):
    # An --objective returning {loss, acc} without --metric: every trial failed alike ("without the
    # study's metric value") until 10 had failed in a row. The first result now stops the search,
    # naming the --metric to give, as Keras Tuner refuses an objective missing from the metrics.
    ok(k, "let calls = 0;\nfunction scores(p: { x: number }) { calls++; return { loss: p.x, acc: 1 - p.x }; }")
    content, outputs, _ = k.execute("%%tune --objective scores --trials 30 --seed 1 --no-live --out s\nx: uniform(0, 1)")
    check(content["status"] == "error" and content["evalue"] == 'line 1: --objective scores returned the metrics {loss, acc}, which have no "value": name the one to optimise with --metric loss (or acc)', content)
    check(value(k, "calls") == 1 and value(k, "s.trials.length") == 1, "the search stopped after the first trial, which is kept")
    ok(k, "%%tune --objective scores --metric acc --trials 3 --seed 1 --no-live --out s\nx: uniform(0, 1)")
    check(value(k, "s.trials.map((t) => t.state)") == ["complete"] * 3, "with --metric acc it runs")
    content, _, _ = k.execute("function broken(p: { x: number }): number { throw new Error('no'); }\n")
    content, _, _ = k.execute("%%tune --objective broken --trials 9 --max-failures 2 --seed 1 --no-live --out b\nx: uniform(0, 1)")
    check(content["evalue"] == "line 1: stopping the search: the last 2 trials failed in a row (the last with: no); check the objective, or raise --max-failures", content)


@scenario
def a_missing_data_variable_fails_before_the_strategy_is_announced(k):
    # A forgotten data cell: the error came after "Strategy bayes (auto: ...)" and "Seed ..." lines,
    # as if the search had started.
    setup(k)
    content, outputs, _ = k.execute("%%tune --model buildModel --data xTrain,yTrian --trials 2 --no-live --out s\nunits: int(4, 8)\nlr: loguniform(1e-2, 1e-1)")
    check(content["status"] == "error" and content["evalue"] == 'line 1: unknown variable "yTrian": define it in an earlier cell (and run that cell)', content)
    check(streams(outputs) == "", f"nothing said before the error: {streams(outputs)!r}")
    content, outputs, _ = k.execute("%%tune --model buildModel --data xTrain,yTrain --test xTest,yTest --trials 2 --no-live --out s\nunits: int(4, 8)\nlr: loguniform(1e-2, 1e-1)")
    check(content["status"] == "error" and 'unknown variable "xTest"' in content["evalue"] and streams(outputs) == "", (content, streams(outputs)))


@scenario
def interrupt_of_a_synchronous_objective_ends_at_the_trial_boundary(k):
    # A synchronous objective (a busy loop of 0.5 s): the search chained its trials through promise
    # jobs only, so the interrupt reached the cell only when forced after its 3 s grace, stopping a
    # trial midway (recorded failed) after several more had run. Now the search ends once the
    # running trial returns, and that trial is kept complete.
    ok(k, "let started = 0;\n"
          "function busy(p: { x: number }) { started++; console.log(`trial ${started} started`); const end = Date.now() + 500; while (Date.now() < end); return p.x; }")
    msg_id = k.kc.execute("%%tune --objective busy --trials 40 --seed 1 --no-live --out busyStudy\nx: uniform(0, 1)")
    reply = interrupt_once_printed(k, msg_id, "trial 2 started", "the second trial's start")
    check(reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply)
    states = value(k, "busyStudy.trials.map((t) => t.state)")
    check(states == ["complete"] * len(states), f"no trial was cut short: {states}")
    check(value(k, "started") == len(states), "no trial started after the interrupt")


@scenario
def a_cell_interrupted_at_an_await_keeps_what_it_declared(k):
    # A cell that throws keeps what it declared and set before the error; one interrupted while it
    # awaited lost them all ("Cannot find name"), so a timer it started could not be cleared.
    msg_id = k.kc.execute("const handle = setInterval(() => {}, 1000);\nlet phase = 1;\nconsole.log('waiting');\n"
                          "await new Promise(() => {});\nphase = 2;\nconst neverSet = 3;")
    reply = interrupt_once_printed(k, msg_id, "waiting", "the cell's start")
    check(reply["status"] == "error", reply)
    check(value(k, "phase") == 1, "phase is declared, as set before the await")
    content, _, _ = k.execute("clearInterval(handle);")
    check(content["status"] == "ok", f"the timer's handle is usable: {content}")
    # (A name of its own: an earlier scenario of the group declares a function `never`, which stays.)
    content, _, _ = k.execute("neverSet")
    check(content["status"] == "error" and "neverSet" in content["evalue"], f"what was never set is not declared: {content}")
    content, _, _ = k.execute("const phase: string = 'redeclared'; phase")
    check(content["status"] == "ok", f"a later cell may declare the name again: {content}")



@scenario
def a_refused_from_leaves_no_study_in_the_storage(k):
    # --from a study of another metric, with --storage: the cell was refused, but only after it had
    # created its study in the journal, empty and with the wrong metric; the corrected cell was then
    # refused too ('study "fromStored" is stored with metric "loss"'), until the journal was deleted.
    storage = os.path.join(tempfile.mkdtemp(prefix="tunelab-from-"), "from.jsonl")
    ok(k, "function twoScores(p: { x: number }) { return { loss: (p.x - 0.3) ** 2, acc: 1 - p.x }; }")
    ok(k, "%%tune --objective twoScores --metric acc --trials 3 --seed 1 --no-live --out coarseAcc\nx: uniform(0, 1)")
    cell = ("%%tune --objective twoScores --metric {metric} --trials 2 --seed 1 --no-live --from coarseAcc "
            f"--storage {storage} --name fromStored --out fromStored\nx: uniform(0, 1)")
    content, _, _ = k.execute(cell.format(metric="loss"))
    check(content["status"] == "error" and content["evalue"] == "line 1: --from coarseAcc: it maximised acc and this search minimises loss: their values do not compare", content)
    check(not os.path.exists(storage) or "fromStored" not in open(storage).read(), "the refused cell created no study")
    text = streams(ok(k, cell.format(metric="acc")))
    check("Started from coarseAcc: 3 complete trials added" in text, text)
    check(value(k, "fromStored.trials.length") == 5, "the 3 seeds and 2 new trials")
    # A --from naming no variable fails before the strategy is announced, as a missing data variable does.
    content, outputs, _ = k.execute("%%tune --objective twoScores --metric acc --trials 2 --no-live --from coarseAc --out again\nx: uniform(0, 1)")
    check(content["status"] == "error" and 'unknown study "coarseAc"' in content["evalue"] and streams(outputs) == "", (content, streams(outputs)))


@scenario
def an_expanded_value_with_spaces_is_named_in_the_error(k):
    # `tunelab run --param "name=my run"` into `%%tune --name {name}`: the value's space split the
    # line, and the error named only a stray argument "run" that the cell does not hold.
    ok(k, "const runName = 'my run';\nfunction bowl(p: { x: number }) { return (p.x - 0.2) ** 2; }")
    content, _, _ = k.execute("%%tune --objective bowl --trials 2 --seed 1 --no-live --name {runName} --out named\nx: uniform(0, 1)")
    check(content["status"] == "error" and content["evalue"].startswith('line 1: %%tune: unexpected argument "run"'), content)
    check('{runName} gave "my run"; "{runName}" keeps it one argument' in content["evalue"], content["evalue"])
    ok(k, '%%tune --objective bowl --trials 2 --seed 1 --no-live --name "{runName}" --out named\nx: uniform(0, 1)')
    check(value(k, "named.name") == "my run", "quoted, the value is one argument")


@scenario
def completion_and_inspection_in_a_tune_cell(k):
    # Tab in a %%tune cell offered TypeScript's globals in the search space (AbortController, ...),
    # nothing after --objective, --data, --from or %tune_plot, and shift-tab on %%tune found nothing:
    # IPython completes a magic's arguments and shows its docstring; `earlier.` offered nothing.
    setup(k)
    ok(k, "function scoreOf(p: { x: number }) { return p.x; }\nconst parts = { xFit: xTrain, yFit: yTrain };")
    ok(k, "%%tune --objective scoreOf --trials 2 --seed 1 --no-live --out earlier\nx: uniform(0, 1)")

    def complete(code):
        content = k.reply(k.kc.complete(code, len(code)))["content"]
        return content["matches"], code[content["cursor_start"]:content["cursor_end"]]

    def inspect(code, at):
        content = k.reply(k.kc.inspect(code, at))["content"]
        return content["data"].get("text/plain", "") if content["found"] else None

    matches, _ = complete("%%tune --objective ")
    check("scoreOf" in matches and "buildModel" in matches and "xTrain" not in matches, matches)
    matches, _ = complete("%%tune --model buildModel --data xTr")
    check(matches == ["xTrain"], matches)
    check(complete("%%tune --model buildModel --data parts.x") == (["parts.xFit"], "parts.x"), complete("%%tune --model buildModel --data parts.x"))
    check(complete("%%tune --objective scoreOf --from ea")[0] == ["earlier"], "--from offers studies")
    check(complete("%tune_plot ea")[0] == ["earlier"], "%tune_plot offers studies")
    check(complete("%tune_plot earlier hist") == (["history"], "hist"), "then figures")
    check(complete("%%tune --objective scoreOf\nlr: logu") == (["loguniform"], "logu"), "distribution forms in the space")
    check(complete("%%tune --objective scoreOf\nlayers: int(1, 3)\nunits: int(4, 64, log) if lay")[0] == ["layers"], "parameters after if")
    matches, _ = complete("%%tune --objective scoreOf\nx: uniform(0, 1)\n")
    check("AbortController" not in matches, f"no TypeScript in the search space: {matches[:5]}")
    text = inspect("%%tune --objective scoreOf", 3)
    check(text is not None and text.startswith("Usage: %%tune") and "--strategy" in text, text)
    text = inspect("%%tune --objective scoreOf --pruner asha", 33)
    check(text is not None and text.startswith("--pruner PRUNER (none|median|asha|hyperband): early stopping"), text)
    check(complete("%time scoreO")[0] == ["scoreOf"], "the code of %time stays TypeScript")
    # A documentation comment's {@link parseTable} came out over three lines: "{@link \nparseTable\n}".
    text = inspect("loadTable", 9)
    check(text is not None and "See parseTable." in text and "{@link" not in text, text)
    # A console asks is_complete after each line: a cell magic's body ends with a blank line, as in
    # IPython (it ran the header alone, "the search space is empty").
    def completeness(code):
        return k.reply(k.kc.is_complete(code))["content"]["status"]
    check(completeness("%%tune --objective scoreOf") == "incomplete", "the header alone")
    check(completeness("%%tune --objective scoreOf\nx: uniform(0, 1)") == "incomplete", "a body line")
    check(completeness("%%tune --objective scoreOf\nx: uniform(0, 1)\n\n") == "complete", "a blank line ends it")
    # The study is typed `any` for the compiler, which offered none of its members: its value's are.
    matches, replaced = complete("const picked = earlier.best")
    check("bestParams" in matches and "bestTrial" in matches and replaced == "best", (matches, replaced))
    check(complete("earlier.toC")[0] == ["toCSV"], "methods too")
    ok(k, "const trap: any = new Proxy({}, { ownKeys() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } });")
    check(complete("trap.a") == ([], "a"), "a value whose traps throw offers nothing, and the reply is whole")


@scenario
def the_best_model_saves_to_a_file_and_loads_back(k):
    # Exporting the best model: model.save("file://...") failed with "Cannot find any save handlers"
    # on the wasm and cpu backends (only tfjs-node has file:// handlers), so a search's model could
    # not be kept past the session.
    setup(k)
    folder = os.path.join(tempfile.mkdtemp(prefix="tunelab-export-"), "best")
    ok(k, "%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 2 --metric val_acc --trials 2 --seed 3 --workers 1 --no-live --out exported\n" + SPACE)
    ok(k, f"await exported.bestModel!.save({json.dumps('file://' + folder)});")
    check(sorted(os.listdir(folder)) == ["model.json", "weights.bin"], os.listdir(folder))
    same = value(k, "await (async () => { const back = await tf.loadLayersModel(" + json.dumps(f"file://{folder}/model.json") + ");\n"
                    "  const x = tf.tensor2d(xTrain.slice(0, 5));\n"
                    "  return JSON.stringify((back.predict(x) as tf.Tensor).arraySync()) === JSON.stringify((exported.bestModel!.predict(x) as tf.Tensor).arraySync()); })()")
    check(same is True, "the loaded model predicts as the best model")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
