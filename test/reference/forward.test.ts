import { describe, expect, it } from "vitest";
import { tf } from "../../src/tfjsQuiet.js";
import { finiteDifferenceJacobian, referenceForward, softmax } from "../../src/reference/forward.js";
import type { ActivationName, Layer, ModelSpec } from "../../src/model/types.js";
import { ShapeError } from "../../src/errors.js";
import { mulberry32, uniformF32 } from "./seeded.js";

/** Build the tfjs Sequential model with the same layers and weights as `spec` (tfjs computes in float32). */
function toTfjs(spec: ModelSpec): tf.Sequential {
  const m = tf.sequential();
  let first = true;
  const input = () => (first ? { inputShape: spec.inputShape } : {});
  for (const l of spec.layers) {
    const tfAct = (a: string) => (a === "leakyRelu" ? "linear" : a) as any;
    if (l.type === "dense") {
      const d = tf.layers.dense({ units: l.units, activation: tfAct(l.activation), ...input() });
      m.add(d);
      const inDim = l.kernel.length / l.units;
      d.setWeights([tf.tensor(Array.from(l.kernel), [inDim, l.units]), tf.tensor(Array.from(l.bias))]);
    } else if (l.type === "conv2d") {
      const c = tf.layers.conv2d({ filters: l.filters, kernelSize: l.kernelSize, strides: l.strides, padding: l.padding, activation: tfAct(l.activation), ...input() });
      m.add(c);
      const inC = l.kernel.length / (l.kernelSize[0] * l.kernelSize[1] * l.filters);
      c.setWeights([tf.tensor(Array.from(l.kernel), [...l.kernelSize, inC, l.filters]), tf.tensor(Array.from(l.bias))]);
    } else if (l.type === "maxPool2d") m.add(tf.layers.maxPooling2d({ poolSize: l.poolSize, strides: l.strides, padding: l.padding, ...input() }));
    else if (l.type === "avgPool2d") m.add(tf.layers.averagePooling2d({ poolSize: l.poolSize, strides: l.strides, padding: l.padding, ...input() }));
    else if (l.type === "flatten") m.add(tf.layers.flatten(input()));
    else if (l.type === "activation" && l.activation === "leakyRelu") m.add(tf.layers.leakyReLU({ alpha: l.alpha, ...input() }));
    else if (l.type === "activation") m.add(tf.layers.activation({ activation: l.activation as any, ...input() }));
    if ((l.type === "dense" || l.type === "conv2d") && l.activation === "leakyRelu") m.add(tf.layers.leakyReLU({ alpha: l.alpha }));
    first = false;
  }
  return m;
}

function denseLayer(rand: () => number, inDim: number, units: number, activation: ActivationName, alpha?: number): Layer {
  return { type: "dense", units, kernel: uniformF32(rand, inDim * units, 1 / Math.sqrt(inDim)), bias: uniformF32(rand, units, 0.3), activation, alpha };
}

function convLayer(rand: () => number, inC: number, filters: number, kernelSize: [number, number], strides: [number, number], padding: "valid" | "same", activation: "relu" | "linear" | "tanh" | "leakyRelu" = "relu"): Layer {
  const [kh, kw] = kernelSize;
  return { type: "conv2d", filters, kernelSize, strides, padding, kernel: uniformF32(rand, kh * kw * inC * filters, 1 / Math.sqrt(kh * kw * inC)), bias: uniformF32(rand, filters, 0.2), activation, alpha: activation === "leakyRelu" ? 0.15 : undefined };
}

/** Max |a − b| over max(1, max |b|): a relative error on the output's scale. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 1;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** Compare every layer output of the reference with tfjs `predict` on a few random points. */
function compareWithTfjs(spec: ModelSpec, rand: () => number, points = 4): void {
  const model = toTfjs(spec);
  const d = spec.inputShape.reduce((a, b) => a * b, 1);
  const X = uniformF32(rand, points * d, 1); // points×d, NHWC
  const pred = tf.tidy(() => (model.predict(tf.tensor(Array.from(X), [points, ...spec.inputShape])) as tf.Tensor).dataSync());
  const m = pred.length / points;
  for (let p = 0; p < points; p++) {
    const ref = referenceForward(spec, X.subarray(p * d, (p + 1) * d));
    expect(ref.output.length).toBe(m);
    expect(relErr(ref.output, pred.subarray(p * m, (p + 1) * m))).toBeLessThan(1e-5);
  }
  model.dispose();
}

