import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tf } from "../../src/tfjsQuiet.js";
import { createEngine, Model, type Engine } from "../../src/index.js";
import { OptionError } from "../../src/errors.js";
import { mulberry32 } from "../../src/random.js";
import { referenceForward } from "../../src/reference/forward.js";
import { randomCnn, randomMlp, randomPoints, wideConv } from "../support/models.js";
import { fdJacobian, pointsAwayFromKinks, relError, type OutputKind } from "../support/reference.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

/** Compare engine Jacobians with float64 central differences at each point (1e-3 relative, the bar). */
async function expectMatchesFd(model: Model, X: Float32Array, output: OutputKind = "logits", tol = 1e-3) {
  const d = model.inputSize;
  const J = await engine.jacobian(model, X, { output });
  const [n, m] = J.shape;
  expect(J.shape[2]).toBe(d);
  for (let i = 0; i < n; i++) {
    const ref = fdJacobian(model, X.subarray(i * d, (i + 1) * d), output);
    expect(ref.length).toBe(m * d);
    expect(relError(J.data.subarray(i * m * d, (i + 1) * m * d), ref)).toBeLessThan(tol);
  }
  return J;
}

describe("jacobian against float64 finite differences", () => {
  test("ReLU MLP 784-256-256-10, logits", async () => {
    const model = randomMlp([784, 256, 256, 10], 1);
    const X = pointsAwayFromKinks(model, randomPoints(40, 784, 11, 0, 1), 784, 3, 1e-4);
    await expectMatchesFd(model, X);
  });

  test("small MLPs: relu / leakyRelu / smooth activations, every output kind", async () => {
    for (const [act, alpha] of [["relu", undefined], ["leakyRelu", 0.1], ["sigmoid", undefined], ["tanh", undefined], ["softplus", undefined]] as const) {
      const model = randomMlp([7, 13, 9, 5], 3, act, "softmax", alpha);
      const X = pointsAwayFromKinks(model, randomPoints(30, 7, 5), 7, 4, 1e-4);
      for (const output of ["logits", "logprobs", "probs", { layer: 0 }, { layer: 1 }] as OutputKind[]) await expectMatchesFd(model, X, output);
    }
  });

  test("forward mode (input narrower than the output): 2-32-32-3, hidden layers", async () => {
    const model = randomMlp([2, 32, 32, 3], 5);
    const X = pointsAwayFromKinks(model, randomPoints(30, 2, 9), 2, 5, 1e-4);
    for (const output of [{ layer: 0 }, { layer: 1 }, "logits", "probs"] as OutputKind[]) await expectMatchesFd(model, X, output);
  });

  test("CNN on 28×28×1 (conv valid/same, max and average pooling, flatten, dense)", async () => {
    const model = randomCnn(28, 28, 1, 10, 2);
    const X = pointsAwayFromKinks(model, randomPoints(20, 784, 3, 0, 1), 784, 2, 1e-4);
    await expectMatchesFd(model, X);
    await expectMatchesFd(model, X, "logprobs");
  });

  test("CNN with strides, same padding and a multi-channel input, forward mode on a hidden conv layer", async () => {
    const model = Model.fromJSON({
      format: "foliate-model",
      version: 1,
      inputShape: [5, 6, 2],
      layers: [
        { type: "conv2d", filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: "same", kernel: Array.from(randomPoints(1, 3 * 2 * 2 * 3, 21)), bias: [0.1, -0.2, 0.05], activation: "relu" },
        { type: "maxPool2d", poolSize: [2, 2], strides: [1, 2], padding: "same" },
        { type: "flatten" },
        { type: "dense", units: 4, kernel: Array.from(randomPoints(1, 3 * 3 * 3 * 4, 22)), bias: [0, 0.1, 0.2, 0.3] },
      ],
    });
    const X = pointsAwayFromKinks(model, randomPoints(40, 60, 23), 60, 3, 1e-4);
    await expectMatchesFd(model, X);
    await expectMatchesFd(model, X, { layer: 0 });
  });
});

