import { describe, expect, it } from "vitest";
import { mmseFeatures } from "../../../src/analyses/localGeometry/mmse.js";
import { SingularMatrixError } from "../../../src/analyses/localGeometry/errors.js";
import { symEigJacobiReference } from "../../../src/reference/svd.js";
import { OptionError, ShapeError } from "../../../src/errors.js";
import { gaussian, maxAbsDiff } from "./fixtures.js";

/** Y = X·M + noise with n samples, dx = 6, dy = 4. */
function data(n: number, seed: number) {
  const dx = 6;
  const dy = 4;
  const x = gaussian(n * dx, seed);
  const m = gaussian(dx * dy, seed + 1);
  const noise = gaussian(n * dy, seed + 2);
  const y = new Float64Array(n * dy);
  for (let i = 0; i < n; i++)
    for (let b = 0; b < dy; b++) {
      let acc = 0.3 * noise[i * dy + b] + b;
      for (let a = 0; a < dx; a++) acc += x[i * dx + a] * m[a * dy + b];
      y[i * dy + b] = acc;
    }
  return { X: { data: x, rows: n, cols: dx }, Y: { data: y, rows: n, cols: dy } };
}

function empiricalMse(r: Awaited<ReturnType<typeof mmseFeatures>>, y: Float64Array, n: number, dy: number, k: number): number {
  let e = 0;
  for (let i = 0; i < n; i++)
    for (let b = 0; b < dy; b++) {
      let p = r.bias[b];
      for (let a = 0; a < k; a++) p += r.weights[b * k + a] * r.features[i * k + a];
      e += (y[i * dy + b] - p) ** 2 / n;
    }
  return e;
}

describe("mmseFeatures (reduced-rank regression)", () => {
  it("σ_i² are the eigenvalues of C_YX C_XX⁻¹ C_XY (reference eigen-solver) and the residual is the achieved MSE", async () => {
    const n = 500;
    const { X, Y } = data(n, 3);
    const full = await mmseFeatures(X, Y, 4);
    // reference: C_YX C_XX⁻¹ C_XY by normal equations, eigenvalues by cyclic Jacobi
    const dx = 6;
    const dy = 4;
    const mx = new Float64Array(dx);
    const my = new Float64Array(dy);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < dx; a++) mx[a] += X.data[i * dx + a] / n;
      for (let b = 0; b < dy; b++) my[b] += Y.data[i * dy + b] / n;
    }
    const cxx = new Float64Array(dx * dx);
    const cxy = new Float64Array(dx * dy);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < dx; a++) {
        for (let c = 0; c < dx; c++) cxx[a * dx + c] += ((X.data[i * dx + a] - mx[a]) * (X.data[i * dx + c] - mx[c])) / n;
        for (let b = 0; b < dy; b++) cxy[a * dy + b] += ((X.data[i * dx + a] - mx[a]) * (Y.data[i * dy + b] - my[b])) / n;
      }
    // C_XX⁻¹ via its eigen-decomposition
    const { values, vectors } = symEigJacobiReference(cxx, dx);
    const sol = new Float64Array(dx * dy); // C_XX⁻¹ C_XY
    for (let a = 0; a < dx; a++)
      for (let b = 0; b < dy; b++)
        for (let e = 0; e < dx; e++) {
          let proj = 0;
          for (let c = 0; c < dx; c++) proj += vectors[c * dx + e] * cxy[c * dy + b];
          sol[a * dy + b] += (vectors[a * dx + e] * proj) / values[e];
        }
    const g = new Float64Array(dy * dy);
    for (let b = 0; b < dy; b++) for (let c = 0; c < dy; c++) for (let a = 0; a < dx; a++) g[b * dy + c] += cxy[a * dy + b] * sol[a * dy + c];
    const ev = Array.from(symEigJacobiReference(g, dy).values).sort((p, q) => q - p);
    expect(maxAbsDiff(Array.from(full.singularValues, (s) => s * s), ev)).toBeLessThan(1e-9 * ev[0]);
    for (const k of [1, 2, 4]) {
      const r = await mmseFeatures(X, Y, k);
      expect(r.residualMse).toBeCloseTo(r.totalVariance - ev.slice(0, k).reduce((p, q) => p + q, 0), 9);
      expect(empiricalMse(r, Y.data, n, dy, k)).toBeCloseTo(r.residualMse, 9);
    }
  });

  it("features are whitened (cov f = I) and no rank-2 predictor from random projections does better", async () => {
    const n = 400;
    const { X, Y } = data(n, 9);
    const r = await mmseFeatures(X, Y, 2);
    const cov = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) cov[a * 2 + b] += (r.features[i * 2 + a] * r.features[i * 2 + b]) / n;
    expect(maxAbsDiff(cov, [1, 0, 0, 1])).toBeLessThan(1e-12);
    for (let t = 0; t < 20; t++) {
      // features from a random projection P (6×2): their best weights via mmseFeatures on (f, Y) with k = 2
      const p = gaussian(12, 50 + t);
      const f = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) for (let a = 0; a < 6; a++) for (let c = 0; c < 2; c++) f[i * 2 + c] += X.data[i * 6 + a] * p[a * 2 + c];
      const other = await mmseFeatures({ data: f, rows: n, cols: 2 }, Y, 2);
      expect(other.residualMse).toBeGreaterThan(r.residualMse);
    }
  });

  it("rejects mismatched rows, bad k and collinear X", async () => {
    const { X, Y } = data(50, 1);
    await expect(mmseFeatures(X, { ...Y, rows: 49, data: Y.data.subarray(4) }, 2)).rejects.toThrow(ShapeError);
    await expect(mmseFeatures(X, Y, 5)).rejects.toThrow(OptionError);
    await expect(mmseFeatures({ data: X.data.subarray(1), rows: 50, cols: 6 }, Y, 2)).rejects.toThrow(ShapeError);
    const collinear = Float64Array.from(X.data, (v, i) => (i % 6 === 5 ? X.data[i - 1] * 2 : v));
    await expect(mmseFeatures({ data: collinear, rows: 50, cols: 6 }, Y, 2)).rejects.toThrow(SingularMatrixError);
  });
});
