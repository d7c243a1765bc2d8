import { test } from "node:test";
import assert from "node:assert/strict";
import { formatHelp, parseArgs, splitArgs, usageLine, type ArgsOutcome } from "../../src/magic/args";
import { MagicError, type MagicBase, type ParsedArgs } from "../../src/magic/types";

const tune: MagicBase = {
  name: "tune",
  summary: "Search hyperparameters.",
  help: "Grammar:\n  name: distribution",
  options: [
    { name: "model", short: "m", type: "string", required: true, metavar: "F", description: "model builder" },
    { name: "trials", short: "n", type: "integer", default: 20, description: "number of trials" },
    { name: "validation", type: "number", default: 0.2, description: "validation fraction" },
    { name: "strategy", type: "string", choices: ["grid", "random", "bayes"], default: "bayes", description: "search strategy" },
    { name: "data", type: "list", description: "data variables" },
    { name: "metrics", type: "list", choices: ["loss", "acc"], default: ["loss"], description: "metrics to record" },
    { name: "verbose", short: "v", type: "boolean", description: "print every trial" },
    { name: "progress", type: "boolean", default: true, description: "show progress" },
    { name: "batchSize", type: "integer", description: "batch size" },
  ],
  positionals: [{ name: "out", description: "variable for the study" }],
};

function parse(text: string, magic: MagicBase = tune): ParsedArgs {
  const outcome: ArgsOutcome = parseArgs(text, magic, { label: "%%tune" });
  assert.equal(outcome.kind, "args");
  return outcome.kind === "args" ? outcome.args : {};
}

