import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { INACTIVE_VALUE, SpaceTransform } from "../../../src/engine/gp/transform";
import { paramsKey } from "../../../src/engine/search-space";
import type { SearchSpace } from "../../../src/engine/types";
import { testRng } from "./helpers";

const space: SearchSpace = {
  lr: { kind: "float", low: 1e-5, high: 1e-1, log: true },
  dropout: { kind: "float", low: 0, high: 0.5, log: false, step: 0.1 },
  units: { kind: "int", low: 16, high: 512, log: true, step: 1 },
  layers: { kind: "int", low: 1, high: 9, log: false, step: 2 },
  act: { kind: "categorical", choices: ["relu", "tanh", null, false] },
  seed: { kind: "fixed", value: 42 },
  momentum: { kind: "float", low: 0.5, high: 0.99, log: false },
};

describe("SpaceTransform", () => {
  const transform = new SpaceTransform(space);

  it("lays out one column per numeric parameter and a one-hot block per categorical, skipping fixed ones", () => {
    assert.equal(transform.layout.width, 4 + 4 + 1);
    assert.deepEqual(
      transform.layout.groups.map((g) => g.param),
      ["lr", "dropout", "units", "layers", "act", "momentum"],
    );
    assert.deepEqual(transform.continuousColumns, [0, 8]);
    assert.equal(transform.discrete, false);
  });

  it("round-trips parameters through feature vectors", () => {
    const params = { lr: 3e-4, dropout: 0.3, units: 100, layers: 7, act: null, seed: 42, momentum: 0.9 };
    const x = transform.encode(params);
    assert.ok(x !== undefined);
    for (const v of x) assert.ok(v >= 0 && v <= 1);
    assert.deepEqual(Array.from(x.subarray(4, 8)), [0, 0, 1, 0]);
    const back = transform.decode(x);
    assert.ok(Math.abs((back.lr as number) / 3e-4 - 1) < 1e-12);
    assert.ok(Math.abs((back.momentum as number) - 0.9) < 1e-12);
    assert.deepEqual({ ...back, lr: 0, momentum: 0 }, { ...params, lr: 0, momentum: 0 });
  });

  it("puts log parameters in log space: the geometric midpoint encodes to ½", () => {
    const x = transform.encode({ lr: Math.sqrt(1e-5 * 1e-1), dropout: 0, units: 16, layers: 1, act: "relu", seed: 42, momentum: 0.5 });
    assert.ok(x !== undefined && Math.abs((x[0] as number) - 0.5) < 1e-12);
  });

  it("decodes any point of the cube to a valid configuration, and snapping is idempotent", () => {
    const rng = testRng("transform-decode");
    for (let r = 0; r < 200; r++) {
      const x = Float64Array.from({ length: transform.layout.width }, () => rng.next() * 1.2 - 0.1);
      const params = transform.decode(x);
      assert.ok(transform.encode(params) !== undefined, `decoded ${JSON.stringify(params)} is not valid`);
      const snapped = transform.snap(x);
      assert.deepEqual(Array.from(transform.snap(snapped)), Array.from(snapped));
      assert.equal(transform.key(snapped), paramsKey(params));
      assert.ok(Number.isInteger(params.units) && Number.isInteger(params.layers) && (params.layers as number) % 2 === 1);
    }
  });

  it("gives every int value an equal share of the unit interval", () => {
    const t = new SpaceTransform({ n: { kind: "int", low: 0, high: 3, log: false, step: 1 } });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[t.decode([(i + 0.5) / 400]).n as number] += 1;
    assert.deepEqual(counts, [100, 100, 100, 100]);
  });

  it("refuses to encode values from another space (missing, out of range, not a choice)", () => {
    const ok = { lr: 1e-3, dropout: 0.1, units: 32, layers: 3, act: "tanh", seed: 42, momentum: 0.6 };
    assert.ok(transform.encode(ok) !== undefined);
    assert.equal(transform.encode({ ...ok, lr: 1 }), undefined);
    assert.equal(transform.encode({ ...ok, act: "gelu" }), undefined);
    assert.equal(transform.encode({ ...ok, layers: 2 }), undefined);
    const { momentum: _dropped, ...missing } = ok;
    assert.equal(transform.encode(missing), undefined);
  });

  it("maps unit-cube points with one coordinate per parameter, categoricals by ⌊u·k⌋", () => {
    const x = transform.fromUnitPoint([0.5, 0.5, 0.5, 0.5, 0.6, 0.5]);
    assert.deepEqual(Array.from(x.subarray(4, 8)), [0, 0, 1, 0]);
    assert.throws(() => transform.fromUnitPoint([0.5]), /expected 6 coordinates, but got 1/);
    assert.throws(() => transform.decode([0.5]), /width 9, but got 1/);
  });

  it("calls a space of ints and categoricals discrete", () => {
    assert.equal(
      new SpaceTransform({ a: { kind: "int", low: 0, high: 3, log: false, step: 1 }, b: { kind: "categorical", choices: [1, 2] } }).discrete,
      true,
    );
  });

  it("imputes a parameter the record makes inactive (centre of the range; zeros for a one-hot block), and snaps candidates the same way", () => {
    const conditional: SearchSpace = {
      layers: { kind: "int", low: 1, high: 2, log: false, step: 1 },
      width2: { kind: "float", low: 0, high: 10, log: false, condition: { parent: "layers", operator: ">=", value: 2 } },
      act2: { kind: "categorical", choices: ["relu", "tanh"], condition: { parent: "layers", operator: ">=", value: 2 } },
    };
    const t = new SpaceTransform(conditional);
    const one = t.encode({ layers: 1 });
    assert.ok(one !== undefined);
    assert.deepEqual([...one], [0.25, INACTIVE_VALUE, 0, 0]);
    assert.deepEqual([...(t.encode({ layers: 2, width2: 10, act2: "tanh" }) as Float64Array)], [0.75, 1, 0, 1]);
    assert.equal(t.encode({ layers: 2, act2: "tanh" }), undefined, "an active parameter that is missing is not imputed");
    // A candidate on the one-layer branch with stray width2/act2 columns is the one-layer trial.
    assert.deepEqual([...t.snap([0.1, 0.9, 1, 0])], [...one]);
    assert.equal(t.key([0.1, 0.9, 1, 0]), t.key([0.2, 0.1, 0, 1]), "inactive columns do not tell configurations apart");
  });
});

