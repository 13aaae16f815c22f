/**
 * The PyTorch network graphs of test/fixtures/onnx-graphs (a CIFAR ResNet with BatchNorm and projection
 * shortcuts, a VGG-style net with ceil-mode max pooling, a dilated conv and count_include_pad average pooling,
 * a depthwise-separable block concatenated with a shortcut) imported with Model.fromOnnx and evaluated with the
 * float64 reference forward pass, against PyTorch's float64 outputs and Jacobians at 32 points.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { compileNetwork, valueBlock } from "../../src/model/compile.js";
import { graphForward, graphVjp } from "../../src/reference/graph.js";
import type { Layer } from "../../src/model/types.js";
import { Model } from "../../src/model/model.js";
import { loadGraphCase, maxRelativeError, nchwIndexOf, PYTORCH_GRAPHS, type PytorchGraphCase } from "./pytorch-fixtures.js";

const measured: Record<string, Record<string, number>> = {};
const record = (name: string, key: string, v: number) => ((measured[name] ??= {})[key] = v);

/** A seeded direction of unit max-norm (xorshift32). */
function direction(d: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: d }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  });
}

const logSoftmax = (z: Float64Array) => Float64Array.from(softmax(z), Math.log);

/** J·v for an m×d row-major J. */
function jvp(J: Float64Array, v: Float64Array): Float64Array {
  const d = v.length;
  const m = J.length / d;
  return Float64Array.from({ length: m }, (_, i) => J.subarray(i * d, (i + 1) * d).reduce((a, x, j) => a + x * v[j], 0));
}

/**
 * Central differences along v at x of the logits f and of their log-softmax, from one evaluation of f at x
 * and x ± h v; undefined when the second difference shows a kink (a ReLU or a max-pool choice switching)
 * within h of x along v, where the central difference is not the derivative.
 */
function directional(f: (x: Float64Array) => Float64Array, x: Float64Array, v: Float64Array, h: number): { logits: Float64Array; logprobs: Float64Array } | undefined {
  const at = (t: number) => f(Float64Array.from(x, (xi, j) => xi + t * v[j]));
  const [fp, f0, fm] = [at(h), at(0), at(-h)];
  const scale = Math.max(1, ...Array.from(f0, Math.abs));
  if (f0.some((y, i) => Math.abs(fp[i] - 2 * y + fm[i]) > 1e-12 * scale)) return undefined;
  const [lp, lm] = [logSoftmax(fp), logSoftmax(fm)];
  return { logits: Float64Array.from(fp, (y, i) => (y - fm[i]) / (2 * h)), logprobs: Float64Array.from(lp, (y, i) => (y - lm[i]) / (2 * h)) };
}

const count = (c: PytorchGraphCase, type: Layer["type"]) => c.model.layers.filter((l) => l.type === type).length;

