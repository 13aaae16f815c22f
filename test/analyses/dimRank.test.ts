/**
 * The DIM's rank and eigenvectors at points with tiny probabilities and at a genuine bottleneck, against a
 * float64 reference: the analytic float64 Jacobian (src/reference/jacobian.ts), D = Σ_c p_c (J_c − J̄)(J_c − J̄)ᵀ
 * formed in float64 without cancellation (J_c − J̄ = Σ_k p_k (J_c − J_k)), eigenvalues by cyclic Jacobi
 * (src/reference/eigh.ts, a different algorithm from the engine's Householder + QL).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, Model, type Engine } from "../../src/index.js";
import { jacobiEigh } from "../../src/reference/eigh.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { referenceDenseJacobian } from "../../src/reference/jacobian.js";
import { randomCnn, randomMlp, randomPoints } from "../support/models.js";
import { fdJacobian, pointsAwayFromKinks } from "../support/reference.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

/** The model with its last (logit) layer scaled by s: the softmax saturates as s grows. */
function sharpened(model: Model, s: number): Model {
  const last = model.layers.length - 1;
  const layers = model.layers.map((l, i) =>
    i === last && l.type === "dense" ? { ...l, kernel: Float64Array.from(l.kernel as ArrayLike<number>, (v) => v * s), bias: Float64Array.from(l.bias as ArrayLike<number>, (v) => v * s) } : l);
  return new Model({ inputShape: model.inputShape, layers, head: model.head });
}

/** D (d×d float64) = Σ_c p_c v_c v_cᵀ, v_c = J_c − J̄ = Σ_k p_k (J_c − J_k). */
function referenceDim(J: Float64Array, p: Float64Array, C: number, d: number): Float64Array {
  const D = new Float64Array(d * d);
  const v = new Float64Array(d);
  for (let c = 0; c < C; c++) {
    if (p[c] === 0) continue;
    v.fill(0);
    for (let k = 0; k < C; k++) if (k !== c) for (let t = 0; t < d; t++) v[t] += p[k] * (J[c * d + t] - J[k * d + t]);
    for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) D[s * d + t] += p[c] * v[s] * v[t];
  }
  return D;
}

function reference(model: Model, x: ArrayLike<number>, C: number, d: number, jacobian = referenceDenseJacobian) {
  const J = jacobian(model, x);
  const p = softmax(referenceForward(model, x).output);
  const D = referenceDim(J, p, C, d);
  return { p, D, values: jacobiEigh(D, d).values };
}

const count = (a: ArrayLike<number>, n: number, pred: (v: number) => boolean) => Array.from(a).slice(0, n).filter(pred).length;

