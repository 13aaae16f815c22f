import { describe, expect, it } from "vitest";
import { principalAngles } from "../../../src/analyses/localGeometry/principalAngles.js";
import { compareFeatures } from "../../../src/analyses/localGeometry/compare.js";
import { optimalFeatures, optimalHiddenFeatures } from "../../../src/analyses/localGeometry/optimalFeatures.js";
import { hScoreOfJoint } from "../../../src/analyses/localGeometry/hScore.js";
import { SingularMatrixError } from "../../../src/analyses/localGeometry/errors.js";
import { svdReference } from "../../../src/reference/svd.js";
import { ShapeError } from "../../../src/errors.js";
import { countJoint, gaussian, maxAbsDiff } from "./fixtures.js";

describe("principal angles", () => {
  it("closed form: span{e1, e2} vs span{e1, cos θ e2 + sin θ e3}, tiny and large θ", async () => {
    for (const theta of [1e-9, 0.3, 1.2]) {
      const a = [1, 0, 0, 1, 0, 0]; // 3×2
      const b = [1, 0, 0, Math.cos(theta), 0, Math.sin(theta)];
      const ang = await principalAngles(a, b, 3, 2, 2, { centre: false });
      expect(ang[0]).toBeLessThan(1e-15);
      expect(Math.abs(ang[1] - theta)).toBeLessThan(1e-15 + 1e-13 * theta);
    }
  });

  it("match acos of the reference SVD of Qaᵀ·Qb for random weighted subspaces, and handle ka ≠ kb", async () => {
    const n = 12;
    const w = Float64Array.from(gaussian(n, 3), (x) => 0.1 + x * x);
    const a = gaussian(n * 3, 4);
    const b = gaussian(n * 2, 5);
    const ang = await principalAngles(a, b, n, 3, 2, { weights: w });
    // reference: Gram–Schmidt bases in the sqrt(w)-weighted, centred geometry
    const total = w.reduce((p, q) => p + q, 0);
    const basis = (m: Float64Array, k: number) => {
      const mean = new Float64Array(k);
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j] += (w[i] / total) * m[i * k + j];
      const c = Float64Array.from(m, (x, i) => Math.sqrt(w[Math.floor(i / k)] / total) * (x - mean[i % k]));
      return svdReference(c, n, k).u;
    };
    const qa = basis(a, 3);
    const qb = basis(b, 2);
    const m = new Float64Array(6);
    for (let i = 0; i < n; i++) for (let p = 0; p < 3; p++) for (let q = 0; q < 2; q++) m[p * 2 + q] += qa[i * 3 + p] * qb[i * 2 + q];
    const cos = svdReference(m, 3, 2).s;
    expect(ang.length).toBe(2);
    expect(maxAbsDiff(ang, Array.from(cos, Math.acos))).toBeLessThan(1e-7);
  });

  it("rejects linearly dependent columns and shape mismatches", async () => {
    await expect(principalAngles([1, 2, 2, 4, 3, 6], [1, 0, 0], 3, 2, 1)).rejects.toThrow(SingularMatrixError);
    await expect(principalAngles([1, 2, 3], [1, 0], 3, 1, 1)).rejects.toThrow(ShapeError);
  });
});

