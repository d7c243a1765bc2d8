/** Reading and cross-checking `%%tune`'s parsed options (no training). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readOptions } from "../../../src/magic/tune/options";
import type { ParsedArgs } from "../../../src/magic/types";
import { MagicError } from "../../../src/magic/types";

test("defaults are filled in and the cell's start is kept", () => {
  const options = readOptions({ model: "build", data: ["x", "y"] }, 12);
  assert.equal(options.cellStartedAt, 12);
  assert.equal(options.epochs, 10);
  assert.equal(options.batchSize, 32);
  assert.equal(options.strategy, "auto");
  assert.equal(options.pruner, "none");
  assert.equal(options.out, "study");
  assert.equal(options.keepBest, true);
  assert.equal(options.refit, true);
  assert.equal(options.live, true);
  assert.equal(options.workers, "auto");
  assert.equal(options.maxFailures, 10);
  assert.deepEqual(options.data, ["x", "y"]);
  assert.equal("trials" in options, false, "an option not given is absent, not undefined");
});

test("cross-checks fail on the magic's line with what was expected", () => {
  const fails = (args: ParsedArgs, pattern: RegExp): void => {
    assert.throws(
      () => readOptions(args, 0),
      (error: unknown) => error instanceof MagicError && pattern.test(error.message) && /^line 1: /.test(error.message),
    );
  };
  fails({}, /either --model FN .* or --objective FN/);
  fails({ model: "m", objective: "o" }, /either --model/);
  fails({ model: "m" }, /--model needs --data X,Y/);
  fails({ model: "m", data: ["x"] }, /--data expects two variable names "X,Y" \(or their properties, "split\.xTrain,split\.yTrain"\), got "x"/);
  fails({ model: "m", data: ["split.", "y"] }, /--data expects two variable names/);
  assert.deepEqual(readOptions({ model: "m", data: ["split.xTrain", "split.yTrain"] }, 0).data, ["split.xTrain", "split.yTrain"]);
  fails({ model: "m", data: ["x", "y"], validationData: ["a", "1b"] }, /--validation-data expects two variable names/);
  fails({ model: "not-a-name", data: ["x", "y"] }, /--model expects a variable name/);
  fails({ objective: "f", cv: 3 }, /--cv is for --model/);
  fails({ model: "m", data: ["x", "y"], cv: 3, validation: 0.2 }, /only one of --validation, --cv and --validation-data/);
  fails({ model: "m", data: ["x", "y"], validation: 1 }, /between 0 and 1/);
  fails({ model: "m", data: ["x", "y"], cv: 1 }, /--cv needs at least 2 folds/);
  fails({ objective: "f", workers: 2 }, /--workers is for --model/);
  fails({ objective: "f", strategy: "bayes", gridPoints: 3 }, /--grid-points is for --strategy grid/);
  fails({ objective: "f", strategy: "random", startupTrials: 3 }, /--startup-trials is for --strategy bayes, tpe, cmaes or bohb/);
  fails({ objective: "f", trials: 0 }, /--trials must be at least 1/);
  fails({ objective: "f", timeout: 0 }, /--timeout must be a positive number/);
  // These reached the samplers, whose RangeError named no line and no option.
  fails({ objective: "f", strategy: "grid", gridPoints: 0 }, /--grid-points must be at least 1, got 0/);
  fails({ objective: "f", strategy: "bayes", startupTrials: -1 }, /--startup-trials must be at least 1, got -1/);
});

test("--out refuses reserved words and names every object has", () => {
  for (const out of ["class", "eval", "undefined", "constructor", "__proto__"]) {
    assert.throws(
      () => readOptions({ objective: "f", out }, 0),
      (error: unknown) => error instanceof MagicError && new RegExp(`^line 1: --out ${out}: `).test(error.message),
      out,
    );
  }
  assert.equal(readOptions({ objective: "f", out: "search2" }, 0).out, "search2");
});

test("--out refuses a variable the cell reads: its function, its data, its metric function", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ objective: "f", out: "f" }, "--objective's f"],
    [{ model: "build", data: ["x", "y"], out: "build" }, "--model's build"],
    [{ model: "build", data: ["x", "y"], out: "y" }, "--data's y"],
    [{ model: "build", data: ["split.xTrain", "split.yTrain"], out: "split" }, "--data's split"],
    [{ model: "build", data: ["x", "y"], validationData: ["xv", "yv"], out: "xv" }, "--validation-data's xv"],
    [{ model: "build", data: ["x", "y"], test: ["xt", "yt"], out: "yt" }, "--test's yt"],
    [{ model: "build", data: ["x", "y"], metricFn: "f2=score", out: "score" }, "--metric-fn's score"],
  ];
  for (const [args, what] of cases) {
    assert.throws(
      () => readOptions(args as ParsedArgs, 0),
      (error: unknown) => error instanceof MagicError && error.message.startsWith(`line 1: --out ${args["out"]} would replace ${what}, which this cell reads`),
      what,
    );
  }
  assert.equal(readOptions({ model: "build", data: ["split.xTrain", "split.yTrain"], metricFn: "f2=score", out: "f2" }, 0).out, "f2", "a metric's name is no variable");
});

test("--class-names may name a variable's property (table.classNames, as loadTable returns them)", () => {
  const options = readOptions({ model: "build", data: ["x", "y"], test: ["xt", "yt"], classNames: ["table.classNames"] } as ParsedArgs, 0);
  assert.deepEqual(options.classNames, ["table.classNames"]);
  assert.throws(
    () => readOptions({ model: "build", data: ["x", "y"], test: ["xt", "yt"], classNames: ["table..names"] } as ParsedArgs, 0),
    (error: unknown) => error instanceof MagicError && /--class-names expects two or more names .* got "table\.\.names"/.test(error.message),
  );
});
