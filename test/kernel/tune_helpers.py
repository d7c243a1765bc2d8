"""What the %%tune scenario scripts share (tune_scenarios.py, scheduler_scenarios.py): the cell that
defines the iris data and a model builder as a notebook's earlier cells would, running a cell that must
succeed, reading a TypeScript value, and restarting the kernel to resume a study from its storage.

The kernel helpers themselves (Kernel, check, streams) are scenarios.py's.
"""
import json
import os
import tempfile

from scenarios import check, streams

IRIS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "notebooks", "data", "iris.csv"))
SEARCH_TIMEOUT = 240

# What earlier cells of a notebook define: the data and a model builder.
SETUP = f"""
import * as tf from "@tensorflow/tfjs";
import {{ loadTable, oneHot }} from "tunelab";
const iris = loadTable({json.dumps(IRIS)});
const xTrain = iris.x;
const yTrain = oneHot(iris.y);
function buildModel(p: {{ units: number; lr: number; activation: string }}): tf.LayersModel {{
  const model = tf.sequential();
  model.add(tf.layers.dense({{ inputShape: [4], units: p.units, activation: p.activation as "relu" }}));
  model.add(tf.layers.dense({{ units: 3, activation: "softmax" }}));
  model.compile({{ optimizer: tf.train.adam(p.lr), loss: "categoricalCrossentropy", metrics: ["accuracy"] }});
  return model;
}}
"""

SPACE = 'units: int(4, 16, log)\nlr: loguniform(1e-3, 1e-1)\nactivation: choice("relu", "tanh")'


def setup(k):
    content, outputs, _ = k.execute(SETUP, timeout=60)
    check(content["status"] == "ok", f"setup cell failed: {content}")
    # The backend is announced once per kernel process, by the first cell importing TensorFlow.js.
    announced = "backend: " in streams(outputs)
    check(announced != getattr(k, "tensorflow_loaded", False), f"backend announcement {'repeated' if announced else 'missing'}: {streams(outputs)!r}")
    k.tensorflow_loaded = True


def ok(k, code, timeout=SEARCH_TIMEOUT):
    content, outputs, _ = k.execute(code, timeout=timeout)
    check(content["status"] == "ok", f"{code.splitlines()[0]!r} failed: {content.get('ename')}: {content.get('evalue')}")
    return outputs


def value(k, expression):
    """The value of a TypeScript expression, through JSON printed by the kernel."""
    content, outputs, _ = k.execute(f"console.log(JSON.stringify({expression}))")
    check(content["status"] == "ok", f"{expression!r} failed: {content}")
    return json.loads(streams(outputs).strip())


def restart(k):
    """Restarts the kernel process (killing what it runs): the next setup() loads TensorFlow.js anew."""
    k.km.restart_kernel(now=True)
    k.kc.wait_for_ready(timeout=60)
    k.tensorflow_loaded = False


def resume_after_restart(k, options, name, out, first, then, trials, resumed):
    """Runs `%%tune --model buildModel OPTIONS` on SPACE with a journal for study `name` (bound to
    `out`) for `first` trials, restarts the kernel, checks `out` is gone, and runs the cell again for
    `then` trials: it must say it resumes the study (with `resumed` in its text) and keep the first
    trials as they were, by the value of the expression `trials` (over `out`) before and after.
    """
    storage = os.path.join(tempfile.mkdtemp(prefix=f"tunelab-{name}-"), "iris.jsonl")
    cell = (f"%%tune --model buildModel --data xTrain,yTrain {options} --trials {{n}} \\\n"
            f"       --storage {storage} --name {name} --no-live --out {out}\n" + SPACE)
    setup(k)
    ok(k, cell.format(n=first))
    before = value(k, trials)
    restart(k)
    content, _, _ = k.execute(out)
    check(content["status"] == "error" and out in content["evalue"], f"the restart cleared the notebook's variables: {content}")
    setup(k)
    text = streams(ok(k, cell.format(n=then)))
    check(f'Resuming study "{name}"' in text and resumed in text, text)
    after = value(k, trials)
    check(len(after) == then and after[:first] == before, f"{first} kept as they were + {then - first} new:\n{before}\n{after}")
