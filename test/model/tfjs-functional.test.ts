/**
 * Functional (non-Sequential) tfjs models: a residual block with BatchNormalization, a depthwise convolution,
 * a concatenation and global average pooling, trained a few seeded steps so the batch statistics are not
 * trivial. The imported graph must predict what tfjs predicts, and its Jacobians (float64 central differences
 * of the float64 reference forward, and the engine's exact ones) must equal tfjs autodiff per class.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { Model } from "../../src/model/model.js";
import { createEngine } from "../../src/api/engine.js";
import type { TfjsLayersModelLike } from "../../src/model/tfjs.js";
import { finiteDifferenceJacobian, referenceForward, softmax } from "../../src/reference/forward.js";
import { mulberry32, uniformF32 } from "../reference/seeded.js";

const init = (seed: number) => ({
  kernelInitializer: tf.initializers.glorotUniform({ seed }),
  biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed + 1000 }),
});

/** input 8×8×2 → conv 4 → BN → relu → [conv 4 → BN] + skip → relu → depthwise ×2 ‖ conv 1×1 → concat → GAP → dense 5 → softmax. */
function residualNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 2] });
  const stem = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", ...init(1) }).apply(input) as tf.SymbolicTensor;
  const bn1 = tf.layers.batchNormalization({}).apply(stem) as tf.SymbolicTensor;
  const a1 = tf.layers.reLU().apply(bn1) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", ...init(2) }).apply(a1) as tf.SymbolicTensor;
  const bn2 = tf.layers.batchNormalization({}).apply(c2) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([bn2, a1]) as tf.SymbolicTensor;
  const a2 = tf.layers.activation({ activation: "relu" }).apply(sum) as tf.SymbolicTensor;
  const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", depthMultiplier: 2, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(a2) as tf.SymbolicTensor;
  const pw = tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: "relu", ...init(4) }).apply(a2) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate().apply([dw, pw]) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({}).apply(cat) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 5, activation: "softmax", ...init(5) }).apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe("Model.fromTfjs on a functional model with residual Add, BatchNormalization, DepthwiseConv2D, Concatenate", () => {
  let net: tf.LayersModel;
  let model: Model;
  const n = 6;
  const X = uniformF32(mulberry32(11), n * 128); // n×8×8×2, NHWC

  beforeAll(async () => {
    net = residualNet();
    net.compile({ optimizer: tf.train.sgd(0.05), loss: "categoricalCrossentropy" });
    const xs = tf.tensor(Array.from(uniformF32(mulberry32(5), 32 * 128)), [32, 8, 8, 2]);
    const ys = tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 5), "int32"), 5);
    await net.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    xs.dispose();
    ys.dispose();
    model = Model.fromTfjs(net as unknown as TfjsLayersModelLike);
  });
  afterAll(() => net.dispose());

  it("imports the graph with the tfjs layer names and non-trivial batch statistics", () => {
    expect(model.isChain).toBe(false);
    const types = model.layers.map((l) => l.type);
    expect(types).toEqual(["conv2d", "batchNorm", "activation", "conv2d", "batchNorm", "add", "activation", "conv2d", "conv2d", "concat", "globalAvgPool2d", "dense"]);
    const add = model.layers[5];
    expect(add.inputs.map((j) => model.layers[j].type)).toEqual(["batchNorm", "activation"]);
    const bn = model.layers[1] as Extract<typeof add, { type: "batchNorm" }> & { mean: Float64Array; variance: Float64Array };
    expect(Array.from(bn.mean).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    expect(Array.from(bn.variance).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    expect(model.layers[7]).toMatchObject({ type: "conv2d", groups: 4, filters: 8 });
  });

  it("predicts what tfjs predicts (float64 reference forward, 1e-5)", () => {
    const pred = tf.tidy(() => (net.predict(tf.tensor(Array.from(X), [n, 8, 8, 2])) as tf.Tensor).dataSync());
    for (let p = 0; p < n; p++) {
      const probs = softmax(referenceForward(model, X.subarray(p * 128, (p + 1) * 128)).output);
      for (let j = 0; j < 5; j++) expect(Math.abs(probs[j] - pred[p * 5 + j])).toBeLessThan(1e-5);
    }
  });

  it("has Jacobians equal to tfjs tf.grad per class (float64 central differences of the reference, 1e-4)", () => {
    for (let p = 0; p < 2; p++) {
      const x = X.subarray(p * 128, (p + 1) * 128);
      const fd = finiteDifferenceJacobian((v) => softmax(referenceForward(model, v).output), x); // 5×128
      for (let c = 0; c < 5; c++) {
        const g = tf.tidy(() => tf.grad((t: tf.Tensor) => (net.apply(t) as tf.Tensor).slice([0, c], [1, 1]).sum())(tf.tensor(Array.from(x), [1, 8, 8, 2])).dataSync());
        let scale = 0;
        for (let k = 0; k < 128; k++) scale = Math.max(scale, Math.abs(g[k]));
        for (let k = 0; k < 128; k++) expect(Math.abs(fd[c * 128 + k] - g[k])).toBeLessThan(1e-4 * Math.max(scale, 1e-3));
      }
    }
  });

  it("has engine Jacobians (exact, float32) equal to tfjs tf.grad per class (1e-4)", async () => {
    const engine = await createEngine({ workers: 0 });
    try {
      const J = await engine.jacobian(model, X.subarray(0, 3 * 128), { output: "probs" }); // 3×5×128
      for (let p = 0; p < 3; p++) {
        const x = X.subarray(p * 128, (p + 1) * 128);
        for (let c = 0; c < 5; c++) {
          const g = tf.tidy(() => tf.grad((t: tf.Tensor) => (net.apply(t) as tf.Tensor).slice([0, c], [1, 1]).sum())(tf.tensor(Array.from(x), [1, 8, 8, 2])).dataSync());
          let scale = 0;
          for (let k = 0; k < 128; k++) scale = Math.max(scale, Math.abs(g[k]));
          for (let k = 0; k < 128; k++) expect(Math.abs(J.data[(p * 5 + c) * 128 + k] - g[k])).toBeLessThan(1e-4 * Math.max(scale, 1e-3));
        }
      }
    } finally {
      await engine.close();
    }
  });
});
