"""Optuna's TPE on the mixed spaces of bench/functions.ts, for `npm run bench:samplers`.

Usage: /usr/bin/python3 bench/optuna-mixed.py --budget 100 --seeds 10 --checkpoints 20,40,100

The functions are the same as `mixedTraining` and `conditionalLayers` in bench/functions.ts (the
conditional parameters are suggested only when active: define-by-run). Samplers: Optuna's default
TPESampler (independent) and TPESampler(multivariate=True, group=True), the form Optuna
recommends for conditional spaces. Prints one JSON object: {"optuna": version, "results":
{function: {"optuna_<sampler>": {"regrets": {checkpoint: [per seed]}, "ms_per_trial": wall ms per
trial, objective included}}}}.
"""
import argparse
import json
import math
import time

import optuna

ACTIVATION_PENALTY = {"relu": 0.0, "elu": 0.15, "tanh": 0.4, "sigmoid": 1.0}
LAYER_TARGETS = (0.7, 0.25, 0.6)
DEPTH_FLOOR = (0.6, 0.25, 0.0)


def mixed_training(trial):
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    units = trial.suggest_int("units", 8, 1024, log=True)
    batch = trial.suggest_int("batch", 16, 256, step=16)
    activation = trial.suggest_categorical("activation", ["relu", "elu", "tanh", "sigmoid"])
    u = math.log2(units) - 7
    return (math.log10(lr) + 2.5) ** 2 + u ** 2 / 4 + ((batch - 64) / 64) ** 2 + ACTIVATION_PENALTY[activation] + 0.3 * math.sin(math.pi * u) ** 2


def conditional_layers(trial):
    layers = trial.suggest_int("layers", 1, 3)
    x1 = trial.suggest_float("x1", 0.0, 1.0)
    xs = [x1]
    if layers >= 2:
        xs.append(trial.suggest_float("x2", 0.0, 1.0))
    if layers >= 3:
        xs.append(trial.suggest_float("x3", 0.0, 1.0))
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    total = DEPTH_FLOOR[layers - 1] + sum(4 * (x - t) ** 2 for x, t in zip(xs, LAYER_TARGETS))
    return total + (math.log10(lr) + 2) ** 2


FUNCTIONS = {"mixed-training": mixed_training, "conditional-layers": conditional_layers}


def make_sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe_multivariate_group":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    raise ValueError(f"unknown sampler {name!r}; expected tpe or tpe_multivariate_group")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--checkpoints", default="20,40,100")
    parser.add_argument("--samplers", default="tpe,tpe_multivariate_group")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    checkpoints = [int(c) for c in args.checkpoints.split(",")]
    results = {}
    for name in args.functions.split(","):
        objective = FUNCTIONS[name]
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
                        regrets[str(number + 1)].append(best)
            results[name][f"optuna_{sampler_name}"] = {"regrets": regrets, "ms_per_trial": elapsed * 1000 / (args.seeds * args.budget)}
    print(json.dumps({"optuna": optuna.__version__, "results": results}))


if __name__ == "__main__":
    main()