describe("compareFeatures", () => {
  const nx = 8;
  const ny = 6;
  const { pxy } = countJoint(nx, ny, 11);

  it("recognises the theory behind any invertible map and shifts: zero angles and errors, equal H-scores", async () => {
    const theory = await optimalFeatures(pxy, nx, ny, 2);
    const t = [1.5, -0.4, 0.7, 2.0]; // f̃ = fᵀT + c; ṽ = T⁻¹v + d keeps every logit difference
    const det = t[0] * t[3] - t[1] * t[2];
    const tinv = [t[3] / det, -t[1] / det, -t[2] / det, t[0] / det];
    const f = new Float64Array(nx * 2);
    for (let x = 0; x < nx; x++)
      for (let b = 0; b < 2; b++) f[x * 2 + b] = theory.features[x * 2] * t[b] + theory.features[x * 2 + 1] * t[2 + b] + (b ? -3 : 4);
    const v = new Float64Array(ny * 2);
    // logits fᵀv = (fᵀT)(T⁻¹v): ṽ(y) = T⁻¹·v(y)
    for (let y = 0; y < ny; y++)
      for (let a = 0; a < 2; a++) v[y * 2 + a] = tinv[a * 2] * theory.weights[y * 2] + tinv[a * 2 + 1] * theory.weights[y * 2 + 1] + (a ? 0.5 : 1);
    const c = await compareFeatures({ features: f, weights: v, k: 2 }, theory);
    expect(Math.max(...c.principalAngles)).toBeLessThan(1e-7);
    expect(Math.max(...(c.weightAngles ?? [1]))).toBeLessThan(1e-7);
    expect(c.relativeError.features).toBeLessThan(1e-12);
    expect(c.relativeError.weights).toBeLessThan(1e-12);
    expect(c.relativeError.product).toBeLessThan(1e-12);
    expect(maxAbsDiff(c.alignedFeatures, theory.features)).toBeLessThan(1e-12);
    expect(c.hScore.learned).toBeCloseTo(theory.hScore, 12);
  });

  it("reports the mismatch of the wrong singular pair: angle π/2 on one direction, H-score lower", async () => {
    const theory = await optimalFeatures(pxy, nx, ny, 2);
    const wider = await optimalFeatures(pxy, nx, ny, 3);
    // learned = (f_1, f_3): shares f_1, is orthogonal to f_2 under P_X
    const f = new Float64Array(nx * 2);
    for (let x = 0; x < nx; x++) {
      f[x * 2] = wider.features[x * 3];
      f[x * 2 + 1] = wider.features[x * 3 + 2];
    }
    const c = await compareFeatures({ features: f, k: 2 }, theory);
    expect(c.principalAngles[0]).toBeLessThan(1e-7);
    expect(Math.abs(c.principalAngles[1] - Math.PI / 2)).toBeLessThan(1e-7);
    const s = wider.singularValues;
    expect(c.hScore.learned).toBeCloseTo(0.5 * (s[0] ** 2 + s[2] ** 2), 12);
    expect(c.relativeError.features).toBeCloseTo(Math.SQRT1_2, 7); // f_2's half of E‖f‖² = 2 is missed
  });

  it("hidden-layer optimum: features in the span of the input, H-score ½ Σ σ_i(B·Q)² ≤ the unrestricted one", async () => {
    const input = gaussian(nx * 4, 21); // s(x): 8×4
    const hidden = await optimalHiddenFeatures(pxy, nx, ny, input, 4, 3);
    const free = await optimalFeatures(pxy, nx, ny, 3);
    expect(hScoreOfJoint(hidden.features, pxy, nx, ny, 3)).toBeCloseTo(hidden.hScore, 12);
    expect(hidden.hScore).toBeLessThanOrEqual(free.hScore + 1e-15);
    // f = (s − E s)·A reproduces the features
    const mean = new Float64Array(4);
    for (let x = 0; x < nx; x++) for (let j = 0; j < 4; j++) mean[j] += hidden.px[x] * input[x * 4 + j];
    const f = new Float64Array(nx * 3);
    for (let x = 0; x < nx; x++) for (let j = 0; j < 4; j++) for (let i = 0; i < 3; i++) f[x * 3 + i] += (input[x * 4 + j] - mean[j]) * hidden.inputWeights[j * 3 + i];
    expect(maxAbsDiff(f, hidden.features)).toBeLessThan(1e-12);
    // with a full-rank input (d = nx) the restriction is void
    const eye = Float64Array.from({ length: nx * nx }, (_, i) => (i % (nx + 1) === 0 ? 1 : 0));
    const all = await optimalHiddenFeatures(pxy, nx, ny, eye, nx, 3);
    expect(maxAbsDiff(all.singularValues, free.singularValues)).toBeLessThan(1e-13);
  });

  it("rejects learned arrays of the wrong shape", async () => {
    const theory = await optimalFeatures(pxy, nx, ny, 2);
    await expect(compareFeatures({ features: new Float64Array(15), k: 2 }, theory)).rejects.toThrow(ShapeError);
    await expect(compareFeatures({ features: gaussian(16, 1), weights: new Float64Array(11), k: 2 }, theory)).rejects.toThrow(ShapeError);
  });
});
