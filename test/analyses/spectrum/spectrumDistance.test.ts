import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, datasetDistances, dimSpectrumDistance, dimSpectrumSignature, wasserstein1Sorted, type Engine } from "../../../src/index.js";
import { ShapeError } from "../../../src/errors.js";
import { mulberry32 } from "../../../src/random.js";
import { randomMlp, randomPoints } from "../../support/models.js";

/** W1 in its CDF form, ∫ |F_a(t) − F_b(t)| dt, summed over the intervals between all sample values. */
function cdfWasserstein(a: number[], b: number[]): number {
  const all = [...a, ...b].sort((x, y) => x - y);
  const F = (s: number[], t: number) => s.filter((v) => v <= t).length / s.length;
  let w = 0;
  for (let i = 0; i + 1 < all.length; i++) w += Math.abs(F(a, all[i]) - F(b, all[i])) * (all[i + 1] - all[i]);
  return w;
}

function randomSignature(seed: number, n: number, r: number, shift = 0) {
  const rand = mulberry32(seed);
  const L = new Float64Array(n * r);
  for (let i = 0; i < n; i++) {
    let v = shift - 3 * rand();
    for (let j = 0; j < r; j++) L[i * r + j] = v -= 2 * rand(); // descending per point
  }
  return dimSpectrumSignature(L, r, Float64Array.from({ length: n }, () => rand()), -20);
}

describe("1-D Wasserstein and the spectrum distance", () => {
  test("hand-computed cases", () => {
    expect(wasserstein1Sorted([0, 1], [0.5])).toBeCloseTo(0.5, 15);
    expect(wasserstein1Sorted([0, 1, 2], [0, 3])).toBeCloseTo(5 / 6, 15);
    expect(wasserstein1Sorted([2], [5])).toBe(3);
  });

  test("equals the CDF form on random samples of unequal sizes", () => {
    const rand = mulberry32(5);
    for (let trial = 0; trial < 20; trial++) {
      const a = Array.from({ length: 1 + Math.floor(rand() * 15) }, () => rand() * 4).sort((x, y) => x - y);
      const b = Array.from({ length: 1 + Math.floor(rand() * 15) }, () => rand() * 4 - 1).sort((x, y) => x - y);
      expect(wasserstein1Sorted(a, b)).toBeCloseTo(cdfWasserstein(a, b), 12);
    }
  });

  test("distance: zero on identical signatures, symmetric, triangle inequality, mean of per-position W1", () => {
    for (let t = 0; t < 30; t++) {
      const A = randomSignature(3 * t + 1, 10 + t, 4), B = randomSignature(3 * t + 2, 7 + 2 * t, 4, 1), C = randomSignature(3 * t + 3, 13, 4, -1);
      expect(dimSpectrumDistance(A, A)).toBe(0);
      expect(dimSpectrumDistance(A, B)).toBe(dimSpectrumDistance(B, A));
      expect(dimSpectrumDistance(A, C)).toBeLessThanOrEqual(dimSpectrumDistance(A, B) + dimSpectrumDistance(B, C) + 1e-12);
      let mean = 0;
      for (let j = 0; j < 4; j++) mean += cdfWasserstein(Array.from(A.samples.subarray(j * A.n, (j + 1) * A.n)), Array.from(B.samples.subarray(j * B.n, (j + 1) * B.n))) / 4;
      expect(dimSpectrumDistance(A, B)).toBeCloseTo(mean, 10);
    }
    // a shift of every log eigenvalue by δ moves the distance by exactly δ
    const A = randomSignature(9, 20, 3);
    const shifted = dimSpectrumSignature(
      Float64Array.from({ length: 60 }, (_, k) => A.samples[(k % 3) * 20 + Math.floor(k / 3)] + 0.75), 3, new Float64Array(20), -20);
    expect(dimSpectrumDistance(A, shifted)).toBeCloseTo(0.75, 12);
    expect(() => dimSpectrumDistance(A, randomSignature(1, 5, 2))).toThrow(ShapeError);
  });
});

describe("datasetDistances", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ workers: 0 });
  });
  afterAll(() => engine.close());

  test("matrix of pairwise distances of the datasets' signatures; zero diagonal, symmetric", async () => {
    const model = randomMlp([8, 16, 4], 3);
    const sets = { a: randomPoints(20, 8, 1), b: randomPoints(25, 8, 2, 0, 3), c: randomPoints(15, 8, 3, -3, 0) };
    const res = await datasetDistances(engine, model, sets);
    expect(res.names).toEqual(["a", "b", "c"]);
    for (let i = 0; i < 3; i++) {
      expect(res.matrix[i * 4]).toBe(0);
      for (let j = 0; j < 3; j++) {
        expect(res.matrix[i * 3 + j]).toBe(res.matrix[j * 3 + i]);
        const own = (await engine.dimSpectrum(model, sets[res.names[i] as "a"])).signature;
        const other = (await engine.dimSpectrum(model, sets[res.names[j] as "a"])).signature;
        expect(res.matrix[i * 3 + j]).toBe(dimSpectrumDistance(own, other));
      }
    }
    expect(res.matrix[1]).toBeGreaterThan(0);
  });
});
