"""End-to-end scenarios of the training schedulers (Hyperband, PBT) through a real jupyter_client and
the real tunelab kernel, with real TensorFlow.js training on the iris data: a study in a journal
resumed after a kernel restart.

Usage: /usr/bin/python3 scheduler_scenarios.py NAME [NAME ...]   (JUPYTER_DATA_DIR must hold the kernelspec)
Prints one JSON line per scenario, like scenarios.py.
"""
import os
import sys
import tempfile
import time

from scenarios import check, main, scenario, streams
from tune_helpers import SPACE, ok, restart, resume_after_restart, setup, value


@scenario
def hyperband_resume_after_kernel_restart(k):
    resume_after_restart(k, "--epochs 9 --metric val_acc --strategy random --pruner hyperband --seed 4", "hbResume", "hb", 6, 10,
                         "hb.trials.map((t) => [t.number, t.state, t.params, t.userAttrs.bracket, t.intermediateValues.length])", "6 trials")
    brackets = value(k, "hb.trials.map((t) => t.userAttrs.bracket)")
    expected = value(k, "hb.trials.map((t) => (hb.study.pruner as any).bracketOf(t.number))")
    check(brackets == expected, f"each trial's bracket is fixed by its number, before and after the restart: {brackets} vs {expected}")


@scenario
def pbt_resume_after_kernel_restart(k):
    folder = tempfile.mkdtemp(prefix="tunelab-pbt-resume-")
    storage = os.path.join(folder, "iris.jsonl")
    cell = ("%%tune --model buildModel --data xTrain,yTrain --epochs 40 --ready-epochs 10 --batch-size 8 --metric val_acc --strategy pbt --population 4 --seed 3 \\\n"
            f"       --storage {storage} --name pbtResume --out pop\n" + SPACE)
    setup(k)
    k.kc.execute(cell)
    # Kill the kernel once at least 6 of the 16 member-rounds are complete in the journal (round 1 under
    # way): read from the journal itself, not the live view, whose updates are spaced out in time.
    deadline = time.time() + 180
    done = 0
    while time.time() < deadline and done < 6:
        k.drain(0.02)
        if os.path.exists(storage):
            with open(storage, encoding="utf-8") as journal:
                done = sum(1 for line in journal if '"op":"updateTrial"' in line and '"state":"complete"' in line)
    check(6 <= done < 16, f"the search was killed mid-way ({done} of 16 member-rounds done)")
    restart(k)
    checkpoints = os.listdir(os.path.join(storage + ".pbt", "pbtResume"))
    check(len([name for name in checkpoints if name.endswith(".json")]) >= 4, f"members' weights were kept beside the journal: {checkpoints}")
    setup(k)
    outputs = ok(k, cell)
    text = streams(outputs)
    check('Resuming study "pbtResume"' in text and "PBT resumes at round " in text, text)
    rounds = value(k, "pop.trials.filter((t) => t.state === 'complete').map((t) => [t.userAttrs.member, t.userAttrs.round])")
    check(sorted(rounds) == [[m, r] for m in range(4) for r in range(4)], f"each member-round completed exactly once: {sorted(rounds)}")
    lost = value(k, "pop.trials.filter((t) => t.state !== 'complete').map((t) => t.state)")
    check(all(state == "failed" for state in lost), f"the member-rounds running at the kill are failed, not left running: {lost}")
    steps = value(k, "pop.trials.filter((t) => t.state === 'complete').map((t) => [t.userAttrs.round, t.intermediateValues.map((v) => v.step)])")
    check(all(s == list(range(10 * r, 10 * r + 10)) for r, s in steps), f"resumed members go on from their epochs: {steps}")
    check(value(k, "pop.bestModel !== undefined"), "the best member-round's model is kept")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
