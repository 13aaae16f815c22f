import { tieModel } from "./patterns.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import { OptionError, ShapeError } from "../../../src/errors.js";
import { Model } from "../../../src/model/model.js";
import { randomMlp, randomWeights } from "../../support/models.js";

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

  it("2-input max-pool models get the exact count too (argmax cells are regions, as in the hash)", async () => {
    // 1×2×1 image → conv 1×2 same (3 filters, relu) → maxPool 1×2 → flatten → dense 2.
    const model = new Model({
      inputShape: [1, 2, 1], head: "softmax",
      layers: [
        { type: "conv2d", filters: 3, kernelSize: [1, 2], strides: [1, 1], padding: "same", kernel: randomWeights(91, 6, 1), bias: randomWeights(92, 3, 0.3), activation: "relu" },
        { type: "maxPool2d", poolSize: [1, 2], strides: [1, 2], padding: "valid" },
        { type: "flatten" },
        { type: "dense", units: 2, kernel: randomWeights(93, 6, 1), bias: randomWeights(94, 2, 0.1), activation: "linear" },
      ],
    });
    const box = { lo: [-1, -1], hi: [1, 1] };
    const r = await engine.countRegions(model, { box, samples: 20000, seed: 5 });
    const plane = await engine.regionsInPlane(model, [0, 0], [1, 0], [0, 1], [-1, 1, -1, 1]);
    expect(r.exact).toBe(plane.count);
    expect(r.distinct).toBeLessThanOrEqual(r.exact!);
    expect(r.distinct).toBeGreaterThanOrEqual([...plane.areas].filter((a) => a > 4e-3).length);
    // The pooling alone (no relu) cuts the box along one tie line: e0 = x0 + 3·x1 against e1 = x1.
    const tie = tieModel();
    const t = await engine.countRegions(tie, { box, samples: 2000, seed: 5 });
    expect(t.exact).toBe(2);
    expect(t.distinct).toBe(2);
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