describe("DIM rank from what can vanish", () => {
  const d = 12, C = 10, r = C - 1;
  const X = randomPoints(120, d, 5);

  test.each([4, 8, 12])("saturated softmax (logits × %i): rank C − 1 wherever float64 resolves λ_{C−1}; rows below the rank are eigenvectors", async (scale) => {
    const model = sharpened(randomMlp([d, 32, 32, C], 3), scale);
    const res = await engine.dim(model, X);
    let minP = 1, fullTiny = 0;
    for (let i = 0; i < res.n; i++) {
      const ref = reference(model, X.subarray(i * d, (i + 1) * d), C, d);
      const top = ref.values[0];
      minP = Math.min(minP, ...ref.p);
      // Float64 rounding of D is ~1e-16 λ₁ here (its d − C + 1 structural null eigenvalues): the rank must count
      // every eigenvalue above 1e-14 λ₁ and none below 2e-16 λ₁.
      for (let j = r; j < d; j++) expect(Math.abs(ref.values[j])).toBeLessThan(2e-16 * top);
      const sure = count(ref.values, r, (v) => v > 1e-14 * top), possible = count(ref.values, r, (v) => v > 2e-16 * top);
      expect(res.rank[i]).toBeGreaterThanOrEqual(sure);
      expect(res.rank[i]).toBeLessThanOrEqual(possible);
      if (res.rank[i] === r && ref.values[r - 1] < 1e-6 * top) fullTiny++;
      const V = res.eigenvectors.subarray(i * r * d, (i + 1) * r * d);
      for (let j = 0; j < r; j++) {
        const lam = res.eigenvalues[i * r + j];
        if (j < sure) expect(Math.abs(lam - ref.values[j])).toBeLessThan(1e-3 * ref.values[j] + 1e-15 * top);
        // unit rows, orthogonal to one another
        for (let q = 0; q <= j; q++) {
          let dot = 0;
          for (let t = 0; t < d; t++) dot += V[j * d + t] * V[q * d + t];
          expect(Math.abs(dot - (q === j ? 1 : 0))).toBeLessThan(1e-5);
        }
        if (j >= res.rank[i]) continue;
        // D v = λ v in the reference D: the Rayleigh quotient to 1e-3 of λ itself (a component θ of v along
        // the top eigenvector adds θ²λ₁; storing v in float32 alone gives θ up to √d·eps32, hence + d·eps32²·λ₁), the
        // residual to 1e-3 λ + 1e-5 λ₁
        const Dv = new Float64Array(d);
        for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) Dv[s] += ref.D[s * d + t] * V[j * d + t];
        let rq = 0, res2 = 0;
        for (let t = 0; t < d; t++) rq += V[j * d + t] * Dv[t];
        for (let t = 0; t < d; t++) res2 += (Dv[t] - rq * V[j * d + t]) ** 2;
        if (j < sure) {
          expect(Math.abs(rq - ref.values[j])).toBeLessThan(1e-3 * ref.values[j] + d * 2 ** -46 * top);
          expect(Math.sqrt(res2)).toBeLessThan(1e-3 * ref.values[j] + 1e-5 * top);
        }
      }
    }
    // the points this is about: probabilities far below 1e-6, and full rank with λ_{C−1} < 1e-6 λ₁
    expect(minP).toBeLessThan(1e-9);
    expect(fullTiny).toBeGreaterThan(0);
  });

  test.each([1, 8])("a width-2 bottleneck (logits × %i): rank 2, as the float64 spectrum says", async (scale) => {
    const model = sharpened(randomMlp([d, 2, 16, C], 8, "leakyRelu", "softmax", 0.2), scale);
    const res = await engine.dim(model, X);
    for (let i = 0; i < res.n; i++) {
      const ref = reference(model, X.subarray(i * d, (i + 1) * d), C, d);
      expect(ref.values[1]).toBeGreaterThan(1e-12 * ref.values[0]);
      expect(Math.abs(ref.values[2])).toBeLessThan(1e-15 * ref.values[0]);
      expect(res.rank[i]).toBe(2);
      // the float32 Jacobian's rounding leaves λ₃ ~ eps32² λ₁, not 0
      expect(res.eigenvalues[i * r + 2]).toBeLessThan(1e-10 * res.eigenvalues[i * r]);
    }
  });

  test("probabilities that are exactly 0 in float64 (logit gaps > 745) drop out of the rank", async () => {
    const model = sharpened(randomMlp([d, 32, 32, C], 3), 3000);
    const res = await engine.dim(model, X.subarray(0, 20 * d));
    let zeros = 0;
    for (let i = 0; i < res.n; i++) {
      const ref = reference(model, X.subarray(i * d, (i + 1) * d), C, d);
      const present = count(ref.p, C, (v) => v > 0);
      zeros += C - present;
      expect(res.rank[i]).toBeLessThanOrEqual(Math.max(present - 1, 0));
      // one class left: D = 0; two or more: their contribution is the top eigenvalue, however small (1e-230
      // here; its size then follows a float32 logit gap of ~500, so it is only compared in sign)
      if (present === 1) expect(res.rank[i]).toBe(0);
      else if (ref.values[0] > 0) {
        expect(res.rank[i]).toBeGreaterThanOrEqual(1);
        expect(res.eigenvalues[i * r]).toBeGreaterThan(0);
      }
    }
    expect(zeros).toBeGreaterThan(0);
  });

  test("rankTol is an extra, coarser cut: rank ≤ #{λ_i > rankTol · λ₁}", async () => {
    const model = sharpened(randomMlp([d, 32, 32, C], 3), 4);
    const [free, cut] = await Promise.all([engine.dim(model, X), engine.dim(model, X, { rankTol: 1e-6 })]);
    let lower = 0;
    for (let i = 0; i < free.n; i++) {
      const lam = free.eigenvalues.subarray(i * r, (i + 1) * r);
      expect(cut.rank[i]).toBe(Math.min(free.rank[i], count(lam, r, (v) => v > 1e-6 * lam[0])));
      if (cut.rank[i] < free.rank[i]) lower++;
    }
    expect(lower).toBeGreaterThan(0);
    await expect(engine.dim(model, X, { rankTol: 1 })).rejects.toThrow(/rankTol/);
  });
});

