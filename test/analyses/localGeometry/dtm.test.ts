import { describe, expect, it } from "vitest";
import { dtm, jointMarginals } from "../../../src/analyses/localGeometry/dtm.js";
import { optimalFeatures } from "../../../src/analyses/localGeometry/optimalFeatures.js";
import { svd } from "../../../src/analyses/localGeometry/svd.js";
import { DistributionError } from "../../../src/analyses/localGeometry/errors.js";
import { svdReference } from "../../../src/reference/svd.js";
import { ShapeError, OptionError } from "../../../src/errors.js";
import { countJoint, maxAbsDiff } from "./fixtures.js";

describe("divergence transition matrix", () => {
  it("is zero for an independent joint and the identity for a uniform bijection (closed forms)", () => {
    expect(maxAbsDiff(dtm([0.25, 0.25, 0.25, 0.25], 2, 2), [0, 0, 0, 0])).toBe(0);
    expect(Array.from(dtm([0.5, 0, 0, 0.5], 2, 2, { centred: false }))).toEqual([1, 0, 0, 1]);
  });

  it("B's singular values match the float64 reference (Jacobi eigen of BᵀB) for 8×6 and 5×9 joints", async () => {
    for (const [nx, ny, seed] of [[8, 6, 1], [5, 9, 2]]) {
      const { pxy } = countJoint(nx, ny, seed);
      const b = dtm(pxy, nx, ny); // ny×nx
      const ref = svdReference(b, ny, nx);
      const r = Math.min(nx, ny);
      const k = r - 1;
      const opt = await optimalFeatures(pxy, nx, ny, k);
      expect(maxAbsDiff(opt.singularValues, ref.s.subarray(0, k))).toBeLessThan(1e-10);
      // the centred B has rank ≤ r − 1: its last singular value is 0 (sqrt(P_X) is in its kernel)
      expect(ref.s[r - 1]).toBeLessThan(1e-7);
      expect((await svd(b, ny, nx)).s[r - 1]).toBeLessThan(1e-14);
    }
  });

  it("the uncentred B̃ has top singular triplet (1, sqrt(P_Y), sqrt(P_X)) and then the centred B's values", async () => {
    const nx = 8;
    const ny = 6;
    const { pxy } = countJoint(nx, ny, 7);
    const { px, py } = jointMarginals(pxy, nx, ny);
    const bt = dtm(pxy, nx, ny, { centred: false });
    const r = await svd(bt, ny, nx);
    const rc = await svd(dtm(pxy, nx, ny), ny, nx);
    expect(Math.abs(r.s[0] - 1)).toBeLessThan(1e-14);
    expect(maxAbsDiff(Array.from({ length: ny }, (_, y) => r.u[y * 6]), Array.from(py, Math.sqrt))).toBeLessThan(1e-13);
    expect(maxAbsDiff(Array.from({ length: nx }, (_, x) => r.v[x * 6]), Array.from(px, Math.sqrt))).toBeLessThan(1e-13);
    expect(maxAbsDiff(r.s.subarray(1), rc.s.subarray(0, 5))).toBeLessThan(1e-13);
  });

  it("rejects negative, non-finite or non-normalised joints, empty marginals and shape mismatches", () => {
    expect(() => dtm([0.5, -0.1, 0.3, 0.3], 2, 2)).toThrow(DistributionError);
    expect(() => dtm([0.5, NaN, 0.25, 0.25], 2, 2)).toThrow(DistributionError);
    expect(() => dtm([0.5, 0.5, 0.5, 0.5], 2, 2)).toThrow(/sums to 2/);
    expect(() => dtm([0.5, 0.5, 0, 0], 2, 2)).toThrow(/P_X\(1\) = 0/);
    expect(() => dtm([0.25, 0.25, 0.25, 0.25], 2, 3)).toThrow(ShapeError);
    expect(() => dtm([1], 0, 1)).toThrow(ShapeError);
  });

  it("optimalFeatures rejects a rank k outside 1..min(nx, ny) − 1", async () => {
    const { pxy } = countJoint(4, 3, 3);
    await expect(optimalFeatures(pxy, 4, 3, 3)).rejects.toThrow(OptionError);
    await expect(optimalFeatures(pxy, 4, 3, 0)).rejects.toThrow(OptionError);
    await expect(optimalFeatures(pxy.subarray(1), 4, 3, 1)).rejects.toThrow(ShapeError);
  });
});
