/** `--param` parsing and injection into a notebook, on their own. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { injectParameters, parseParameter, ParameterError } from "../../src/run/parameters";
import { joinText, type Cell } from "../../src/run/notebook";
import { code, markdown, notebookOf } from "./helpers";

describe("parseParameter", () => {
  test("reads the value as JSON when it parses, else as a string", () => {
    assert.deepEqual(parseParameter("lr=0.01"), { name: "lr", value: 0.01 });
    assert.deepEqual(parseParameter("on=true"), { name: "on", value: true });
    assert.deepEqual(parseParameter("sizes=[1, 2]"), { name: "sizes", value: [1, 2] });
    assert.deepEqual(parseParameter('quoted="a b"'), { name: "quoted", value: "a b" });
    assert.deepEqual(parseParameter("name=adam"), { name: "name", value: "adam" });
    assert.deepEqual(parseParameter("eq=a=b"), { name: "eq", value: "a=b" });
    assert.deepEqual(parseParameter("empty="), { name: "empty", value: "" });
  });

  test("rejects what is not name=value with a usable name", () => {
    assert.throws(() => parseParameter("lr"), (e: unknown) => e instanceof ParameterError && /expects name=value, got "lr"/.test(e.message));
    assert.throws(() => parseParameter("=1"), /expects name=value/);
    assert.throws(() => parseParameter("1x=1"), /must be a JavaScript identifier .* got "1x"/);
  });

  test("refuses a number beyond a double's range (JSON would write it as null)", () => {
    assert.throws(() => parseParameter("trials=1e400"), (e: unknown) => e instanceof ParameterError && /--param trials=1e400: a number beyond the range of a double/.test(e.message));
    assert.throws(() => parseParameter("sizes=[1, -1e999]"), /--param sizes=\[1, -1e999\]: a number beyond/);
    assert.deepEqual(parseParameter("big=1e300"), { name: "big", value: 1e300 });
  });
});

describe("injectParameters", () => {
  const source = (cell: Cell | undefined) => joinText(cell?.source ?? "");

  test("a JavaScript notebook's injected cell has no type annotations (they are a compile error there)", () => {
    const notebook = notebookOf([code("const trials = 3;\nlet mode = 'sgd';", ["parameters"]), code("trials")]);
    injectParameters(notebook, [{ name: "trials", value: 5 }, { name: "mode", value: "adam" }, { name: "extra", value: [1] }], "javascript");
    assert.equal(source(notebook.cells[1]), '// Parameters injected by tunelab run\nconst trials = 5;\nlet mode = "adam";\nconst extra = [1];');
  });

  test("inserts after the parameters cell, keeping each name's declaration keyword", () => {
    const notebook = notebookOf([markdown("# t"), code("let epochs = 5;\nconst lr: number = 0.1;\nconst pick = (n: number) => n;", ["parameters"]), code("epochs")]);
    const injection = injectParameters(notebook, [
      { name: "epochs", value: 20 },
      { name: "lr", value: 0.5 },
      { name: "extra", value: { a: [1] } },
      { name: "epochs", value: 30 },
      { name: "pick", value: 1 },
    ]);
    assert.deepEqual(injection, { index: 2, undeclared: ["extra"], foundParametersCell: true });
    const cell = notebook.cells[2]!;
    assert.deepEqual(cell.metadata.tags, ["injected-parameters"]);
    assert.equal(source(cell), '// Parameters injected by tunelab run\nlet epochs: number = 30;\nconst lr: number = 0.5;\nconst extra = {"a":[1]};\nconst pick: number = 1;');
    assert.match(cell.id ?? "", /^[0-9a-f]{8}$/, "nbformat 4.5 cells need an id");
    assert.equal(source(notebook.cells[3]), "epochs");
  });

  test("finds every name of a declaration list, types over several lines, and exported names", () => {
    const defaults = [
      "let epochs = 5, batchSize: number = 32;",
      "export const layers: Array<{",
      "  units: number;",
      "}> = [{ units: 8 }];",
      "const { hidden } = { hidden: 1 }; // destructuring: not a parameter",
      "if (epochs > 1) { var inner = 2; } // not top level",
    ].join("\n");
    const notebook = notebookOf([code(defaults, ["parameters"])]);
    const injection = injectParameters(notebook, [
      { name: "batchSize", value: 64 },
      { name: "layers", value: [{ units: 16 }] },
      { name: "hidden", value: 3 },
      { name: "inner", value: 4 },
    ]);
    assert.deepEqual(injection?.undeclared, ["hidden", "inner"]);
    assert.equal(
      source(notebook.cells[1]),
      "// Parameters injected by tunelab run\nlet batchSize: number = 64;\nconst layers: Array<{\n  units: number;\n}> = [{\"units\":16}];\nconst hidden: number = 3;\nconst inner: number = 4;",
    );
  });

  test("refuses a value of another kind than an unannotated literal default, before the run", () => {
    const defaults = 'const lr = 0.01;\nconst optimizer = "adam";\nconst shuffle = false;\nconst shift = -1;\nconst units: number = 8;\nconst sizes = [1, 2];';
    const inject = (name: string, value: unknown) => injectParameters(notebookOf([code(defaults, ["parameters"])]), [{ name, value }]);
    assert.throws(() => inject("lr", "abc"), (e: unknown) => e instanceof ParameterError && e.message === '--param lr: the parameters cell gives lr a number, but got the text "abc"');
    assert.throws(() => inject("optimizer", 3), /--param optimizer: the parameters cell gives optimizer a string, but got 3/);
    assert.throws(() => inject("shuffle", "yes"), /gives shuffle a boolean/);
    assert.throws(() => inject("shift", "x"), /gives shift a number/);
    // an annotated default is the type checker's; a non-literal default takes any value
    assert.ok(inject("units", "wide") !== undefined);
    assert.ok(inject("sizes", "all") !== undefined);
    assert.ok(inject("lr", 0.5) !== undefined);
  });

  test("replaces an earlier injected cell, goes to the top without a parameters cell, does nothing without parameters", () => {
    const notebook = notebookOf([code("1"), code("const old = 1;", ["injected-parameters"]), code("2")]);
    assert.equal(injectParameters(notebook, []), undefined);
    assert.equal(notebook.cells.length, 3);
    const injection = injectParameters(notebook, [{ name: "fresh", value: "x" }]);
    assert.deepEqual(injection, { index: 0, undeclared: ["fresh"], foundParametersCell: false });
    assert.deepEqual(notebook.cells.map(source), ['// Parameters injected by tunelab run\nconst fresh: string = "x";', "1", "2"]);
  });
});
