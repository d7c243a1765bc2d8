"""Runs ../shared/bench/e2e_digits_optuna_torch.py unchanged (same arguments) and adds, per seed,
the time spent inside the objective, so the benchmark can print the peer's overhead share
(wall - objective) / wall. It wraps Optuna's Study.optimize to time the objective; the shared
script itself is neither copied nor edited. After each study it prints one line:
  bench-timing {"objective_s": ..., "optimize_s": ..., "trials": ...}
Run with Debian's /usr/bin/python3 (python3-torch, python3-optuna):
  /usr/bin/python3 digits_peer_timing.py PEER_SCRIPT DIGITS.csv.gz [trials] [seeds] [threads] [jobs]"""
import json, runpy, sys, time
import optuna

script = sys.argv[1]
original_optimize = optuna.study.Study.optimize


def timed_optimize(self, func, *args, **kwargs):
    spent = [0.0]

    def timed(trial):
        start = time.perf_counter()
        try:
            return func(trial)
        finally:
            spent[0] += time.perf_counter() - start

    start = time.perf_counter()
    try:
        return original_optimize(self, timed, *args, **kwargs)
    finally:
        timing = {"objective_s": spent[0], "optimize_s": time.perf_counter() - start, "trials": len(self.trials)}
        print("bench-timing " + json.dumps(timing), flush=True)


optuna.study.Study.optimize = timed_optimize
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
