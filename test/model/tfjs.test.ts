import { describe, expect, it } from "vitest";
import { tf } from "../../src/tfjsQuiet.js";
import { Model } from "../../src/model/model.js";
import type { TfjsLayersModelLike } from "../../src/model/tfjs.js";
import { ModelFormatError, NonFiniteError, UnsupportedLayerError } from "../../src/errors.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { mulberry32, uniformF32 } from "../reference/seeded.js";
import { expectFoliateError } from "./errors.js";

const init = (seed: number) => ({
  kernelInitializer: tf.initializers.randomUniform({ minval: -0.6, maxval: 0.6, seed }),
  biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seed + 1000 }),
});

/** Import `model`, then compare the reference forward pass (softmax applied for a softmax head) with predict. */
function expectSamePredictions(model: tf.Sequential, seed: number, points = 5): Model {
  const imported = Model.fromTfjs(model as unknown as TfjsLayersModelLike);
  const d = imported.inputSize;
  const X = uniformF32(mulberry32(seed), points * d); // points×d, NHWC
  const pred = tf.tidy(() => (model.predict(tf.tensor(Array.from(X), [points, ...imported.inputShape])) as tf.Tensor).dataSync());
  const m = imported.outputSize;
  expect(pred.length).toBe(points * m);
  for (let p = 0; p < points; p++) {
    const logits = referenceForward(imported, X.subarray(p * d, (p + 1) * d)).output;
    const out = imported.head === "softmax" ? softmax(logits) : logits;
    for (let j = 0; j < m; j++) expect(Math.abs(out[j] - pred[p * m + j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(pred[p * m + j])));
  }
  return imported;
}

describe("Model.fromTfjs imports Sequential models that predict exactly like tfjs", () => {
  it("dense network with Dropout, ReLU, LeakyReLU, Activation layers and a softmax activation head", () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [6], units: 10, activation: "relu", ...init(1) }));
    m.add(tf.layers.dropout({ rate: 0.5 }));
    m.add(tf.layers.dense({ units: 8, activation: "tanh", ...init(2) }));
    m.add(tf.layers.leakyReLU({ alpha: 0.2 }));
    m.add(tf.layers.dense({ units: 7, activation: "sigmoid", ...init(3) }));
    m.add(tf.layers.activation({ activation: "softplus" }));
    m.add(tf.layers.reLU());
    m.add(tf.layers.dense({ units: 4, activation: "softmax", ...init(4) }));
    const imported = expectSamePredictions(m, 10);
    expect(imported.head).toBe("softmax");
    expect(imported.layers.map((l) => ("activation" in l ? `${l.type}:${l.activation}` : l.type))).toEqual([
      "dense:relu",
      "dense:tanh",
      "activation:leakyRelu",
      "dense:sigmoid",
      "activation:softplus",
      "activation:relu",
      "dense:linear",
    ]);
    expect((imported.layers[2] as { alpha?: number }).alpha).toBeCloseTo(0.2, 7);
    const [kernel, bias] = m.layers[0].getWeights().map((w) => Array.from(w.dataSync()));
    expect(Array.from((imported.layers[0] as { kernel: Float64Array }).kernel)).toEqual(kernel);
    expect(Array.from((imported.layers[0] as { bias: Float64Array }).bias)).toEqual(bias);
    m.dispose();
  });

  it("CNN with InputLayer, strided same/valid conv, no-bias conv, max/avg pooling, Flatten and a Softmax layer", () => {
    const m = tf.sequential();
    m.add(tf.layers.inputLayer({ inputShape: [12, 10, 3] }));
    m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu", ...init(5) })); // 6×5×4
    m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: "same" })); // 3×3×4
    m.add(tf.layers.conv2d({ filters: 3, kernelSize: [2, 2], useBias: false, ...init(6) })); // 2×2×3
    m.add(tf.layers.leakyReLU({ alpha: 0.1 }));
    m.add(tf.layers.averagePooling2d({ poolSize: [2, 1], strides: [1, 1], padding: "same" })); // 2×2×3
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 5, ...init(7) }));
    m.add(tf.layers.softmax());
    const imported = expectSamePredictions(m, 11);
    expect(imported.shapes).toEqual([[6, 5, 4], [3, 3, 4], [2, 2, 3], [2, 2, 3], [2, 2, 3], [12], [5]]);
    expect(imported.head).toBe("softmax");
    expect(Array.from((imported.layers[2] as { bias: Float64Array }).bias)).toEqual([0, 0, 0]);
    m.dispose();
  });

  it("imported models round-trip through JSON exactly", () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [3], units: 2, activation: "relu", ...init(8) }));
    const imported = Model.fromTfjs(m as unknown as TfjsLayersModelLike);
    expect(Model.fromJSON(JSON.stringify(imported)).layers).toEqual(imported.layers);
    m.dispose();
  });
});

