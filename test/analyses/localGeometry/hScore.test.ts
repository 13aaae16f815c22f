import { describe, expect, it } from "vitest";
import { hScore, hScoreOfJoint } from "../../../src/analyses/localGeometry/hScore.js";
import { optimalFeatures } from "../../../src/analyses/localGeometry/optimalFeatures.js";
import { SingularMatrixError } from "../../../src/analyses/localGeometry/errors.js";
import { EmptyBatchError, NonFiniteError, ShapeError } from "../../../src/errors.js";
import { countJoint, gaussian, samplesOf } from "./fixtures.js";

describe("H-score", () => {
  it("closed forms: ½ for a feature that determines a binary label, 0 for one independent of it", () => {
    expect(hScore([0, 0, 1, 1], 4, 1, [0, 0, 1, 1])).toBeCloseTo(0.5, 15);
    expect(hScore([0, 1, 0, 1], 4, 1, [0, 0, 1, 1])).toBe(0);
    // f ∈ {0, 1, 2} uniform, Y = [f ≥ 1]: var f = 2/3; E[f|Y] = 0 or 1.5 with P = 1/3, 2/3: var = 0.5
    expect(hScore([0, 1, 2], 3, 1, [0, 1, 1])).toBeCloseTo(0.5 * (0.5 / (2 / 3)), 14);
  });

  it("of the SVD features equals ½ Σ σ_i² (exact samples of a rational joint) and is the joint's value", async () => {
    const nx = 8;
    const ny = 6;
    const { pxy, counts } = countJoint(nx, ny, 1);
    const { xs, ys } = samplesOf(counts, ny);
    for (const k of [1, 2, 5]) {
      const opt = await optimalFeatures(pxy, nx, ny, k);
      const f = new Float64Array(xs.length * k); // n×k: f(x_i)
      xs.forEach((x, i) => f.set(opt.features.subarray(x * k, x * k + k), i * k));
      const half = 0.5 * opt.singularValues.reduce((a, s) => a + s * s, 0);
      expect(hScore(f, xs.length, k, ys)).toBeCloseTo(half, 12);
      expect(hScoreOfJoint(opt.features, pxy, nx, ny, k)).toBeCloseTo(half, 12);
      expect(opt.hScore).toBeCloseTo(half, 15);
    }
  });

  it("exceeds the H-score of 200 random features and is invariant under invertible affine maps", async () => {
    const nx = 8;
    const ny = 6;
    const k = 2;
    const { pxy } = countJoint(nx, ny, 5);
    const opt = await optimalFeatures(pxy, nx, ny, k);
    let best = 0;
    for (let t = 0; t < 200; t++) best = Math.max(best, hScoreOfJoint(gaussian(nx * k, 1000 + t), pxy, nx, ny, k));
    expect(best).toBeLessThan(opt.hScore);
    expect(best).toBeGreaterThan(0.2 * opt.hScore); // random features are not useless: the test can fail both ways
    // f ↦ f·M + c with M = [[2, 1], [−1, 3]], c = (5, −7)
    const g = new Float64Array(nx * k);
    for (let x = 0; x < nx; x++) {
      const [a, b] = [opt.features[x * 2], opt.features[x * 2 + 1]];
      g[x * 2] = 2 * a - b + 5;
      g[x * 2 + 1] = a + 3 * b - 7;
    }
    expect(hScoreOfJoint(g, pxy, nx, ny, k)).toBeCloseTo(opt.hScore, 12);
  });

  it("does not depend on the units of each feature (columns scaled by 1e−9 and 1e9)", async () => {
    const { pxy } = countJoint(8, 6, 5);
    const f = gaussian(16, 77);
    const scaled = Float64Array.from(f, (v, i) => v * (i % 2 ? 1e9 : 1e-9));
    expect(hScoreOfJoint(scaled, pxy, 8, 6, 2)).toBeCloseTo(hScoreOfJoint(f, pxy, 8, 6, 2), 12);
  });

  it("throws SingularMatrixError for constant or dependent features (unless ridged) and typed errors for bad input", () => {
    const labels = [0, 1, 0, 1];
    expect(() => hScore([1, 0, 1, 1, 1, 2, 1, 3], 4, 2, labels)).toThrow(SingularMatrixError);
    expect(() => hScore([1, 0, 1, 1, 1, 2, 1, 3], 4, 2, labels)).toThrow(/feature 0 is constant/);
    expect(() => hScore([0, 0, 1, 2, 2, 4, 3, 6], 4, 2, labels)).toThrow(/column 1/);
    expect(hScore([1, 0, 1, 1, 1, 2, 1, 3], 4, 2, labels, { ridge: 1e-3 })).toBeGreaterThan(0);
    expect(() => hScore([0, 1, 2], 4, 1, labels)).toThrow(ShapeError);
    expect(() => hScore([0, 1, 2, 3], 4, 1, [0, 1])).toThrow(ShapeError);
    expect(() => hScore([0, 1, 2, 3], 4, 1, [0, 1, 0.5, 1])).toThrow(ShapeError);
    expect(() => hScore([0, 1, NaN, 3], 4, 1, labels)).toThrow(NonFiniteError);
    expect(() => hScore([], 0, 1, [])).toThrow(EmptyBatchError);
  });
});
