import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, Model, type Engine } from "../../src/index.js";
import { softmax, referenceForward } from "../../src/reference/forward.js";
import { randomCnn, randomMlp, randomPoints } from "../support/models.js";
import { denseDim, fdJacobian, pointsAwayFromKinks, referenceEigenvalues } from "../support/reference.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

function expectOrthonormal(V: Float32Array, r: number, d: number, tol = 1e-4) {
  for (let a = 0; a < r; a++)
    for (let b = 0; b < r; b++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += V[a * d + t] * V[b * d + t];
      expect(Math.abs(s - (a === b ? 1 : 0))).toBeLessThan(tol);
    }
}

describe("DIM through the C×C side", () => {
  test("eigenvalues equal the explicit d×d DIM's (dense eigensolver and a float64 reference); vectors orthonormal and reconstruct D", async () => {
    const model = randomMlp([12, 24, 16, 5], 4);
    const d = 12, C = 5;
    const X = pointsAwayFromKinks(model, randomPoints(40, d, 3), d, 6, 1e-4);
    const res = await engine.dim(model, X, { dense: true });
    const dense = await engine.dim(model, X, { route: "dense" });
    expect(res.r).toBe(C - 1);
    for (let i = 0; i < res.n; i++) {
      const x = X.subarray(i * d, (i + 1) * d);
      // float64 reference: D from finite-difference J and reference probabilities, eigenvalues by ml-matrix
      const J = fdJacobian(model, x);
      const p = softmax(referenceForward(model, x).output);
      const Dref = denseDim(J, p, C, d);
      const ref = referenceEigenvalues(Dref, d);
      const lam = res.eigenvalues.subarray(i * res.r, (i + 1) * res.r);
      const top = ref[0];
      for (let j = 0; j < res.r; j++) {
        expect(Math.abs(lam[j] - ref[j])).toBeLessThan(1e-4 * top);
        expect(Math.abs(dense.eigenvalues[i * res.r + j] - lam[j])).toBeLessThan(1e-4 * top);
      }
      for (let j = res.r; j < d; j++) expect(Math.abs(ref[j])).toBeLessThan(1e-10 * top); // rank ≤ C − 1
      // the matrix the engine formed equals the reference
      const Dm = res.matrix!.subarray(i * d * d, (i + 1) * d * d);
      for (let t = 0; t < d * d; t++) expect(Math.abs(Dm[t] - Dref[t])).toBeLessThan(1e-4 * top);
      // orthonormal eigenvectors that reconstruct D = Σ λ v vᵀ and satisfy D v = λ v
      const V = res.eigenvectors.subarray(i * res.r * d, (i + 1) * res.r * d);
      expectOrthonormal(V, res.r, d);
      for (let s = 0; s < d; s++)
        for (let t = 0; t < d; t++) {
          let rec = 0;
          for (let j = 0; j < res.r; j++) rec += lam[j] * V[j * d + s] * V[j * d + t];
          expect(Math.abs(rec - Dref[s * d + t])).toBeLessThan(1e-4 * top);
        }
      expect(res.rank[i]).toBe(C - 1);
      for (let j = 0; j < res.r; j++) expect(lam[j]).toBeGreaterThanOrEqual(0);
    }
  });

  test("d = 784 CNN: low-rank route equals the dense 784×784 route; rank ≤ C − 1; PSD", async () => {
    const model = randomCnn(28, 28, 1, 10, 2);
    const X = randomPoints(2, 784, 41, 0, 1);
    const low = await engine.dim(model, X);
    const dense = await engine.dim(model, X, { route: "dense" });
    expect(low.r).toBe(9);
    for (let i = 0; i < low.n * low.r; i++) {
      expect(Math.abs(low.eigenvalues[i] - dense.eigenvalues[i])).toBeLessThan(1e-5 * low.eigenvalues[Math.floor(i / 9) * 9] + 1e-12);
      expect(low.eigenvalues[i]).toBeGreaterThanOrEqual(0);
    }
    for (let i = 0; i < low.n; i++) {
      expect(low.rank[i]).toBeLessThanOrEqual(9);
      expectOrthonormal(low.eigenvectors.subarray(i * 9 * 784, (i + 1) * 9 * 784), 9, 784);
    }
  });

  test("rank drops where the logits' Jacobian is degenerate: a width-2 bottleneck gives rank ≤ 2 < C − 1", async () => {
    const model = randomMlp([6, 2, 8, 6], 8, "leakyRelu", "softmax", 0.2);
    const res = await engine.dim(model, randomPoints(5, 6, 2));
    expect(res.r).toBe(5);
    for (let i = 0; i < res.n; i++) {
      expect(res.rank[i]).toBe(2);
      expect(res.eigenvalues[i * 5 + 2]).toBeLessThan(1e-6 * res.eigenvalues[i * 5]);
      expectOrthonormal(res.eigenvectors.subarray(i * 5 * 6, (i + 1) * 5 * 6), 5, 6);
    }
  });

  test("probabilities are the softmax of the reference logits; options are validated", async () => {
    const model = randomMlp([3, 5, 4], 2);
    const X = randomPoints(3, 3, 1);
    const res = await engine.dim(model, X);
    for (let i = 0; i < 3; i++) {
      const p = softmax(referenceForward(model, X.subarray(i * 3, i * 3 + 3)).output);
      for (let c = 0; c < 4; c++) expect(res.probs[i * 4 + c]).toBeCloseTo(p[c], 6);
    }
    await expect(engine.dim(model, X, { rankTol: -1 })).rejects.toThrow(/rankTol/);
    const regression = randomMlp([3, 5, 1], 2, "relu", "none");
    await expect(engine.dim(regression, X)).rejects.toThrow(/at least 2 outputs/);
  });
});