describe("jacobian against tfjs autodiff (tf.grad of each summed logit)", () => {
  function tfjsJacobian(tm: tf.LayersModel, X: Float32Array, shape: number[], C: number): Float32Array {
    const n = X.length / shape.reduce((a, b) => a * b, 1);
    const d = X.length / n;
    const x = tf.tensor(X, [n, ...shape]);
    const out = new Float32Array(n * C * d);
    for (let c = 0; c < C; c++) {
      const g = tf.grad((t: tf.Tensor) => (tm.apply(t) as tf.Tensor).slice([0, c], [n, 1]).sum())(x);
      const gd = g.dataSync();
      for (let i = 0; i < n; i++) out.set(gd.subarray(i * d, (i + 1) * d), (i * C + c) * d);
      g.dispose();
    }
    x.dispose();
    return out;
  }

  test("dense and CNN models built and trained-shaped in tfjs, imported with Model.fromTfjs", async () => {
    await tf.setBackend("cpu");
    const init = (seed: number) => tf.initializers.heNormal({ seed });
    const mlp = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [20], units: 32, activation: "relu", kernelInitializer: init(1), biasInitializer: tf.initializers.randomNormal({ seed: 2, stddev: 0.1 }) }),
        tf.layers.dense({ units: 16, activation: "relu", kernelInitializer: init(3) }),
        tf.layers.dense({ units: 6, activation: "softmax", kernelInitializer: init(4) }),
      ],
    });
    const cnn = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: "relu", kernelInitializer: init(5) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 5, kernelInitializer: init(6) }),
      ],
    });
    for (const [tm, shape, C] of [[mlp, [20], 6], [cnn, [12, 12, 1], 5]] as const) {
      const model = Model.fromTfjs(tm);
      const d = model.inputSize;
      const X = pointsAwayFromKinks(model, randomPoints(30, d, 31, 0, 1), d, 4, 1e-4);
      const ours = await engine.jacobian(model, X, { output: "logits" });
      // tfjs's final softmax is our head: differentiate tfjs's logits (the same model without it)
      const theirs = tfjsJacobian(tm === mlp ? stripSoftmax(tm) : tm, X, [...shape], C);
      expect(relError(ours.data, theirs)).toBeLessThan(1e-4);
    }
  });
});

/** A copy of a tfjs model whose last dense layer has its softmax removed (same weights). */
function stripSoftmax(tm: tf.Sequential): tf.LayersModel {
  const copy = tf.sequential();
  tm.layers.forEach((l, i) => {
    const cfg = l.getConfig();
    if (i === tm.layers.length - 1) cfg.activation = "linear";
    if (i === 0) cfg.batchInputShape = (l as tf.layers.Layer).batchInputShape;
    const layer = tf.layers.dense(cfg as unknown as Parameters<typeof tf.layers.dense>[0]);
    copy.add(layer);
    layer.setWeights(l.getWeights());
  });
  return copy;
}

describe("jacobian and the 4 GiB Wasm memory", () => {
  const model = wideConv(); // 64×64×1 → "conv" (262 144 outputs) → "squeeze" (4 096) → "fc" (3)
  const d = model.inputSize;
  const x0 = Float32Array.from({ length: d }, (_, i) => 0.5 + 0.4 * Math.sin(0.37 * i));

  test("nodes too wide are refused with an OptionError naming the node and the GiB, before any chunk runs", async () => {
    // "conv": forward mode, the m×d Jacobian alone is 4 GiB; "squeeze": reverse mode, the cotangent rows over
    // every node output, which the kernels' 32-bit size would wrap to 141 MiB (a memory access out of bounds)
    for (const [layer, node, m] of [["conv", 0, 262144], ["squeeze", 1, 4096]] as const) {
      const progress: number[] = [];
      const call = engine.jacobian(model, x0, { output: { layer }, onProgress: (done) => progress.push(done) });
      await expect(call).rejects.toBeInstanceOf(OptionError);
      const message = await call.then(() => "", (e: Error) => e.message);
      expect(message).toMatch(new RegExp(`^output\\.layer "${layer}" \\(node ${node}\\): the Jacobian of a node with m = ${m} outputs needs [\\d.]+ GiB at d = 4096 `));
      expect(message).toMatch(/more than the 4 GiB Wasm memory; choose a narrower node$/);
      expect(Number(/needs ([\d.]+) GiB/.exec(message)![1])).toBeGreaterThan((4096 * 270339 * 4) / 2 ** 30);
      expect(progress).toEqual([]);
    }
  });

  test("the same model's logits still run: J v equals float64 central differences along v", async () => {
    const J = await engine.jacobian(model, x0);
    expect(J.shape).toEqual([1, 3, d]);
    const rand = mulberry32(4);
    const v = Float64Array.from({ length: d }, () => rand() - 0.5);
    const h = 1e-5;
    const at = (s: number) => referenceForward(model, Array.from(x0, (x, t) => x + s * v[t])).output;
    const plus = at(h), minus = at(-h);
    const fd = Array.from(plus, (p, c) => (p - minus[c]) / (2 * h));
    const Jv = [0, 1, 2].map((c) => J.data.subarray(c * d, (c + 1) * d).reduce((s, a, t) => s + a * v[t], 0));
    expect(relError(Jv, fd)).toBeLessThan(1e-4);
  });
});
