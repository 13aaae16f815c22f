import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/engine/engine.js";
import { OptionError, ShapeError } from "../../../src/errors.js";
import { randomMlp } from "../../support/models.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

describe("countRegions", () => {
  it("in 2D: the sampled distinct count is a lower bound of the exact count from the plane partition", async () => {
    const model = randomMlp([2, 8, 8, 3], 6);
    const box = { lo: [-1, -1], hi: [1, 1] };
    const r = await engine.countRegions(model, { box, samples: 20000, seed: 3 });
    const plane = await engine.regionsInPlane(model, [0, 0], [1, 0], [0, 1], [-1, 1, -1, 1]);
    expect(r.exact).toBe(plane.count);
    expect(r.distinct).toBeLessThanOrEqual(r.exact!);
    // Regions of the exact partition bigger than 1/1000 of the box are all hit by 20 000 samples.
    const big = [...plane.areas].filter((a) => a > 4e-3).length;
    expect(r.distinct).toBeGreaterThanOrEqual(big);
    expect(r.captureRecapture).toBeGreaterThanOrEqual(r.distinct * 0.9);
    expect(r.chao1).toBeGreaterThanOrEqual(r.distinct);
  });

  it("n lines through a box: the exact count is 1 + n + C(n, 2) and estimates bracket it loosely", async () => {
    const model = randomMlp([2, 5, 2], 44);
    const r = await engine.countRegions(model, { box: { lo: [-1000, -1000], hi: [1000, 1000] }, samples: 4000, seed: 1 });
    expect(r.exact).toBe(16);
    expect(r.distinct).toBeLessThanOrEqual(16);
  });

  it("higher dimensions: sampling only, deterministic under the seed", async () => {
    const model = randomMlp([5, 12, 12, 2], 7);
    const box = { lo: [-1, -1, -1, -1, -1], hi: [1, 1, 1, 1, 1] };
    const a = await engine.countRegions(model, { box, samples: 3000, seed: 9 });
    const b = await engine.countRegions(model, { box, samples: 3000, seed: 9 });
    expect(a).toEqual(b);
    expect(a.exact).toBeUndefined();
    expect(a.distinct).toBeGreaterThan(10);
    await expect(engine.countRegions(model, { box: { lo: [0, 0], hi: [1, 1] } })).rejects.toThrow(ShapeError);
    await expect(engine.countRegions(model, { box, samples: 1 })).rejects.toThrow(OptionError);
  });
});
