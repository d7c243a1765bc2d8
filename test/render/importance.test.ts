import assert from "node:assert/strict";
import { describe, it } from "node:test";
import seedrandom from "seedrandom";
import { averageRanks, parameterImportance } from "../../src/render";

describe("parameterImportance", () => {
  const random = seedrandom("importance");
  const n = 40;
  const lr = Array.from({ length: n }, () => 10 ** (-5 + 4 * random())); // log-scaled
  const noise = Array.from({ length: n }, () => random());
  const activation = Array.from({ length: n }, (_, i) => ["relu", "tanh", "elu"][i % 3]);

  it("credits a log-scaled parameter that drives the objective, not a noise one", () => {
    const objective = lr.map((v, i) => (Math.log10(v) + 3) ** 2 + 0.01 * noise[i]);
    const result = parameterImportance(
      [
        { name: "noise", scale: "ordered", values: Array.from({ length: n }, () => random()) },
        { name: "lr", scale: "ordered", values: lr },
      ],
      objective,
    );
    assert.equal(result[0].name, "lr");
    assert.ok(result[0].share > 0.8, `lr share ${result[0].share}`);
    assert.ok(Math.abs(result.reduce((s, e) => s + e.share, 0) - 1) < 1e-12);
  });

  it("credits a categorical that decides the objective", () => {
    const objective = activation.map((a, i) => (a === "tanh" ? 1 : 0) + 0.05 * noise[i]);
    const result = parameterImportance(
      [
        { name: "lr", scale: "ordered", values: lr },
        { name: "activation", scale: "categorical", values: activation },
      ],
      objective,
    );
    assert.equal(result[0].name, "activation");
    assert.ok(result[0].explainedVariance > 0.5);
  });

  it("is unchanged by a monotone transform of the objective (it uses ranks)", () => {
    const objective = lr.map((v, i) => Math.log10(v) + noise[i]);
    const params = [
      { name: "lr", scale: "ordered" as const, values: lr },
      { name: "activation", scale: "categorical" as const, values: activation },
    ];
    assert.deepEqual(parameterImportance(params, objective), parameterImportance(params, objective.map((y) => Math.exp(3 * y))));
  });

  it("gives zeros with fewer than 4 trials, and rejects misaligned input", () => {
    assert.deepEqual(parameterImportance([{ name: "x", scale: "ordered", values: [1, 2, 3] }], [1, 2, 3]), [
      { name: "x", explainedVariance: 0, share: 0 },
    ]);
    assert.throws(
      () => parameterImportance([{ name: "x", scale: "ordered", values: [1, 2] }], [1, 2, 3]),
      /parameter "x" has 2 values but there are 3 objective values/,
    );
  });

  it("averageRanks gives ties their mean rank", () => {
    assert.deepEqual(averageRanks([10, 30, 20, 30]), [0, 2.5, 1, 2.5]);
  });
});
