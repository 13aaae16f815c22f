import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, dimSpectrumSignature, type Engine } from "../../../src/index.js";
import { sortedQuantile } from "../../../src/analyses/spectrum/dimSpectrum.js";
import { OptionError } from "../../../src/errors.js";
import { referenceForward, softmax } from "../../../src/reference/forward.js";
import { mulberry32 } from "../../../src/random.js";
import { randomMlp, randomPoints } from "../../support/models.js";
import { fdJacobian, pointsAwayFromKinks } from "../../support/reference.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

/** numpy's default quantile, written from its definition: x[⌊h⌋] + (h − ⌊h⌋)(x[⌈h⌉] − x[⌊h⌋]), h = (n − 1)q. */
function bruteQuantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  return s[Math.floor(h)] + (h - Math.floor(h)) * (s[Math.ceil(h)] - s[Math.floor(h)]);
}

describe("engine.dimSpectrum", () => {
  const model = randomMlp([12, 24, 16, 5], 4);
  const X = pointsAwayFromKinks(model, randomPoints(60, 12, 3), 12, 30, 1e-4);

  test("log eigenvalues are log10 of engine.dim's; the trace is Σ p‖∇s‖² − ‖Σ p∇s‖² (float64 reference)", async () => {
    const spec = await engine.dimSpectrum(model, X);
    const dim = await engine.dim(model, X);
    expect(spec.n).toBe(30);
    expect(spec.r).toBe(4);
    for (let i = 0; i < spec.n * spec.r; i++) expect(spec.logEigenvalues[i]).toBe(Math.max(-20, Math.log10(dim.eigenvalues[i])));
    for (let i = 0; i < spec.n; i++) {
      const x = X.subarray(i * 12, (i + 1) * 12);
      const J = fdJacobian(model, x); // 5×12
      const p = softmax(referenceForward(model, x).output);
      let t = 0;
      const mean = new Float64Array(12);
      for (let c = 0; c < 5; c++)
        for (let k = 0; k < 12; k++) {
          t += p[c] * J[c * 12 + k] ** 2;
          mean[k] += p[c] * J[c * 12 + k];
        }
      for (let k = 0; k < 12; k++) t -= mean[k] ** 2;
      expect(Math.abs(spec.trace[i] - t)).toBeLessThan(1e-4 * t);
      expect(spec.logTrace[i]).toBeCloseTo(Math.log10(t), 4);
      expect(spec.spread[i]).toBe(spec.logEigenvalues[i * 4] - spec.logEigenvalues[i * 4 + 3]);
    }
  });

  test("signature quantiles, median log trace and mean spread against a brute-force sort", async () => {
    const spec = await engine.dimSpectrum(model, X);
    const sig = spec.signature;
    for (let j = 0; j < 4; j++) {
      const col = Array.from({ length: spec.n }, (_, i) => spec.logEigenvalues[i * 4 + j]);
      expect(sig.median[j]).toBeCloseTo(bruteQuantile(col, 0.5), 12);
      expect(sig.q10[j]).toBeCloseTo(bruteQuantile(col, 0.1), 12);
      expect(sig.q90[j]).toBeCloseTo(bruteQuantile(col, 0.9), 12);
      expect(Array.from(sig.samples.subarray(j * spec.n, (j + 1) * spec.n))).toEqual([...col].sort((a, b) => a - b));
    }
    expect(sig.medianLogTrace).toBeCloseTo(bruteQuantile(Array.from(spec.logTrace), 0.5), 12);
    expect(sig.meanSpread).toBeCloseTo(Array.from(spec.spread).reduce((a, b) => a + b, 0) / spec.n, 12);
    const col = (j: number) => Array.from({ length: spec.n }, (_, i) => spec.logEigenvalues[i * 4 + j]);
    expect(sig.medianSpread).toBeCloseTo(bruteQuantile(col(0), 0.5) - bruteQuantile(col(3), 0.5), 12);
  });

  test("quantiles on a hand-computed case; a rank-deficient DIM sits at the floor", async () => {
    expect(sortedQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(sortedQuantile([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3, 12);
    expect(sortedQuantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    const sig = dimSpectrumSignature(Float64Array.of(0, -1, 2, 1, 4, 3), 2, Float64Array.of(1, 5, 3), -20);
    expect(Array.from(sig.median)).toEqual([2, 1]);
    expect(sig.medianLogTrace).toBe(3);
    expect(sig.meanSpread).toBe(1);
    expect(sig.medianSpread).toBe(1);
    // the two spreads differ when points sit at different heights: per-point spreads 6, 6, 0 (mean 4), while the
    // medians of the positions are 3 (of 0, 6, 3) and 0 (of −6, 0, 3), 3 decades apart
    const shifted = dimSpectrumSignature(Float64Array.of(0, -6, 6, 0, 3, 3), 2, Float64Array.of(0, 0, 0), -20);
    expect(shifted.meanSpread).toBe(4);
    expect(shifted.medianSpread).toBe(3);
    // width-2 bottleneck: rank ≤ 2 < C − 1 = 5, so λ_4, λ_5 are 0 (or rounding) and clip at the floor
    const bottleneck = randomMlp([6, 2, 8, 6], 8, "leakyRelu", "softmax", 0.2);
    const s = await engine.dimSpectrum(bottleneck, randomPoints(5, 6, 2), { floor: -8 });
    for (let i = 0; i < 5; i++) {
      expect(s.logEigenvalues[i * 5 + 4]).toBe(-8);
      expect(s.logEigenvalues[i * 5]).toBeGreaterThan(-8);
    }
    await expect(engine.dimSpectrum(model, X, { floor: Number.NaN })).rejects.toThrow(OptionError);
  });

  test("signatures of random spectra: quantiles ordered q10 ≤ median ≤ q90", () => {
    const rand = mulberry32(11);
    const n = 37, r = 3;
    const L = Float64Array.from({ length: n * r }, () => -5 * rand());
    const sig = dimSpectrumSignature(L, r, Float64Array.from({ length: n }, () => rand()), -20);
    for (let j = 0; j < r; j++) {
      expect(sig.q10[j]).toBeLessThanOrEqual(sig.median[j]);
      expect(sig.median[j]).toBeLessThanOrEqual(sig.q90[j]);
    }
  });
});