describe("referenceForward: hand-computed cases", () => {
  it("dense relu, leakyRelu default alpha 0.3, and pre-activations", () => {
    const spec: ModelSpec = {
      inputShape: [2],
      head: "none",
      layers: [
        { type: "dense", units: 2, kernel: Float64Array.of(1, -1, 2, 1), bias: Float64Array.of(0.5, -4), activation: "relu" },
        { type: "dense", units: 1, kernel: Float64Array.of(1, -3), bias: Float64Array.of(-10), activation: "linear" },
        { type: "activation", activation: "leakyRelu" },
      ],
    };
    // x = (1, 2): z1 = (1·1 + 2·2 + 0.5, 1·(−1) + 2·1 − 4) = (5.5, −3) → relu (5.5, 0); z2 = 5.5 − 10 = −4.5 → leaky −1.35
    const r = referenceForward(spec, [1, 2]);
    expect(Array.from(r.preActivations[0])).toEqual([5.5, -3]);
    expect(Array.from(r.layerOutputs[0])).toEqual([5.5, 0]);
    expect(Array.from(r.layerOutputs[1])).toEqual([-4.5]);
    expect(Array.from(r.preActivations[2])).toEqual([-4.5]);
    expect(r.output[0]).toBeCloseTo(-1.35, 14);
  });

  it("softplus is stable for large |z| and sigmoid saturates without NaN", () => {
    const spec: ModelSpec = { inputShape: [3], head: "none", layers: [{ type: "activation", activation: "softplus" }] };
    const y = referenceForward(spec, [800, -800, 0]).output;
    expect(y[0]).toBe(800);
    expect(y[1]).toBe(0);
    expect(y[2]).toBeCloseTo(Math.LN2, 15);
    const s = referenceForward({ inputShape: [2], head: "none", layers: [{ type: "activation", activation: "sigmoid" }] }, [-800, 800]).output;
    expect(Array.from(s)).toEqual([0, 1]);
  });

  it("avgPool2d 'same' divides by the real cells only; maxPool2d ignores padding", () => {
    // 3×3×1 image 1..9, pool 2×2 stride 2 same: out 2×2, total pad 1 → pad before 0, after 1.
    const img = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const avg = referenceForward({ inputShape: [3, 3, 1], head: "none", layers: [{ type: "avgPool2d", poolSize: [2, 2], strides: [2, 2], padding: "same" }] }, img).output;
    expect(Array.from(avg)).toEqual([(1 + 2 + 4 + 5) / 4, (3 + 6) / 2, (7 + 8) / 2, 9]);
    const neg = img.map((v) => -v);
    const max = referenceForward({ inputShape: [3, 3, 1], head: "none", layers: [{ type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], padding: "same" }] }, neg).output;
    expect(Array.from(max)).toEqual([-1, -3, -7, -9]);
  });

  it("rejects an input of the wrong length with ShapeError", () => {
    expect(() => referenceForward({ inputShape: [2, 2, 1], head: "none", layers: [{ type: "flatten" }] }, [1, 2, 3])).toThrow(ShapeError);
  });

  it("softmax sums to one and survives large logits", () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    const e = [Math.exp(-1), 1, Math.exp(-2)];
    const s = e[0] + e[1] + e[2];
    e.forEach((v, i) => expect(p[i]).toBeCloseTo(v / s, 15));
  });

  it("finiteDifferenceJacobian recovers a linear map and the derivative of a smooth one", () => {
    const A = [1, 2, -3, 0.5, 4, -1]; // 2×3
    const J = finiteDifferenceJacobian((x) => [A[0] * x[0] + A[1] * x[1] + A[2] * x[2], A[3] * x[0] + A[4] * x[1] + A[5] * x[2]], [0.3, -0.2, 0.9]);
    A.forEach((v, i) => expect(J[i]).toBeCloseTo(v, 8));
    const Js = finiteDifferenceJacobian((x) => [Math.sin(x[0]) * x[1]], [0.7, 2]);
    expect(Js[0]).toBeCloseTo(Math.cos(0.7) * 2, 8);
    expect(Js[1]).toBeCloseTo(Math.sin(0.7), 8);
  });
});

describe("referenceForward equals tfjs predict (float32) to 1e-5 relative", () => {
  it("random dense networks with every activation", () => {
    for (const seed of [1, 2, 3]) {
      const rand = mulberry32(seed);
      const spec: ModelSpec = {
        inputShape: [7],
        head: "softmax",
        layers: [
          denseLayer(rand, 7, 16, "relu"),
          denseLayer(rand, 16, 12, "leakyRelu", 0.2),
          denseLayer(rand, 12, 10, "tanh"),
          { type: "activation", activation: "sigmoid" },
          denseLayer(rand, 10, 9, "softplus"),
          denseLayer(rand, 9, 8, "sigmoid"),
          { type: "activation", activation: "leakyRelu", alpha: 0.05 },
          denseLayer(rand, 8, 5, "linear"),
        ],
      };
      compareWithTfjs(spec, rand);
    }
  });

  it("random conv/pool networks (valid and same padding, strides, max and avg pooling)", () => {
    for (const seed of [11, 12]) {
      const rand = mulberry32(seed);
      const spec: ModelSpec = {
        inputShape: [11, 10, 2],
        head: "none",
        layers: [
          convLayer(rand, 2, 4, [3, 2], [2, 1], "same"), // 6×10×4
          { type: "maxPool2d", poolSize: [2, 3], strides: [2, 2], padding: "same" }, // 3×5×4
          convLayer(rand, 4, 3, [2, 2], [1, 1], "valid", "leakyRelu"), // 2×4×3
          { type: "avgPool2d", poolSize: [2, 3], strides: [1, 2], padding: "same" }, // 2×2×3
          { type: "flatten" },
          denseLayer(rand, 12, 6, "relu"),
          denseLayer(rand, 6, 3, "linear"),
        ],
      };
      compareWithTfjs(spec, rand);
    }
    const rand = mulberry32(13);
    compareWithTfjs(
      {
        inputShape: [9, 9, 1],
        head: "none",
        layers: [
          convLayer(rand, 1, 3, [3, 3], [2, 2], "valid", "tanh"), // 4×4×3
          { type: "avgPool2d", poolSize: [3, 3], strides: [2, 2], padding: "same" }, // 2×2×3
          convLayer(rand, 3, 2, [3, 3], [1, 1], "same", "linear"), // 2×2×2
          { type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" }, // 1×1×2
          { type: "flatten" },
        ],
      },
      rand,
    );
  });
});
