import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/index.js";
import { Model } from "../../../src/model/model.js";
import { randomMlp, randomPoints } from "../../support/models.js";

let engine: Engine;
beforeAll(async () => { engine = await createEngine({ workers: 0 }); });
afterAll(async () => { await engine.close(); });

/** 3 → 2 (relu) → 3: a width-2 bottleneck. z_0 = x_0 + 0.2, z_1 = x_1 + 0.2; the DIM has rank = number of live units. */
const bottleneck = new Model({
  inputShape: [3],
  head: "softmax",
  layers: [
    { type: "dense", units: 2, kernel: Float64Array.of(1, 0, 0, 1, 0, 0), bias: Float64Array.of(0.2, 0.2), activation: "relu" },
    { type: "dense", units: 3, kernel: Float64Array.of(0.7, -0.4, 0.9, -0.3, 0.8, 0.5), bias: Float64Array.of(0.1, 0, -0.1), activation: "linear" },
  ],
});

describe("engine.singularPoints", () => {
  it("finds the rank drop of a bottleneck network at points and the exact crossing along a leaf", async () => {
    const X = [[0.3, 0.3, 0], [-0.5, 0.3, 1], [0.3, -0.5, -1], [-0.5, -0.5, 0], [0.1, 0.2, 0.3]];
    const s = await engine.singularPoints(bottleneck, X);
    expect(s.genericRank).toBe(2);
    expect(Array.from(s.index)).toEqual([1, 2, 3]);
    expect(Array.from(s.rankBefore)).toEqual([1, 1, 0]);
    // On the boundary z_0 = 0 itself: the rank across the boundary is reported too.
    const b = await engine.singularPoints(bottleneck, [[-0.2, 0.3, 0]]);
    expect(b.count).toBe(1);
    expect(Math.min(b.rankBefore[0], b.rankAfter[0])).toBe(1);
    expect(Math.max(b.rankBefore[0], b.rankAfter[0])).toBe(2);

    const path = await engine.leaf(bottleneck, [0.3, 0.3, 0], { distribution: "data", direction: [-1, 0.2, 0.3], maxLength: 2 });
    const sp = await engine.singularPoints(bottleneck, path);
    expect(sp.count).toBeGreaterThanOrEqual(1);
    // Closed form: the projected direction is (−1, 0.2, 0)/√1.04, so x_0 = −0.2 is reached at t = 0.5·√1.04.
    expect(sp.params[0]).toBeCloseTo(0.5 * Math.sqrt(1.04), 12);
    expect(sp.points[0]).toBeCloseTo(-0.2, 12);
    expect(sp.rankBefore[0]).toBe(2);
    expect(sp.rankAfter[0]).toBe(1);
  });

  it("finds none at random generic points of a generic network", async () => {
    const model = randomMlp([4, 16, 16, 3], 3);
    const s = await engine.singularPoints(model, Float64Array.from(randomPoints(200, 4, 9)));
    expect(s.count).toBe(0);
    const p = await engine.leaf(model, [0.1, 0.2, -0.3, 0.4], { maxLength: 2, seed: 2 });
    expect((await engine.singularPoints(model, p)).count).toBe(0);
  });

  it("uses the pullback metric's generic rank min(m, d)", async () => {
    const s = await engine.singularPoints(bottleneck, [[0.3, 0.3, 0], [-0.5, 0.3, 0]], { distribution: { metric: "pullback", layer: 0 } });
    expect(s.genericRank).toBe(2);
    expect(Array.from(s.index)).toEqual([1]);
    expect(s.rankBefore[0]).toBe(1);
  });
});
