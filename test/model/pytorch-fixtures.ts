/**
 * The PyTorch reference nets (test/fixtures/onnx-pytorch): each ONNX model imported with Model.fromOnnx,
 * with PyTorch's float64 inputs, outputs and Jacobians rearranged into Foliate's NHWC input order.
 *
 * For the engine: `jacobianAgreementWithPytorch(c, (model, x) => engine.jacobian(model, x))` compares any
 * Jacobian implementation with PyTorch's and returns the max relative error per point.
 */
import { readFileSync } from "node:fs";
import { Model } from "../../src/model/model.js";
import { readNpy } from "../../src/io/npy.js";

export const PYTORCH_MODELS = ["mlp_relu_leaky", "cnn_mnist_like", "smooth_regression"] as const;
export type PytorchModelName = (typeof PYTORCH_MODELS)[number];

export interface PytorchCase {
  name: PytorchModelName;
  model: Model;
  /** PyTorch's per-sample input shape: [d] or [C, H, W]. */
  shapeNchw: number[];
  /** Per point: the input flattened in Foliate's order (NHWC for images), length d. */
  inputs: Float64Array[];
  /** Per point: PyTorch's output, length m. */
  outputs: Float64Array[];
  /** Per point: PyTorch's Jacobian, m×d row-major, columns in Foliate's input order. */
  jacobians: Float64Array[];
}

const fixtureUrl = (file: string) => new URL(`../fixtures/onnx-pytorch/${file}`, import.meta.url);
const npy = (file: string) => readNpy(new Uint8Array(readFileSync(fixtureUrl(file))));

/** Foliate (NHWC) flat index → PyTorch (NCHW) flat index, for a per-sample shape [C, H, W] or [d]. */
export function nchwIndexOf(shapeNchw: readonly number[]): (i: number) => number {
  if (shapeNchw.length !== 3) return (i) => i;
  const [c, h, w] = shapeNchw;
  return (i) => (i % c) * h * w + Math.floor(i / c); // i = (y·W + x)·C + ch
}

export function loadPytorchCase(name: PytorchModelName): PytorchCase {
  const model = Model.fromOnnx(new Uint8Array(readFileSync(fixtureUrl(`${name}.onnx`))));
  const x = npy(`${name}.inputs.npy`);
  const y = npy(`${name}.outputs.npy`);
  const jac = npy(`${name}.jacobians.npy`);
  const [n, ...shapeNchw] = x.shape;
  const d = shapeNchw.reduce((a, b) => a * b, 1);
  const m = y.shape[1];
  const src = nchwIndexOf(shapeNchw);
  const inputs: Float64Array[] = [];
  const outputs: Float64Array[] = [];
  const jacobians: Float64Array[] = [];
  for (let p = 0; p < n; p++) {
    inputs.push(Float64Array.from({ length: d }, (_, i) => x.data[p * d + src(i)])); // NHWC
    outputs.push(Float64Array.from(y.data.subarray(p * m, (p + 1) * m)));
    const J = new Float64Array(m * d); // m×d, columns in NHWC order
    for (let r = 0; r < m; r++) for (let i = 0; i < d; i++) J[r * d + i] = jac.data[(p * m + r) * d + src(i)];
    jacobians.push(J);
  }
  return { name, model, shapeNchw, inputs, outputs, jacobians };
}

/** max |a − e| / max |e|: the error relative to the reference's scale (entries near zero do not blow it up). */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return Number.isNaN(err) ? Infinity : err / Math.max(scale, 1e-300);
}

/**
 * Compare a Jacobian implementation with PyTorch's at every reference point. `jacobianAt(model, x)` gets x in
 * Foliate's input order and must return the m×d row-major Jacobian with columns in that order.
 */
export async function jacobianAgreementWithPytorch(
  c: PytorchCase,
  jacobianAt: (model: Model, x: Float64Array) => ArrayLike<number> | Promise<ArrayLike<number>>,
): Promise<number[]> {
  const errors: number[] = [];
  for (let p = 0; p < c.inputs.length; p++) errors.push(maxRelativeError(await jacobianAt(c.model, c.inputs[p]), c.jacobians[p]));
  return errors;
}

/** The same for a forward pass: `forwardAt(model, x)` returns the m outputs. */
export async function forwardAgreementWithPytorch(
  c: PytorchCase,
  forwardAt: (model: Model, x: Float64Array) => ArrayLike<number> | Promise<ArrayLike<number>>,
): Promise<number[]> {
  const errors: number[] = [];
  for (let p = 0; p < c.inputs.length; p++) errors.push(maxRelativeError(await forwardAt(c.model, c.inputs[p]), c.outputs[p]));
  return errors;
}

/** The PyTorch network graphs of test/fixtures/onnx-graphs (scripts/fixtures/pytorch_graphs.py). */
export const PYTORCH_GRAPHS = ["resnet_cifar", "vgg_ceil_dilated", "depthwise_separable"] as const;
export type PytorchGraphName = (typeof PYTORCH_GRAPHS)[number];

export interface PytorchGraphCase {
  name: PytorchGraphName;
  bytes: Uint8Array;
  model: Model;
  /** PyTorch's per-sample input shape [C, H, W]. */
  shapeNchw: number[];
  /** Per point: the input flattened NHWC (Foliate's order), length d, from `*.inputs_nhwc.npy`. */
  inputs: Float64Array[];
  /** Per point: the same input flattened NCHW (PyTorch's order), from `*.inputs_nchw.npy`. */
  inputsNchw: Float64Array[];
  /** Per point: PyTorch's float64 logits, length m. */
  outputs: Float64Array[];
  /** Per point: ∂logits/∂x, m×d row-major, columns NHWC (stored as float32). */
  jacobianLogits: Float64Array[];
  /** Per point: ∂log_softmax(logits)/∂x, m×d row-major, columns NHWC (stored as float32). */
  jacobianLogprobs: Float64Array[];
}

const graphUrl = (file: string) => new URL(`../fixtures/onnx-graphs/${file}`, import.meta.url);
const graphNpy = (file: string) => readNpy(new Uint8Array(readFileSync(graphUrl(file))));

/** Per-point rows of an [n, ...] array as Float64Arrays. */
function perPoint(a: { shape: number[]; data: ArrayLike<number> }): Float64Array[] {
  const [n] = a.shape;
  const size = a.data.length / n;
  return Array.from({ length: n }, (_, p) => Float64Array.from({ length: size }, (_, k) => a.data[p * size + k]));
}

export function loadGraphCase(name: PytorchGraphName): PytorchGraphCase {
  const bytes = new Uint8Array(readFileSync(graphUrl(`${name}.onnx`)));
  const nchw = graphNpy(`${name}.inputs_nchw.npy`);
  return {
    name,
    bytes,
    model: Model.fromOnnx(bytes),
    shapeNchw: nchw.shape.slice(1),
    inputs: perPoint(graphNpy(`${name}.inputs_nhwc.npy`)),
    inputsNchw: perPoint(nchw),
    outputs: perPoint(graphNpy(`${name}.outputs.npy`)),
    jacobianLogits: perPoint(graphNpy(`${name}.jac_logits.npy`)),
    jacobianLogprobs: perPoint(graphNpy(`${name}.jac_logprobs.npy`)),
  };
}