function rejects(text: string, pattern: RegExp, magic: MagicBase = tune): void {
  assert.throws(() => parseArgs(text, magic, { label: "%%tune" }), (error: unknown) => {
    assert.ok(error instanceof MagicError, `expected a MagicError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test("splitting follows shell quoting: single quotes literal, double quotes with escapes, backslashes", () => {
  const words = splitArgs(`a 'b c' "d \\"e\\" \\\\ \\n" f\\ g "" h\\\n  i`);
  assert.deepEqual(words.map((word) => word.text), ["a", "b c", 'd "e" \\ \\n', "f g", "", "h", "i"]);
  assert.deepEqual(words.map((word) => word.quoted), [false, true, true, true, true, false, false]);
  assert.deepEqual(splitArgs("  x\t y  ").map((word) => [word.text, word.start, word.end]), [["x", 2, 3], ["y", 5, 6]]);
  assert.deepEqual(splitArgs("it'\"s'"), [{ text: 'it"s', start: 0, end: 6, quoted: true }]);
});

test("unterminated quotes are MagicErrors saying which quote is missing", () => {
  assert.throws(() => splitArgs("a 'b c"), (error: unknown) => error instanceof MagicError && /unterminated ' quote .*expected a closing '/.test(error.message));
  assert.throws(() => splitArgs('a "b c'), (error: unknown) => error instanceof MagicError && /unterminated " quote .*expected a closing "/.test(error.message));
});

test("options in every form, with defaults applied and types converted", () => {
  assert.deepEqual(parse("--model build -n 5 --validation=0.25 --strategy grid --data x,y --verbose out"), {
    model: "build",
    trials: 5,
    validation: 0.25,
    strategy: "grid",
    data: ["x", "y"],
    metrics: ["loss"],
    verbose: true,
    progress: true,
    out: "out",
  });
  assert.deepEqual(parse("-m=f --no-progress --verbose=false"), {
    model: "f", trials: 20, validation: 0.2, strategy: "bayes", metrics: ["loss"], verbose: false, progress: false,
  });
});

test("lists accept commas and repetition; kebab-case finds camelCase options; -- ends options", () => {
  const args = parse("-m f --data a,b --data ' c ' --batch-size 32 -- --not-an-option");
  assert.deepEqual(args["data"], ["a", "b", "c"]);
  assert.equal(args["batchSize"], 32);
  assert.equal(args["out"], "--not-an-option");
  assert.equal(parse("-m f --batchSize=8")["batchSize"], 8);
});

test("negative numbers are values, not options", () => {
  const magic: MagicBase = {
    name: "shift",
    summary: "",
    options: [{ name: "by", type: "number", description: "offset" }],
    positionals: [{ name: "rest", description: "words", rest: true }],
  };
  assert.deepEqual(parse("--by -1.5 -3 x", magic), { by: -1.5, rest: ["-3", "x"] });
});

test("a raw positional takes the rest verbatim after the options", () => {
  const magic: MagicBase = {
    name: "timeit",
    summary: "",
    options: [{ name: "repeat", short: "r", type: "integer", default: 1, description: "repeats" }],
    positionals: [{ name: "code", description: "code", required: true, raw: true }],
  };
  assert.deepEqual(parse(`-r 3 f("a  b", 'c') --help \\\n + 1`, magic), { repeat: 3, code: `f("a  b", 'c') --help   + 1` });
  assert.deepEqual(parse("-- -r", magic), { repeat: 1, code: "-r" });
  assert.deepEqual(parse("-2 * x", magic), { repeat: 1, code: "-2 * x" });
});

test("errors name the option and what was expected", () => {
  rejects("-m f --trials 2.5", /^%%tune: --trials expects an integer, got "2\.5"$/);
  rejects("-m f -n many", /^%%tune: -n expects an integer, got "many"$/);
  rejects("-m f --validation abc", /^%%tune: --validation expects a number, got "abc"$/);
  rejects("-m f --strategy bays", /^%%tune: --strategy expects one of grid, random, bayes; got "bays"; did you mean "bayes"\?$/);
  rejects("-m f --metrics loss,accuracy", /^%%tune: --metrics expects one of loss, acc; got "accuracy"/);
  rejects("-m f --data ,", /^%%tune: --data expects a comma-separated list \(a,b,c\), got ","$/);
  // an empty item is a typo (--metric val_acc, size), not a shorter list
  rejects("-m f --data a,", /^%%tune: --data expects a comma-separated list \(a,b,c\), got "a," with an empty item \(write the list as a,b without spaces after commas\)$/);
  rejects("-m f --data a,,b", /got "a,,b" with an empty item/);
  rejects("-m f --trials", /^%%tune: --trials expects an integer after it$/);
  rejects("-m f --trials --verbose", /^%%tune: --trials expects an integer after it, got the option --verbose$/);
  rejects("-m f --verbose=maybe", /^%%tune: --verbose expects true or false, got "maybe"$/);
  rejects("-m f --no-verbose=1", /^%%tune: --no-verbose takes no value/);
  rejects("-m f -n 1 --trials 2", /^%%tune: --trials given twice \(-n 1, then --trials 2\); give it once$/);
  rejects("-n 3", /^%%tune: missing required option --model \(model builder\)$/);
  rejects("-m f a b", /^%%tune: unexpected argument "b" \(%%tune takes \[<out>\]\)$/);
  rejects("-m f a # the search", /^%%tune: unexpected argument "#" \(%%tune takes \[<out>\]\); a magic's line holds no comments$/);
  rejects("-m f a //note", /unexpected argument "\/\/note" .*; a magic's line holds no comments$/);
});

test("an unknown option suggests the closest name and lists the options", () => {
  rejects("-m f --trails 3", /^%%tune: unknown option --trails; did you mean --trials\? \(options: --model, -m, --trials, -n, .*--batch-size; --help shows them all\)$/);
  rejects("-m f --no-progres", /did you mean --no-progress\?/);
  rejects("-m f -q", /^%%tune: unknown option -q \(options:/);
  rejects("--x", /^%%tune: unknown option --x \(%%tune takes no options; --help/, { name: "t", summary: "" });
  rejects("stdout", /^%%tune: unexpected argument "stdout" \(%%tune takes no positional arguments\); did you mean --stdout\?$/, {
    name: "t", summary: "", options: [{ name: "stdout", type: "boolean", description: "x" }],
  });
});

test("--help anywhere among the options asks for help, even with other errors", () => {
  assert.deepEqual(parseArgs("--trials x --help", tune, { label: "%%tune" }), { kind: "help" });
  assert.deepEqual(parseArgs("-h", tune, { label: "%%tune" }), { kind: "help" });
  assert.equal(parseArgs("-m f '--help'", tune, { label: "%%tune" }).kind, "args");
  assert.equal(parseArgs("-m f -- --help", tune, { label: "%%tune" }).kind, "args");
  const usesH: MagicBase = { name: "h", summary: "", options: [{ name: "height", short: "h", type: "integer", description: "height" }] };
  assert.deepEqual(parse("-h 3", usesH), { height: 3 });
});

test("errors in multi-line arguments report the line of the word at fault", () => {
  const text = " -m f \\\n  --trials x";
  assert.throws(
    () => parseArgs(text, tune, { label: "%%tune", lineOf: (offset) => 4 + text.slice(0, offset).split("\n").length - 1 }),
    (error: unknown) => error instanceof MagicError && error.message === 'line 5: %%tune: --trials expects an integer, got "x"' && error.line === 5,
  );
});

test("generated help has usage, summary, arguments, an options table with types, defaults and choices, and the help body", () => {
  const help = formatHelp({ ...tune, kind: "cell" });
  assert.equal(
    help,
    [
      "Usage: %%tune --model F [--trials N] [--validation X] [--strategy {grid,random,bayes}]",
      "              [--data DATA,…] [--metrics METRICS,…] [--verbose] [--no-progress] [--batch-size N]",
      "              [--help] [<out>]",
      "       <cell body>",
      "",
      "Search hyperparameters.",
      "",
      "Arguments:",
      "  out  variable for the study",
      "",
      "Options:",
      "  -m, --model F                   model builder (string; required)",
      "  -n, --trials N                  number of trials (integer; default: 20)",
      "  --validation X                  validation fraction (number; default: 0.2)",
      "  --strategy {grid,random,bayes}  search strategy (string; one of: grid, random, bayes; default:",
      "                                  bayes)",
      "  --data DATA,…                   data variables (list)",
      "  --metrics METRICS,…             metrics to record (list; one of: loss, acc; default: loss)",
      "  -v, --[no-]verbose              print every trial (boolean)",
      "  --[no-]progress                 show progress (boolean; default: true)",
      "  --batch-size N                  batch size (integer)",
      "  -h, --help                      show this help instead of running the magic",
      "",
      "Grammar:",
      "  name: distribution",
      "",
    ].join("\n"),
  );
  assert.equal(usageLine({ name: "x", summary: "" }, "%x"), "%x [--help]");
});

test("help for a magic with many long options wraps within 100 columns", () => {
  const wide: MagicBase = {
    name: "wide",
    summary: "Many options.",
    options: Array.from({ length: 12 }, (_, index) => ({
      name: `option${index}`,
      type: "string" as const,
      description: "a description long enough that it has to be wrapped onto more than one line of the table, at word breaks",
    })),
  };
  const lines = formatHelp({ ...wide, kind: "line" }).split("\n");
  assert.ok(lines.every((line) => line.length <= 100), lines.find((line) => line.length > 100));
  assert.ok(lines.filter((line) => line.startsWith(`${" ".repeat("Usage: %wide ".length)}[--option`)).length >= 2, "the usage continues aligned");
  const joined = lines.join(" ").replace(/\s+/g, " ");
  assert.ok(joined.includes("a description long enough that it has to be wrapped onto more than one line of the table, at word breaks (string)"));
});