describe("pullback metric", () => {
  test("2→1 network: kernel dimension 1, kernel vector orthogonal to the gradient", async () => {
    const model = randomMlp([2, 16, 16, 1], 6, "tanh", "none");
    const X = randomPoints(8, 2, 3);
    const g = await engine.pullbackMetric(model, X, { full: true });
    const J = await engine.jacobian(model, X);
    expect(g.r).toBe(2);
    for (let i = 0; i < 8; i++) {
      expect(g.kernelDim[i]).toBe(1);
      expect(g.rank[i]).toBe(1);
      const grad = J.data.subarray(i * 2, i * 2 + 2);
      const k = g.eigenvectors.subarray(i * 4 + 2, i * 4 + 4); // row 1 = kernel
      const norm = Math.hypot(grad[0], grad[1]);
      expect(Math.abs(k[0] * grad[0] + k[1] * grad[1]) / norm).toBeLessThan(1e-5);
      expect(Math.hypot(k[0], k[1])).toBeCloseTo(1, 5);
      expect(g.eigenvalues[i * 2]).toBeCloseTo(norm * norm, 4);
    }
  });

  test("hidden layer narrower than the input uses the low-rank route and matches the dense one", async () => {
    const model = randomMlp([10, 4, 8, 3], 9);
    const X = randomPoints(4, 10, 5);
    const low = await engine.pullbackMetric(model, X, { layer: 0 });
    const full = await engine.pullbackMetric(model, X, { layer: 0, full: true });
    expect(low.route).toBe("lowRank");
    expect(low.r).toBe(4);
    for (let i = 0; i < 4; i++) {
      expect(full.kernelDim[i]).toBe(10 - low.rank[i]);
      for (let j = 0; j < 4; j++) expect(low.eigenvalues[i * 4 + j]).toBeCloseTo(full.eigenvalues[i * 10 + j], 4);
    }
  });
});

test("a JSON model with a softmax layer behaves as its logits plus head", async () => {
  const model = Model.fromJSON({
    format: "foliate-model", version: 1, inputShape: [2],
    layers: [{ type: "dense", units: 3, kernel: [1, 0, -1, 0, 1, 1], bias: [0, 0, 0] }, { type: "softmax" }],
  });
  const res = await engine.dim(model, [[0.5, -0.25]]);
  // J = Kᵀ constant; D = J^T M J, reference by hand
  const p = softmax([0.5, -0.25, -0.75]);
  const J = [1, 0, 0, 1, -1, 1]; // rows: logits, columns: inputs
  const D = denseDim(J, p, 3, 2);
  const ref = referenceEigenvalues(D, 2);
  expect(res.eigenvalues[0]).toBeCloseTo(ref[0], 6);
  expect(res.eigenvalues[1]).toBeCloseTo(ref[1], 6);
});
