/**
 * The normalized in-memory form of a Foliate model: what every importer (JSON, tfjs, ONNX, SiMEC text)
 * produces and what the engine compiles. Weights are Float64Array so that float64 paths (leaves,
 * equivalence classes) see the source values exactly; float32 kernels get float32 copies.
 * Images are NHWC: an input of shape [H, W, C] is flattened row-major as h, w, c.
 */

/** Pointwise nonlinearities. `linear` is the identity. `leakyRelu` uses `alpha` (Keras default 0.3). */
export type ActivationName = "linear" | "relu" | "leakyRelu" | "sigmoid" | "tanh" | "softplus";

export const ACTIVATIONS: readonly ActivationName[] = ["linear", "relu", "leakyRelu", "sigmoid", "tanh", "softplus"];

/** Piecewise-linear activations: they give the network linear regions. */
export const PIECEWISE_LINEAR: ReadonlySet<ActivationName> = new Set(["linear", "relu", "leakyRelu"]);

/** y = act(x · kernel + bias); kernel is [in, out] row-major (Keras/tfjs convention). */
export interface DenseLayer {
  type: "dense";
  units: number;
  kernel: Float64Array; // in×out, row-major
  bias: Float64Array; // out
  activation: ActivationName;
  alpha?: number;
}

/** NHWC convolution; kernel is [kh, kw, inC, outC] row-major (Keras/tfjs convention). */
export interface Conv2dLayer {
  type: "conv2d";
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: "valid" | "same";
  kernel: Float64Array; // kh×kw×inC×outC, row-major
  bias: Float64Array; // outC
  activation: ActivationName;
  alpha?: number;
}

/** Max or average pooling over NHWC windows (tfjs conventions for "same" padding; average excludes padding). */
export interface Pool2dLayer {
  type: "maxPool2d" | "avgPool2d";
  poolSize: [number, number];
  strides: [number, number];
  padding: "valid" | "same";
}

/** Flattens [H, W, C] to [H·W·C] in NHWC order: a no-op on the memory layout. */
export interface FlattenLayer {
  type: "flatten";
}

/** A standalone activation layer (JSON `{"type": "relu"}` normalizes to this). */
export interface ActivationLayer {
  type: "activation";
  activation: ActivationName;
  alpha?: number;
}

export type Layer = DenseLayer | Conv2dLayer | Pool2dLayer | FlattenLayer | ActivationLayer;

/**
 * A validated model. A final softmax in the source is not a layer here: it sets `head: "softmax"` and the
 * logits are the output of the last layer.
 */
export interface ModelSpec {
  inputShape: number[]; // [d] or [H, W, C]
  layers: Layer[];
  head: "softmax" | "none";
}

/** The JSON document form (`format: "foliate-model"`). Weights: number arrays or base64 little-endian float32. */
export interface ModelJSON {
  format: "foliate-model";
  version: 1;
  inputShape: number[];
  layers: Record<string, unknown>[];
  [extra: string]: unknown;
}

/** Bounds checked before any allocation: a model cannot make the engine allocate gigabytes by declaring them. */
export const LIMITS = {
  /** Total weights and biases. */
  maxParameters: 64 * 1024 * 1024,
  /** Values in any one layer's output for one point. */
  maxActivationSize: 16 * 1024 * 1024,
  /** Any single dimension (units, filters, H, W, C, kernel size). */
  maxDimension: 1 << 20,
  maxLayers: 512,
  /** Nesting depth of a JSON document accepted by the parser. */
  maxJsonDepth: 64,
} as const;