describe("Model.fromTfjs rejects what it cannot import, naming the tfjs layer", () => {
  const build = (...layers: tf.layers.Layer[]) => {
    const m = tf.sequential();
    layers.forEach((l) => m.add(l));
    return m as unknown as TfjsLayersModelLike;
  };
  it("unsupported layer class", () => {
    const m = build(tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.layerNormalization());
    expectFoliateError(() => Model.fromTfjs(m), UnsupportedLayerError, /tfjs layer 1 "layer_normalization\w*" \(LayerNormalization\): layer class LayerNormalization is not supported; supported: Dense, Conv2D/);
  });
  it("batch normalization over another axis", () => {
    const m = build(tf.layers.conv2d({ inputShape: [4, 4, 2], filters: 2, kernelSize: 1 }), tf.layers.batchNormalization({ axis: 1 }));
    expectFoliateError(() => Model.fromTfjs(m), UnsupportedLayerError, /\(BatchNormalization\): axis 1 is not supported \(the channel axis, -1, only\)/);
  });
  it("channelsFirst", () => {
    const m = build(tf.layers.maxPooling2d({ inputShape: [2, 8, 8], poolSize: 2, dataFormat: "channelsFirst" }));
    expectFoliateError(() => Model.fromTfjs(m), UnsupportedLayerError, /\(MaxPooling2D\): dataFormat "channelsFirst" is not supported/);
  });
  it("bounded ReLU", () => {
    const m = build(tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.reLU({ maxValue: 6 }));
    expectFoliateError(() => Model.fromTfjs(m), UnsupportedLayerError, /\(ReLU\): maxValue 6 is not supported/);
  });
  it("unsupported activation", () => {
    const m = build(tf.layers.dense({ inputShape: [4], units: 3, activation: "elu" }));
    expectFoliateError(() => Model.fromTfjs(m), UnsupportedLayerError, /tfjs layer 0 "dense\w*" \(Dense\): activation "elu" is not supported/);
  });
  it("softmax before the last layer", () => {
    const m = build(tf.layers.dense({ inputShape: [4], units: 3, activation: "softmax" }), tf.layers.dense({ units: 2 }));
    expectFoliateError(() => Model.fromTfjs(m), UnsupportedLayerError, /tfjs layer 0 "dense\w*" \(Dense\): softmax is only supported as the classifier head/);
  });
  it("dense on an image without Flatten", () => {
    const m = build(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3 }), tf.layers.dense({ units: 2 }));
    expectFoliateError(() => Model.fromTfjs(m), ModelFormatError, /tfjs layer 1 "dense\w*" \(Dense\): expects a flat input, got shape \[2,2,2\]/);
  });
  it("NaN weight", () => {
    const m = build(tf.layers.dense({ inputShape: [2], units: 2 }));
    (m.layers[0] as tf.layers.Layer).setWeights([tf.tensor([[1, 2], [NaN, 4]]), tf.tensor([0, 0])]);
    expectFoliateError(() => Model.fromTfjs(m), NonFiniteError, /tfjs layer 0 "dense\w*" \(Dense\): field "kernel" has a non-finite value NaN at flat index 2/);
  });
  it("objects that are not tfjs models", () => {
    expectFoliateError(() => Model.fromTfjs({} as TfjsLayersModelLike), ModelFormatError, /expects a tfjs LayersModel/);
    expectFoliateError(() => Model.fromTfjs({ layers: [{}], inputs: [{ shape: [null, 2] }] }), ModelFormatError, /tfjs layer 0: not a tfjs Layer/);
    expectFoliateError(() => Model.fromTfjs({ layers: [], inputs: [{ shape: [null, 2] }] }), ModelFormatError, /no layers to import/);
  });
});
