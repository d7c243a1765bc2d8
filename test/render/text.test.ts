import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_CELL_WIDTH, alignedTable, progressText, studyInfo, trialsText } from "../../src/render";
import { SPACE, T0, sampleStudy } from "./fixtures";

/** The column each field of a line starts at, split on runs of 2+ spaces. */
function starts(line: string): number[] {
  const found: number[] = [];
  const pattern = /\S+(?: \S+)*/g;
  for (let m = pattern.exec(line); m !== null; m = pattern.exec(line)) found.push(m.index);
  return found;
}

describe("alignedTable", () => {
  it("pads columns to their widest cell: left text, right numbers, a dash rule", () => {
    const text = alignedTable(["name", "value"], [["a", "1"], ["longer", "100"]], ["left", "right"]);
    assert.equal(text, ["name    value", "------  -----", "a           1", "longer    100"].join("\n"));
  });

  it("cuts long cells and rejects ragged rows", () => {
    const long = "x".repeat(100);
    const [, , row] = alignedTable(["h"], [[long]], ["left"]).split("\n");
    assert.equal(row.length, MAX_CELL_WIDTH);
    assert.ok(row.endsWith("…"));
    assert.throws(() => alignedTable(["a", "b"], [["1"]], ["left", "left"]), /row 0 has 1 cells; expected 2/);
  });
});

describe("trialsText", () => {
  it("aligns every row under the header and marks the best trial", () => {
    const info = studyInfo(sampleStudy(12), T0 + 1e6);
    const lines = trialsText(info).split("\n");
    const rule = lines[1];
    assert.match(rule, /^-+( +-+)+$/);
    const ruleEnds = [...rule.matchAll(/-+/g)].map((m) => (m.index as number) + m[0].length);
    for (const line of lines.slice(2, 14)) {
      // each right-aligned numeric field ends exactly at its column's rule end
      const valLoss = info.table.columns.findIndex((c) => c.key === "val_loss");
      const end = ruleEnds[valLoss];
      assert.ok(line.length >= end);
      assert.notEqual(line[end - 1], undefined);
      assert.ok(line[end] === " " || line[end] === undefined, `${JSON.stringify(line)} overflows at ${end}`);
    }
    assert.ok(starts(lines[0]).length >= 10);
    const best = info.best?.number as number;
    assert.ok(lines.some((l) => l.trimStart().startsWith(`*${best} `)));
    assert.match(lines.at(-1) as string, new RegExp(`^\\* best: trial ${best}, val_loss = `));
  });

  it("says so for an empty study, and the progress text leads with the progress line", () => {
    const info = studyInfo({ trials: [], space: SPACE, direction: "maximize", metric: "val_acc" }, T0);
    assert.equal(trialsText(info), "no trials yet (maximize val_acc)");
    assert.match(progressText(studyInfo(sampleStudy(3), T0 + 1e6)), /^3 of 30 trials done · elapsed .*\n\s+#\s+state/);
  });
});
