// The issue-7 experiments, trained with tfjs (cpu backend, float32) on exact or empirical joints.
// Tolerances (measured value in brackets, seed 1, 2000 full-batch steps):
//  local softmax (ε = 0.02):   max principal angle < 0.02 rad [0.0061], product error < 0.03 [0.0066],
//                              H-score within 1e-3 relative of ½Σσ² [2e-5]
//  far softmax (peaked, ε = 1): max angle > 0.3 rad [1.16], product error > 1 [1.94], H < 0.9·½Σσ² [0.79]
//  hidden layer, local:         max angle < 0.01 rad [0.0017], linearised angle < 0.01 [0.0012],
//                              product error < 0.02 [0.0035]
//  hidden layer, far / Glorot-scale weights: max angle > 0.3 rad [1.00] / > 0.1 rad [1.42]
//  MMSE (n = 500): angles < 1e-3 rad, network MSE within 1e-4 relative of the reduced-rank minimum
// The local/far gap is > 10×, so the float32 training noise (~1e−4 rad) cannot flip any of these.
import { describe, expect, it } from "vitest";
import { tf } from "../../../src/tfjsQuiet.js";
import {
  softmaxExperiment, hiddenLayerExperiment, mmseExperiment, hScoreBesideAccuracy,
} from "../../../src/experiments/localGeometry.js";
import { compareWithTfjsModel, useCpuBackend } from "../../../src/experiments/localGeometryTfjs.js";
import { optimalFeatures } from "../../../src/analyses/localGeometry/optimalFeatures.js";
import { ShapeError } from "../../../src/errors.js";
import { SingularMatrixError } from "../../../src/analyses/localGeometry/errors.js";
import { countJoint } from "./fixtures.js";

const max = (a: ArrayLike<number>) => Math.max(...Array.from(a));

describe("experiment 1: softmax regression with a k = 2 feature layer", () => {
  it("issue setting (random P_XY, seed 1, 100 000 samples): trains, and no feature beats the SVD H-score", async () => {
    const r = await softmaxExperiment();
    expect(r.samples).toBe(100_000);
    expect(r.pxy.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const p of r.pxy) expect(Math.abs(p * 100_000 - Math.round(p * 100_000))).toBeLessThan(1e-6); // counts / N
    expect(r.lossCurve.at(-1)!).toBeLessThan(r.lossCurve[0]);
    expect(r.lossCurve.at(-1)!).toBeGreaterThanOrEqual(r.bayesLoss - 1e-6);
    // H(f) ≤ ½ Σ_{i≤k} σ_i² holds for every k-dim feature (Ky Fan), trained or not
    expect(r.comparison.hScore.learned).toBeLessThanOrEqual(r.comparison.hScore.theory * (1 + 1e-9));
    expect(r.comparison.principalAngles.length).toBe(2);
    console.info(`exp 1 (random P, σ1 = ${r.spectrum[0].toFixed(3)}): angles ${Array.from(r.comparison.principalAngles, (a) => a.toFixed(4))} rad, ` +
      `H learned ${r.comparison.hScore.learned.toFixed(5)} vs ½Σσ² ${r.comparison.hScore.theory.toFixed(5)}, product error ${r.comparison.relativeError.product?.toFixed(3)}`);
  });

  it("in the local regime the learned subspace is the SVD one; far from independence the match degrades", async () => {
    const local = await softmaxExperiment({ regime: { kind: "local", epsilon: 0.02 }, samples: 0 });
    const far = await softmaxExperiment({ regime: { kind: "far", epsilon: 1 }, samples: 0 });
    const c = local.comparison;
    expect(max(c.principalAngles)).toBeLessThan(0.02);
    expect(c.relativeError.product!).toBeLessThan(0.03);
    expect(Math.abs(c.hScore.learned - c.hScore.theory) / c.hScore.theory).toBeLessThan(1e-3);
    const f = far.comparison;
    expect(max(f.principalAngles)).toBeGreaterThan(0.3);
    expect(f.relativeError.product!).toBeGreaterThan(1);
    expect(f.hScore.learned).toBeLessThan(0.9 * f.hScore.theory);
    expect(max(f.principalAngles)).toBeGreaterThan(10 * max(c.principalAngles));
    console.info(`exp 1 local: angles ${Array.from(c.principalAngles, (a) => a.toExponential(2))}, far: ${Array.from(f.principalAngles, (a) => a.toFixed(3))}`);
  });
});

