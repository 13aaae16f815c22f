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

/** Where a node takes its values from: indices of earlier nodes in `ModelSpec.layers`; INPUT (−1) is the data input. */
export const INPUT = -1;

/** Every node of the network graph has a unique name and its inputs (node indices, topologically earlier). */
export interface NodeBase {
  /** Unique within the model; usable wherever a `layer` option is accepted (`{ layer: "block2.relu" }`). */
  name: string;
  /** Indices of the nodes whose outputs this node reads, in order; INPUT (−1) is the model's input. */
  inputs: number[];
}

/** Explicit spatial padding [top, left, bottom, right] of a windowed op, in input cells. */
export type Pads = [number, number, number, number];

/** y = act(x · kernel + bias); kernel is [in, out] row-major (Keras/tfjs convention). */
export interface DenseLayer extends NodeBase {
  type: "dense";
  units: number;
  kernel: Float64Array; // in×out, row-major
  bias: Float64Array; // out
  activation: ActivationName;
  alpha?: number;
}

/**
 * NHWC convolution with explicit pads, strides, dilations and groups; kernel is [kh, kw, inC/groups, outC]
 * row-major (Keras/tfjs convention; groups = inC = outC/multiplier is depthwise). Output channel o belongs
 * to group ⌊o / (outC/groups)⌋ and reads input channels of that group only. Output size per axis:
 * ⌊(H + padT + padB − dh·(kh − 1) − 1) / sh⌋ + 1.
 */
export interface Conv2dLayer extends NodeBase {
  type: "conv2d";
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  dilations: [number, number];
  groups: number;
  pads: Pads;
  /** How the source declared its padding when it was a Keras keyword ("valid"/"same"); kept for v1 output. */
  padding?: "valid" | "same";
  kernel: Float64Array; // kh×kw×(inC/groups)×outC, row-major
  bias: Float64Array; // outC
  activation: ActivationName;
  alpha?: number;
}

/**
 * Max or average pooling over NHWC windows with explicit pads (ONNX semantics): padded cells never win a max
 * and, with countIncludePad false, are excluded from the average's divisor. ceilMode rounds the output size up
 * (PyTorch rule: the last window must start inside the input or the leading padding); a window overhanging
 * the input takes its valid part.
 */
export interface Pool2dLayer extends NodeBase {
  type: "maxPool2d" | "avgPool2d";
  poolSize: [number, number];
  strides: [number, number];
  pads: Pads;
  ceilMode: boolean;
  countIncludePad: boolean;
  padding?: "valid" | "same";
}

/** Mean over H and W of an [H, W, C] input; the output is flat, [C] (Keras GlobalAveragePooling2D). */
export interface GlobalAvgPoolLayer extends NodeBase {
  type: "globalAvgPool2d";
}

/**
 * Inference batch normalization over the last (channel) axis: y = γ (x − μ) / √(σ² + ε) + β. The compiler
 * folds it into a directly preceding conv2d/dense with no other consumer, else keeps it as an affine node.
 */
export interface BatchNormLayer extends NodeBase {
  type: "batchNorm";
  gamma: Float64Array; // C
  beta: Float64Array; // C
  mean: Float64Array; // C
  variance: Float64Array; // C
  epsilon: number;
}

/** Elementwise sum of two or more inputs of one shape (residual connections), then the activation. */
export interface AddLayer extends NodeBase {
  type: "add";
  activation: ActivationName;
  alpha?: number;
}

/** Concatenation of inputs along the last (channel) axis; the other dimensions must agree. */
export interface ConcatLayer extends NodeBase {
  type: "concat";
}

/** Flattens [H, W, C] to [H·W·C] in NHWC order: a no-op on the memory layout. */
export interface FlattenLayer extends NodeBase {
  type: "flatten";
}

/** A standalone activation node (JSON `{"type": "relu"}`, `identity`, `dropout` normalize to this). */
export interface ActivationLayer extends NodeBase {
  type: "activation";
  activation: ActivationName;
  alpha?: number;
}

/** A node of the network graph. (`Layer` is its historical name: a chain's nodes are its layers.) */
export type Layer =
  | DenseLayer
  | Conv2dLayer
  | Pool2dLayer
  | GlobalAvgPoolLayer
  | BatchNormLayer
  | AddLayer
  | ConcatLayer
  | FlattenLayer
  | ActivationLayer;
export type GraphNode = Layer;
export type NodeType = Layer["type"];

/** Keras' default LeakyReLU slope, used wherever `alpha` is absent (the one place it is written). */
export const DEFAULT_LEAKY_ALPHA = 0.3;

/**
 * A validated model: a directed acyclic graph of nodes with one data input, in topological order (every
 * input index is smaller than the node's own); the last node is the output. A final softmax in the source is
 * not a node here: it sets `head: "softmax"` and the logits are the output of the last node.
 */
export interface ModelSpec {
  inputShape: number[]; // [d] or [H, W, C]
  layers: Layer[];
  head: "softmax" | "none";
}

/** Distributes Omit over a union (so each node type keeps its own fields). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * What callers may hand to `new Model(...)`: a spec whose nodes may omit `name` (default `${type}_${index}`),
 * `inputs` (default: the previous node, i.e. a chain), and the windowed ops' explicit geometry (`pads` from
 * `padding` "valid"/"same" with TensorFlow's rule, `dilations` [1, 1], `groups` 1, `ceilMode` false,
 * `countIncludePad` false).
 */
export type LooseLayer = DistributiveOmit<Layer, "name" | "inputs" | "pads" | "dilations" | "groups" | "ceilMode" | "countIncludePad"> & {
  name?: string;
  inputs?: number[];
  pads?: Pads;
  dilations?: [number, number];
  groups?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
};

export interface LooseModelSpec {
  inputShape: number[];
  layers: LooseLayer[];
  head: "softmax" | "none";
}

/** The JSON document form (`format: "foliate-model"`). Weights: number arrays or base64 little-endian float32. */
export interface ModelJSON {
  format: "foliate-model";
  /** 1: a chain (`layers`); 2: a graph (`nodes` with named `inputs`). */
  version: 1 | 2;
  inputShape: number[];
  layers?: Record<string, unknown>[];
  nodes?: Record<string, unknown>[];
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
