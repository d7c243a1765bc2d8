import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadTable, parseTable } from "../../src/tfjs/csv";
import { dataDirectory } from "./fixtures";

test("breast_cancer.csv: the scikit-learn header gives counts and class names", () => {
  const table = loadTable(join(dataDirectory(), "breast_cancer.csv"));
  assert.equal(table.rowCount, 569);
  assert.equal(table.featureCount, 30);
  assert.deepEqual(table.classNames, ["malignant", "benign"]);
  assert.equal(table.x.length, 569);
  assert.ok(table.x.every((row) => row.length === 30));
  assert.deepEqual([...new Set(table.y)].sort(), [0, 1]);
  assert.equal(table.x[0]![0], 17.99); // the first value of the file
  assert.equal(table.y.filter((label) => label === 1).length, 357); // benign cases in WDBC
});

test("digits.csv.gz: gzip is detected, no header, 64 pixel features and 10 classes", () => {
  const table = loadTable(join(dataDirectory(), "digits.csv.gz"));
  assert.equal(table.rowCount, 1797);
  assert.equal(table.featureCount, 64);
  assert.deepEqual(table.classNames, []);
  assert.deepEqual([...new Set(table.y)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(table.x.every((row) => row.every((pixel) => pixel >= 0 && pixel <= 16)));
});

test("iris.csv and wine_data.csv load with their class names", () => {
  const iris = loadTable(join(dataDirectory(), "iris.csv"));
  assert.deepEqual([iris.rowCount, iris.featureCount], [150, 4]);
  assert.deepEqual(iris.classNames, ["setosa", "versicolor", "virginica"]);
  const wine = loadTable(join(dataDirectory(), "wine_data.csv"));
  assert.deepEqual([wine.rowCount, wine.featureCount], [178, 13]);
  assert.deepEqual(wine.classNames, ["class_0", "class_1", "class_2"]);
});

test("whitespace-separated rows and target 'none' (the diabetes layout)", () => {
  const table = parseTable("59 2 32.1 101.0\n48 1 21.6 87.0\n", { target: "none" });
  assert.deepEqual(table.x, [[59, 2, 32.1, 101], [48, 1, 21.6, 87]]);
  assert.deepEqual(table.y, []);
  assert.equal(table.featureCount, 4);
});

test("a headerless numeric file is not mistaken for a header; a bare count header is read", () => {
  const table = parseTable("2,1,0\n3,4,1\n");
  assert.deepEqual(table.x, [[2, 1], [3, 4]]);
  assert.deepEqual(table.y, [0, 1]);
  const counted = parseTable("2,2\n1,2,0.5\n3,4,1.5\n");
  assert.deepEqual(counted.x, [[1, 2], [3, 4]]);
  assert.deepEqual(counted.y, [0.5, 1.5]);
  assert.deepEqual(counted.classNames, []);
});

test("a CSV of one's own: a header line of column names, and a target column of class names", () => {
  const table = parseTable("sepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n6.3,3.3,virginica\n4.9,3.0,setosa\n", {}, "iris.csv");
  assert.deepEqual(table.columnNames, ["sepal_length", "sepal_width", "species"]);
  assert.deepEqual(table.x, [[5.1, 3.5], [7, 3.2], [6.3, 3.3], [4.9, 3]]);
  assert.deepEqual(table.classNames, ["setosa", "versicolor", "virginica"], "sorted, as string targets are for %%tune");
  assert.deepEqual(table.y, [0, 1, 2, 0]);
  const numeric = parseTable("a b target\n1 2 0.5\n3 4 1.5\n");
  assert.deepEqual([numeric.columnNames, numeric.y, numeric.classNames], [["a", "b", "target"], [0.5, 1.5], []]);
  const headerless = parseTable("1,2,yes\n3,4,no\n", { header: "none" });
  assert.deepEqual([headerless.y, headerless.classNames], [[1, 0], ["no", "yes"]]);
  assert.deepEqual(parseTable("1,2,0\n").columnNames, [], "no header line: no names");
  assert.throws(() => parseTable("a,b,label\n1,x,yes\n", {}, "t.csv"), /^Error: t\.csv line 2, field 2: expected a number but got "x"$/, "features stay numbers, named by their line");
  assert.throws(() => parseTable("a,label\n1,2,3\n", {}, "t.csv"), /t\.csv line 1: the header names 2 columns, but rows have 3/);
  assert.throws(() => parseTable("a,target\n1,0.5\n2,O.7\n", {}, "t.csv"), /t\.csv line 3, field 2: expected a number but got "O\.7"/, "a word among numeric targets is a typo");
});

test("bad tables fail naming the line and what was expected", () => {
  assert.throws(() => parseTable("3,2,a,b\n1,2,0\n3,4,1\n", {}, "t.csv"), /t\.csv: the header announces 3 rows, but 2 follow/);
  assert.throws(() => parseTable("2,3,a,b\n1,2,0\n3,4,1\n", {}, "t.csv"), /t\.csv: the header announces 3 features, but rows have 2/);
  assert.throws(() => parseTable("1,2,0\n3,x,1\n", {}, "t.csv"), /t\.csv line 2, field 2: expected a number but got "x"/);
  assert.throws(() => parseTable("1,2,0\n3,4,1\n", { header: "counts" }, "t.csv"), /t\.csv line 1: expected a header "rows,features,className,\.\.\."/);
  assert.throws(() => parseTable("1,2,0\n3,1\n", {}, "t.csv"), /t\.csv: data row 2 has 2 fields, but the first row has 3/);
  assert.throws(() => parseTable("1.5,2,0\n", { header: "counts" }, "t.csv"), /t\.csv line 1: expected a header "rows,features,className,\.\.\."/);
  assert.throws(() => parseTable("\n\n", {}, "t.csv"), /t\.csv is empty/);
  // A targets-only file (diabetes_target.csv.gz): the error says how to read it.
  assert.throws(() => parseTable("151\n75\n", {}, "y.csv"), /y\.csv: rows have 1 field, too few for features and a target; a column of targets alone loads with \{ target: "none" \}/);
  assert.deepEqual(parseTable("151\n75\n", { target: "none" }, "y.csv").x, [[151], [75]]);
});