describe.each(PYTORCH_GRAPHS)("ONNX graph %s against PyTorch (float64 reference forward)", (name) => {
  const c = loadGraphCase(name);

  it("the NHWC inputs are the NCHW inputs transposed, and the model takes [H, W, C]", () => {
    const [ch, h, w] = c.shapeNchw;
    expect(c.model.inputShape).toEqual([h, w, ch]);
    const src = nchwIndexOf(c.shapeNchw);
    for (let p = 0; p < c.inputs.length; p++) expect(Array.from(c.inputs[p], (_, i) => c.inputsNchw[p][src(i)])).toEqual(Array.from(c.inputs[p]));
    expect(c.inputs).toHaveLength(32);
  });

  it("outputs agree with PyTorch's float64 logits at all 32 points", () => {
    const errors = c.inputs.map((x, p) => maxRelativeError(referenceForward(c.model, x).output, c.outputs[p]));
    record(name, "forward", Math.max(...errors));
    // Same float32 weights, both sides in float64: only summation order differs (the issue asks 1e-4).
    for (const e of errors) expect(e).toBeLessThan(1e-12);
  });

  it("the stored log-probability Jacobians are (I − 1pᵀ) times the logit Jacobians (fixture consistency)", () => {
    let worst = 0;
    for (let p = 0; p < c.inputs.length; p++) {
      const J = c.jacobianLogits[p];
      const d = J.length / 10;
      const prob = softmax(c.outputs[p]);
      const mean = new Float64Array(d); // pᵀJ
      for (let i = 0; i < 10; i++) for (let j = 0; j < d; j++) mean[j] += prob[i] * J[i * d + j];
      worst = Math.max(worst, maxRelativeError(Float64Array.from(J, (v, k) => v - mean[k % d]), c.jacobianLogprobs[p]));
    }
    expect(worst).toBeLessThan(1e-5); // float32 storage
  });

  it("the compiled network (BatchNorm folded) and its float64 twin's VJP reproduce PyTorch's outputs and Jacobians of logits and log-probabilities", () => {
    const net = compileNetwork(c.model);
    const m = net.outputSize;
    // the plain-loop twin takes ~0.7 s per ResNet point (10 reverse passes): a subset on the larger nets
    const points = c.inputs.map((_, p) => p).slice(0, { resnet_cifar: 4, vgg_ceil_dilated: 8, depthwise_separable: 32 }[name]);
    const eye = Float64Array.from({ length: m * m }, (_, k) => (k % (m + 1) === 0 ? 1 : 0));
    let worst = { forward: 0, logits: 0, logprobs: 0 };
    for (const p of points) {
      const st = graphForward(net, c.inputs[p]);
      const out = valueBlock(net, net.outputNode);
      const logits = st.values.slice(out.offset, out.offset + out.size);
      const J = graphVjp(net, st, net.outputNode, eye, m); // m×d, row i = ∂logit_i/∂x
      const d = J.length / m;
      const prob = softmax(logits);
      const mean = new Float64Array(d);
      for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) mean[j] += prob[i] * J[i * d + j];
      worst = {
        forward: Math.max(worst.forward, maxRelativeError(logits, c.outputs[p])),
        logits: Math.max(worst.logits, maxRelativeError(J, c.jacobianLogits[p])),
        logprobs: Math.max(worst.logprobs, maxRelativeError(Float64Array.from(J, (v, k) => v - mean[k % d]), c.jacobianLogprobs[p])),
      };
    }
    record(name, "twinForward", worst.forward);
    record(name, "twinJacobianLogits", worst.logits);
    record(name, "twinJacobianLogprobs", worst.logprobs);
    record(name, "twinPoints", points.length);
    expect(worst.forward).toBeLessThan(1e-12); // folding BatchNorm changes rounding only
    expect(worst.logits).toBeLessThan(1e-6); // float32-stored reference (the issue asks 1e-3)
    expect(worst.logprobs).toBeLessThan(1e-6);
  });

  it("directional central differences of the imported model agree with PyTorch's Jacobians (logits and log-probabilities)", () => {
    const f = (x: Float64Array) => referenceForward(c.model, x).output;
    let worstLogits = 0;
    let worstLogprobs = 0;
    let compared = 0;
    let kinked = 0;
    for (const p of [0, 9, 21]) {
      for (const seed of [1, 2, 3]) {
        const v = direction(c.inputs[p].length, 7919 * (p + 1) + seed);
        const fd = directional(f, c.inputs[p], v, 1e-7);
        if (!fd) {
          kinked++;
          continue;
        }
        compared++;
        worstLogits = Math.max(worstLogits, maxRelativeError(fd.logits, jvp(c.jacobianLogits[p], v)));
        worstLogprobs = Math.max(worstLogprobs, maxRelativeError(fd.logprobs, jvp(c.jacobianLogprobs[p], v)));
      }
    }
    record(name, "jacobianLogitsFd", worstLogits);
    record(name, "jacobianLogprobsFd", worstLogprobs);
    record(name, "kinkedDirections", kinked);
    expect(compared).toBeGreaterThanOrEqual(6); // of 9 directions
    expect(worstLogits).toBeLessThan(1e-5);
    expect(worstLogprobs).toBeLessThan(1e-5);
  });
});

