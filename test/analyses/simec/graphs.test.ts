/**
 * SiMEC/SiMExp on real architectures (issue 11): the report's shipped MNIST CNN (conv → max pool → conv → max
 * pool → dense → dense, softmax) and a small ResNet (residual adds, batchNorm, stride-2 projection, global
 * average pooling). The probabilities along each path are checked against the independent float64
 * reference forward (src/reference/forward.ts), not against the kernel's own outputs.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import { loadDataset } from "../../../src/data/datasets.js";
import { Model } from "../../../src/model/model.js";
import { referenceForward, softmax } from "../../../src/reference/forward.js";
import type { PathResult } from "../../../src/analyses/equivalenceClass.js";
import { smallResNet } from "../../support/resnet.js";

const CNN = new URL("../../../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url);

let engine: Engine;
let cnn: Model;
let images: Float32Array;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
  cnn = await Model.load(CNN);
  images = (await loadDataset("mnist:test", { limit: 4 })).X;
});
afterAll(() => engine.close());

const image = (i: number) => Float64Array.from(images.subarray(i * 784, (i + 1) * 784));

/**
 * Reference probabilities at every `every`-th point of the path: their largest change from p(x0) (the drift,
 * independently), and the largest disagreement with the path's recorded outputs.
 */
function referenceDrift(model: Model, r: PathResult, every: number): { drift: number; mismatch: number } {
  const p0 = softmax(referenceForward(model, r.points.subarray(r.startIndex * r.d, (r.startIndex + 1) * r.d)).output);
  let drift = 0, mismatch = 0;
  const at = Array.from({ length: Math.ceil(r.k / every) }, (_, i) => i * every).concat(r.k - 1);
  for (const k of at) {
    const p = softmax(referenceForward(model, r.points.subarray(k * r.d, (k + 1) * r.d)).output);
    for (let j = 0; j < r.m; j++) {
      drift = Math.max(drift, Math.abs(p[j] - p0[j]));
      mismatch = Math.max(mismatch, Math.abs(p[j] - r.outputs[k * r.m + j]));
    }
  }
  return { drift, mismatch };
}

/** The largest change of p along the straight segment from x0 with the path's length, in a seeded direction. */
function straightChange(model: Model, x0: Float64Array, length: number): number {
  const v = x0.map((_, i) => Math.sin(12.9898 * i + 78.233));
  const n = Math.hypot(...v);
  const p0 = softmax(referenceForward(model, x0).output);
  const p = softmax(referenceForward(model, x0.map((x, i) => x + (length * v[i]) / n)).output);
  return Math.max(...p.map((q, j) => Math.abs(q - p0[j])));
}

describe("SiMEC on the report's MNIST CNN", () => {
  test("1 000 steps of 1e-3 from a test image (p_max 0.959) keep the probabilities: drift < 1e-3 (reference forward), energy ≈ 0", async () => {
    const x0 = image(0);
    const r = await engine.equivalenceClass(cnn, x0, { delta: 1e-3, steps: 1000, bothDirections: false, seed: 1 });
    expect(r.k).toBe(1001);
    expect(r.stopReason).toBe("steps");
    expect(r.length).toBeCloseTo(1, 9);
    expect(r.drift).toBeLessThan(1e-3);
    expect(r.energy).toBeLessThan(1e-20);
    const ref = referenceDrift(cnn, r, 50);
    expect(ref.mismatch).toBeLessThan(1e-12); // the recorded outputs are the network's probabilities
    expect(ref.drift).toBeLessThan(1e-3);
    expect(straightChange(cnn, x0, 1)).toBeGreaterThan(20 * ref.drift); // a generic walk of the same length moves p
  }, 120_000);

  test("boxMode in [0, 1]: stop ends on the box at once (the image has pixels at 0), clamp continues projected, slide stays in ker g", async () => {
    const x0 = image(3), steps = 200, box: [number, number] = [0, 1];
    const base = { delta: 1e-3, steps, bothDirections: false, seed: 2, box };
    const stop = await engine.equivalenceClass(cnn, x0, { ...base, boxMode: "stop" });
    expect(stop.stopReason).toBe("boundary");
    expect(stop.k).toBe(2);
    const clamp = await engine.equivalenceClass(cnn, x0, { ...base, boxMode: "clamp" });
    const slide = await engine.equivalenceClass(cnn, x0, { ...base, boxMode: "slide" });
    for (const r of [clamp, slide]) {
      expect(r.k).toBe(steps + 1);
      for (const v of r.points) expect(v >= 0 && v <= 1).toBe(true);
      const ref = referenceDrift(cnn, r, 25);
      expect(ref.mismatch).toBeLessThan(1e-12);
      expect(ref.drift).toBeLessThan(1e-3);
    }
    expect(clamp.length).toBeLessThan(steps * 1e-3 * 0.999); // projected steps are shorter
    expect(slide.length).toBeCloseTo(steps * 1e-3, 9); // sliding steps keep their length
    expect(slide.energy).toBeLessThan(1e-20); // and stay in the null space
  }, 120_000);
});

