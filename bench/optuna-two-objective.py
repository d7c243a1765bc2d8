"""Optuna's multi-objective samplers on the ZDT problems, for `npm run bench:samplers`.

Usage: /usr/bin/python3 bench/optuna-two-objective.py --functions zdt1,zdt2,zdt3 --dimensions 30
       --budget 200 --seeds 5 [--samplers nsga2,tpe,random]

Each sampler minimises both objectives of each problem (x in [0, 1]^n, as bench/functions.ts)
for `budget` trials per seed, seeds 0..n-1, through study.optimize. Prints one JSON object:
{"optuna": version, "results": {problem: {"optuna_<sampler>": {"hypervolumes": [...],
"ms_per_trial": wall ms per trial, objective included}}}}. The hypervolume of the complete trials'
front against the reference point (11, 11) is computed here by the same 2-d sweep as
src/engine/pareto.ts, so both sides are measured alike.
"""
import argparse
import json
import math
import time

import optuna

REFERENCE = (11.0, 11.0)


def zdt(name, x):
    n = len(x)
    f1 = x[0]
    g = 1 + 9 * sum(x[1:]) / (n - 1)
    r = f1 / g
    if name == "zdt1":
        h = 1 - math.sqrt(r)
    elif name == "zdt2":
        h = 1 - r * r
    elif name == "zdt3":
        h = 1 - math.sqrt(r) - r * math.sin(10 * math.pi * f1)
    else:
        raise ValueError(f"unknown problem {name!r}; expected zdt1, zdt2 or zdt3")
    return f1, g * h


def hypervolume_2d(points, reference):
    inside = sorted(p for p in points if p[0] < reference[0] and p[1] < reference[1])
    volume = 0.0
    ceiling = reference[1]
    for f1, f2 in inside:
        if f2 >= ceiling:
            continue
        volume += (reference[0] - f1) * (ceiling - f2)
        ceiling = f2
    return volume


def make_sampler(name, seed):
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; expected nsga2, tpe or random")


def run(problem, sampler_name, dimensions, budget, seed):
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=make_sampler(sampler_name, seed))

    def objective(trial):
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(dimensions)]
        return zdt(problem, x)

    started = time.perf_counter()
    study.optimize(objective, n_trials=budget)
    elapsed_ms = (time.perf_counter() - started) * 1000
    points = [tuple(t.values) for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    return hypervolume_2d(points, REFERENCE), elapsed_ms / budget


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", default="zdt1,zdt2,zdt3")
    parser.add_argument("--dimensions", type=int, default=30)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--samplers", default="nsga2,tpe")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    results = {}
    for problem in args.functions.split(","):
        results[problem] = {}
        for sampler_name in args.samplers.split(","):
            volumes, times = [], []
            for seed in range(args.seeds):
                volume, ms = run(problem, sampler_name, args.dimensions, args.budget, seed)
                volumes.append(volume)
                times.append(ms)
            results[problem][f"optuna_{sampler_name}"] = {"hypervolumes": volumes, "ms_per_trial": sum(times) / len(times)}
    print(json.dumps({"optuna": optuna.__version__, "reference": REFERENCE, "results": results}))


if __name__ == "__main__":
    main()