describe("experiment 2: hidden layer 8 → 4 (tanh, frozen) → 3 (sigmoid) → 6", () => {
  it("local regime, weights in the local region: the sigmoid layer's features match the restricted SVD", async () => {
    const r = await hiddenLayerExperiment();
    expect(max(r.comparison.principalAngles)).toBeLessThan(0.01);
    expect(r.linearisedAngles[2]).toBeLessThan(0.01);
    expect(r.comparison.relativeError.product!).toBeLessThan(0.02);
    expect(Math.abs(r.comparison.hScore.learned - r.theory.hScore) / r.theory.hScore).toBeLessThan(5e-3);
    console.info(`exp 2 local: angles ${Array.from(r.comparison.principalAngles, (a) => a.toExponential(2))}, H ${r.comparison.hScore.learned.toExponential(4)} vs ${r.theory.hScore.toExponential(4)}`);
  });

  it("degrades far from independence and when the weights leave the local region (Glorot scale)", async () => {
    const far = await hiddenLayerExperiment({ regime: { kind: "far", epsilon: 1 } });
    expect(max(far.comparison.principalAngles)).toBeGreaterThan(0.3);
    const big = await hiddenLayerExperiment({ hiddenInitScale: 1, outputInit: "glorot" });
    expect(max(big.comparison.principalAngles)).toBeGreaterThan(0.1);
    console.info(`exp 2 far: ${Array.from(far.comparison.principalAngles, (a) => a.toFixed(3))}, Glorot-scale: ${Array.from(big.comparison.principalAngles, (a) => a.toFixed(3))}`);
  });
});

describe("experiment 3: MMSE network vs reduced-rank regression", () => {
  it("the 6 → 2 → 4 linear network learns the reduced-rank features and reaches the minimum MSE", async () => {
    const r = await mmseExperiment({ n: 500, steps: 800 });
    expect(max(r.principalAngles)).toBeLessThan(1e-3);
    expect(Math.abs(r.learnedMse - r.theoryMse) / r.theoryMse).toBeLessThan(1e-4);
    expect(r.mapError).toBeLessThan(1e-3);
    console.info(`exp 3: angles ${Array.from(r.principalAngles, (a) => a.toExponential(2))}, MSE ${r.learnedMse} vs ${r.theoryMse}`);
  });
});

describe("experiment 4 and the tfjs wrapper", () => {
  it("hScoreBesideAccuracy: closed form for features that determine the class", () => {
    const features = [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]; // 6×2: class c at its own point
    const labels = [0, 1, 2, 0, 1, 2];
    const r = hScoreBesideAccuracy(features, 6, 2, labels, [0, 1, 2, 0, 1, 1]);
    expect(r.hScore).toBeCloseTo(1, 12); // cov(E[f|Y]) = cov(f): ½·tr(I₂)
    expect(r.hScoreMax).toBe(1);
    expect(r.accuracy).toBeCloseTo(5 / 6, 15);
    expect(r.classes).toBe(3);
    expect(() => hScoreBesideAccuracy(features, 6, 2, labels, [0, 1])).toThrow(ShapeError);
    // dead units (constant 0 columns 2 and 3) are dropped and change nothing
    const withDead = Array.from({ length: 24 }, (_, i) => (i % 4 < 2 ? features[Math.floor(i / 4) * 2 + (i % 4)] : 0)); // 6×4
    const d = hScoreBesideAccuracy(withDead, 6, 4, labels, 0.5);
    expect(d.kUsed).toBe(2);
    expect(d.hScore).toBeCloseTo(1, 12);
    expect(() => hScoreBesideAccuracy(withDead, 6, 4, labels, 0.5, { dropConstant: false })).toThrow(SingularMatrixError);
  });

  it("compareWithTfjsModel reads a Dense layer's input and kernel: a model built from the theory matches it", async () => {
    await useCpuBackend();
    const { pxy } = countJoint(8, 6, 4);
    const theory = await optimalFeatures(pxy, 8, 6, 2);
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [8], units: 2, name: "feature" }), tf.layers.dense({ units: 6, name: "output" })],
    });
    model.getLayer("feature").setWeights([tf.tensor2d(Float32Array.from(theory.features), [8, 2]), tf.zeros([2])]);
    const kernel = new Float32Array(12); // 2×6 = weightsᵀ
    for (let y = 0; y < 6; y++) for (let a = 0; a < 2; a++) kernel[a * 6 + y] = theory.weights[y * 2 + a];
    model.getLayer("output").setWeights([tf.tensor2d(kernel, [2, 6]), tf.tensor1d(Float32Array.from(theory.bias))]);
    const c = await compareWithTfjsModel(model, theory, { layer: "output" });
    expect(max(c.principalAngles)).toBeLessThan(1e-5);
    expect(c.relativeError.product!).toBeLessThan(1e-5);
    expect(c.learned.weights).toBeDefined();
    await expect(compareWithTfjsModel(model, theory, { layer: "nope" })).rejects.toThrow(ShapeError);
    model.dispose();
  });
});