describe("singular points of the DIM under the same rule", () => {
  const d = 12, C = 10;
  const X = randomPoints(60, d, 5);

  test("tiny probabilities are not singular; the DIM's rank agrees (9 at every point)", async () => {
    const model = sharpened(randomMlp([d, 32, 32, C], 3), 4);
    const [sp, dim] = await Promise.all([engine.singularPoints(model, X), engine.dim(model, X)]);
    expect(sp.count).toBe(0);
    for (let i = 0; i < dim.n; i++) expect(dim.rank[i]).toBe(C - 1);
  });

  test("classes whose float64 probability is exactly 0 lower the rank: singular, with the DIM's rank", async () => {
    const model = sharpened(randomMlp([d, 32, 32, C], 3), 3000);
    const [sp, dim] = await Promise.all([engine.singularPoints(model, X), engine.dim(model, X)]);
    let expected = 0;
    for (let i = 0; i < dim.n; i++) {
      const p = softmax(referenceForward(model, X.subarray(i * d, (i + 1) * d)).output);
      const present = count(p, C, (v) => v > 0);
      if (present - 1 < C - 1) expected++;
      const at = Array.from(sp.index).indexOf(i);
      if (present < C) {
        expect(at).toBeGreaterThanOrEqual(0);
        // the geometric rank (exact: every present class counts) bounds the DIM's numerical one
        expect(sp.rankBefore[at]).toBe(present - 1);
        expect(dim.rank[i]).toBeLessThanOrEqual(present - 1);
      }
    }
    expect(expected).toBeGreaterThan(0);
    expect(sp.count).toBe(expected);
  });
});

test("a CNN with max and average pooling at saturated probabilities: rank C − 1 wherever the float64 spectrum resolves it", async () => {
  // 10×10 images: conv 3×3 (8) relu, max-pool 2, conv 3×3 same (12) relu, avg-pool 2, dense 10; logits × 14.
  // Reference Jacobian: float64 central differences (exact inside a linear region, h = 1e-4: rounding ~1e-12).
  const d = 100, C = 10, r = C - 1;
  const model = sharpened(randomCnn(10, 10, 1, C, 4), 14);
  const X = pointsAwayFromKinks(model, randomPoints(200, d, 9, 0, 1), d, 24, 1e-3);
  const res = await engine.dim(model, X);
  let fullTiny = 0, minP = 1;
  for (let i = 0; i < res.n; i++) {
    const ref = reference(model, X.subarray(i * d, (i + 1) * d), C, d, (m, x) => fdJacobian(m, x, "logits", 1e-4));
    const top = ref.values[0];
    let noise = 0;
    for (let j = r; j < d; j++) noise = Math.max(noise, Math.abs(ref.values[j]));
    minP = Math.min(minP, ...ref.p);
    const sure = count(ref.values, r, (v) => v > 1e-10 * top);
    expect(res.rank[i]).toBeGreaterThanOrEqual(sure);
    expect(res.rank[i]).toBeLessThanOrEqual(count(ref.values, r, (v) => v > 10 * noise));
    if (sure === r && ref.values[r - 1] < 1e-6 * top) fullTiny++; // where λ_i > 1e-6 λ₁ said rank < C − 1
  }
  expect(minP).toBeLessThan(1e-9);
  expect(fullTiny).toBeGreaterThan(0);
});
