"""Optuna's multivariate TPE and CMA-ES on the continuous functions of bench/functions.ts, for
`npm run bench:tpe-cmaes`.

Usage: /usr/bin/python3 bench/optuna-continuous.py --budget 100 --seeds 10 --checkpoints 40,100

The functions, bounds and minima are those of bench/functions.ts (and ../shared/bench/peers.json).
Samplers: TPESampler(seed, multivariate=True) and CmaEsSampler(seed) (python3-cmaes), defaults
otherwise. Prints one JSON object: {"optuna": version, "results": {function: {"optuna_<sampler>":
{"regrets": {checkpoint: [per seed]}, "ms_per_trial": wall ms per trial, objective included}}}}.
"""
import argparse
import json
import math
import time

import optuna

HARTMANN_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
HARTMANN_P = [
    [v * 1e-4 for v in row]
    for row in [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
]
HARTMANN_ALPHA = [1, 1.2, 3, 3.2]


def branin(x):
    u, v = x
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (v - b * u * u + c * u - 6) ** 2 + 10 * (1 - t) * math.cos(u) + 10


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j]) ** 2 for j in range(6))
        total -= HARTMANN_ALPHA[i] * math.exp(-inner)
    return total


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    squares = sum(v * v for v in x)
    cosines = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(squares / d)) - math.exp(cosines / d) + 20 + math.e


# name: (function, lower bounds, upper bounds, f*)
FUNCTIONS = {
    "branin": (branin, [-5, 0], [10, 15], 0.397887),
    "hartmann6": (hartmann6, [0] * 6, [1] * 6, -3.32237),
    "rosenbrock4": (rosenbrock, [-5] * 4, [10] * 4, 0.0),
    "ackley5": (ackley, [-32.768] * 5, [32.768] * 5, 0.0),
}


def make_sampler(name, seed):
    if name == "tpe_mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; expected tpe_mv or cmaes")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--checkpoints", default="40,100")
    parser.add_argument("--samplers", default="tpe_mv,cmaes")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    checkpoints = [int(c) for c in args.checkpoints.split(",")]
    results = {}
    for name in args.functions.split(","):
        fn, lower, upper, minimum = FUNCTIONS[name]

        def objective(trial):
            return fn([trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(zip(lower, upper))])

        results[name] = {}
        for sampler_name in args.samplers.split(","):
            regrets = {str(c): [] for c in checkpoints}
            elapsed = 0.0
            for seed in range(args.seeds):
                study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler_name, seed))
                started = time.perf_counter()
                study.optimize(objective, n_trials=args.budget)
                elapsed += time.perf_counter() - started
                best = math.inf
                for number, trial in enumerate(study.trials):
                    if trial.value is not None:
                        best = min(best, trial.value)
                    if number + 1 in checkpoints:
                        regrets[str(number + 1)].append(best - minimum)
            results[name][f"optuna_{sampler_name}"] = {"regrets": regrets, "ms_per_trial": elapsed * 1000 / (args.seeds * args.budget)}
    print(json.dumps({"optuna": optuna.__version__, "results": results}))


if __name__ == "__main__":
    main()