describe("SiMEC/SiMExp on a ResNet (residual adds, batchNorm, global average pooling)", () => {
  const resnet = new Model(smallResNet(1));
  const x0 = Float64Array.from({ length: resnet.inputSize }, (_, i) => 0.5 + 0.45 * Math.sin(0.61 * i));

  test("SiMEC: 1 000 steps of 1e-3 keep the probabilities (drift < 1e-3, reference forward), both directions joined", async () => {
    const r = await engine.equivalenceClass(resnet, x0, { delta: 1e-3, steps: 1000, bothDirections: true, seed: 3 });
    expect(r.k).toBe(2001);
    expect(r.startIndex).toBe(1000);
    expect(r.length).toBeCloseTo(2, 9);
    expect(r.drift).toBeLessThan(1e-3);
    expect(r.energy).toBeLessThan(1e-20);
    const ref = referenceDrift(resnet, r, 50);
    expect(ref.mismatch).toBeLessThan(1e-12);
    expect(ref.drift).toBeLessThan(1e-3);
    expect(straightChange(resnet, x0, 1)).toBeGreaterThan(20 * ref.drift);
  }, 120_000);

  test("SiMExp moves the probabilities until they changed by ε; workers give the same path", async () => {
    const e = await engine.explore(resnet, x0, { delta: 1e-3, steps: 5000, epsilon: 0.02, seed: 4 });
    expect(e.stopReason).toBe("target");
    const p0 = e.outputs.subarray(0, 10), pe = e.outputs.subarray((e.k - 1) * 10, e.k * 10);
    expect(Math.hypot(...pe.map((p, j) => p - p0[j]))).toBeGreaterThanOrEqual(0.02);
    expect(referenceDrift(resnet, e, 10).mismatch).toBeLessThan(1e-12);
    const pooled = await createEngine({ workers: 1 });
    try {
      const a = await pooled.equivalenceClass(resnet, x0, { delta: 1e-3, steps: 100, seed: 5, chunkSteps: 30 });
      const b = await engine.equivalenceClass(resnet, x0, { delta: 1e-3, steps: 100, seed: 5 });
      expect(Array.from(a.points)).toEqual(Array.from(b.points));
    } finally {
      await pooled.close();
    }
  }, 120_000);
});

describe("SiMEC on the PyTorch CIFAR ResNet (test/fixtures/onnx-graphs/resnet_cifar.onnx: 3 stages × 2 BasicBlocks, 16/32/64)", () => {
  test("a short walk (12 steps of 1e-3): in the kernel of the Fisher metric, outputs equal the float64 reference forward", async () => {
    const logits = Model.fromOnnx(new Uint8Array(readFileSync(new URL("../../fixtures/onnx-graphs/resnet_cifar.onnx", import.meta.url))));
    expect(logits.head).toBe("none"); // the export ends at the logits: classify with a softmax head (the Fisher metric)
    const model = new Model({ inputShape: logits.inputShape, layers: logits.layers, head: "softmax" });
    const x0 = Float64Array.from({ length: model.inputSize }, (_, i) => Math.sin(0.37 * i) + 0.5 * Math.cos(1.3 * i));
    const r = await engine.equivalenceClass(model, x0, { delta: 1e-3, steps: 12, bothDirections: false, seed: 6 });
    expect(r.k).toBe(13);
    expect(r.length).toBeCloseTo(12e-3, 12);
    expect(r.energy).toBeLessThan(1e-24);
    const ref = referenceDrift(model, r, 6);
    expect(ref.mismatch).toBeLessThan(1e-12);
    expect(ref.drift).toBeLessThan(1e-6); // second order in the step: ≈ 12 δ² · curvature
    expect(straightChange(model, x0, 12e-3)).toBeGreaterThan(100 * ref.drift);
  }, 120_000);
});