describe("the imported graphs' structure", () => {
  it("ResNet: BatchNorm kept as nodes, residual adds with fused ReLU named after PyTorch's modules, projection shortcuts", () => {
    const c = loadGraphCase("resnet_cifar");
    const m = c.model;
    expect(count(c, "batchNorm")).toBe(1 + 6 * 2 + 2);
    expect(count(c, "add")).toBe(6);
    expect(count(c, "globalAvgPool2d")).toBe(1);
    const block = m.layers[m.nodeIndex("layer2.0.relu2")];
    expect(block).toMatchObject({ type: "add", activation: "relu" });
    expect(block.inputs.map((i) => m.layers[i].name)).toEqual(["layer2.0.bn2", "layer2.0.shortcut.1"]);
    expect(m.layers[m.nodeIndex("layer2.0.conv1")]).toMatchObject({ type: "conv2d", strides: [2, 2], pads: [1, 1, 1, 1], kernelSize: [3, 3] });
    expect(m.layers[m.nodeIndex("layer2.0.shortcut.0")]).toMatchObject({ type: "conv2d", strides: [2, 2], pads: [0, 0, 0, 0], kernelSize: [1, 1] });
    expect(m.shapes[m.nodeIndex("layer3.1.relu2")]).toEqual([8, 8, 64]);
    expect(m.layers[m.layers.length - 1]).toMatchObject({ type: "dense", name: "fc", units: 10 });
  });

  it("VGG: dilated conv, ceil-mode max pools, the zero Pad folded into a count_include_pad average pool, the Shape/Gather/Reshape flatten", () => {
    const c = loadGraphCase("vgg_ceil_dilated");
    const m = c.model;
    expect(m.layers.map((l) => l.type)).toEqual(["conv2d", "conv2d", "maxPool2d", "conv2d", "maxPool2d", "avgPool2d", "flatten", "dense", "dense"]);
    expect(m.layers[1]).toMatchObject({ dilations: [2, 2], pads: [2, 2, 2, 2], activation: "relu" });
    expect(m.layers[m.nodeIndex("pool1")]).toMatchObject({ ceilMode: true, poolSize: [3, 3], strides: [2, 2] });
    expect(m.shapes[m.nodeIndex("pool1")]).toEqual([12, 12, 16]); // floor mode would give 11
    expect(m.shapes[m.nodeIndex("pool2")]).toEqual([6, 6, 32]); // floor mode: 5
    expect(m.layers[m.nodeIndex("pool3")]).toMatchObject({ type: "avgPool2d", pads: [1, 1, 1, 1], countIncludePad: true });
  });

  it("depthwise-separable: groups = C, a channel concat with the shortcut, LeakyReLU after the concat", () => {
    const c = loadGraphCase("depthwise_separable");
    const m = c.model;
    expect(m.layers[m.nodeIndex("depthwise")]).toMatchObject({ type: "conv2d", groups: 8, filters: 8, strides: [2, 2] });
    const cat = m.layers[m.nodeIndex("concat")];
    expect(cat.inputs.map((i) => m.layers[i].name)).toEqual(["relu_pw", "shortcut"]);
    expect(m.shapes[m.nodeIndex("concat")]).toEqual([8, 8, 24]);
    expect(m.layers[m.nodeIndex("act")]).toMatchObject({ type: "activation", activation: "leakyRelu", alpha: 0.1 });
  });
});

it.each([
  ["vgg_ceil_dilated", 11],
  ["vgg_ceil_dilated", 17],
  ["depthwise_separable", 11],
  ["depthwise_separable", 17],
] as const)("%s exported at opset %i imports to the same graph and the same outputs", (name, opset) => {
  const c = loadGraphCase(name);
  const m = Model.fromOnnx(new Uint8Array(readFileSync(new URL(`../fixtures/onnx-graphs/${name}.opset${opset}.onnx`, import.meta.url))));
  expect(m.layers.map((l) => [l.name, l.type, l.inputs])).toEqual(c.model.layers.map((l) => [l.name, l.type, l.inputs]));
  for (let p = 0; p < c.inputs.length; p++) expect(maxRelativeError(referenceForward(m, c.inputs[p]).output, c.outputs[p])).toBeLessThan(1e-12);
});

it("the imported graphs survive model.toJSON() → Model.fromJSON with their node names and outputs (version 2 for graphs)", () => {
  for (const name of ["vgg_ceil_dilated", "depthwise_separable"] as const) {
    const c = loadGraphCase(name);
    const doc = c.model.toJSON();
    expect(doc.version).toBe(2);
    const back = Model.fromJSON(JSON.parse(JSON.stringify(doc)));
    expect(back.layers.map((l) => l.name)).toEqual(c.model.layers.map((l) => l.name));
    // JSON weights are float32 (base64) or numbers: the imported weights are float32 values, so nothing is lost
    for (const p of [0, 1]) expect(Array.from(referenceForward(back, c.inputs[p]).output)).toEqual(Array.from(referenceForward(c.model, c.inputs[p]).output));
  }
});

it("report: measured agreement of the imported graphs with PyTorch", () => {
  console.log(JSON.stringify(measured, null, 1));
  expect(Object.keys(measured)).toHaveLength(PYTORCH_GRAPHS.length);
});
