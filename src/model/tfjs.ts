/**
 * Import of trained @tensorflow/tfjs models, Sequential or functional. Each tfjs layer is translated to a
 * foliate-model layer (weights passed as the Float32Arrays tfjs holds), and the document then goes through the
 * same validation as JSON, with messages naming the tfjs layer (`tfjs layer 3 "dense_Dense2" (Dense)`).
 * Supported: Dense, Conv2D (channelsLast, dilations), DepthwiseConv2D, MaxPooling2D, AveragePooling2D,
 * GlobalAveragePooling2D, BatchNormalization (inference statistics), Add, Concatenate (channels), Flatten,
 * Activation, ReLU, LeakyReLU, Softmax (last layer only: the classifier head), InputLayer (skipped) and
 * Dropout (the identity at inference). tfjs stays a dev dependency: only the structural interfaces below are used.
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import { parseModelDocument } from "./json.js";
import { DEFAULT_LEAKY_ALPHA, type LooseModelSpec } from "./types.js";

/** The part of a tfjs Tensor the importer reads. */
export interface TfjsTensorLike {
  shape: number[];
  dataSync(): ArrayLike<number | string>;
}

/** The part of a tfjs Layer the importer reads. */
export interface TfjsLayerLike {
  name?: string;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  getWeights(): TfjsTensorLike[];
}

/** The part of a tfjs LayersModel that the importer reads (kept structural: tfjs is not a runtime dependency). */
export interface TfjsLayersModelLike {
  layers: unknown[];
  inputs?: { shape: (number | null)[] }[];
}

const SUPPORTED = [
  "Dense", "Conv2D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "BatchNormalization",
  "Add", "Concatenate", "Flatten", "Activation", "ReLU", "LeakyReLU", "Softmax", "InputLayer", "Dropout",
];

/** tfjs activation identifiers that foliate supports, by name (anything else is unsupported). */
const ACTIVATION_NAMES = new Set(["linear", "relu", "sigmoid", "tanh", "softplus", "softmax"]);

function isLayerLike(v: unknown): v is TfjsLayerLike {
  const l = v as TfjsLayerLike;
  return v !== null && typeof v === "object" && typeof l.getClassName === "function" && typeof l.getConfig === "function" && typeof l.getWeights === "function";
}

function inputShapeOf(m: TfjsLayersModelLike, first: TfjsLayerLike | undefined): number[] {
  let shape: unknown = m.inputs?.[0]?.shape;
  if ((m.inputs?.length ?? 1) > 1) throw new UnsupportedLayerError(`tfjs model has ${m.inputs!.length} inputs; only single-input Sequential models are supported`);
  if (shape === undefined && first) shape = first.getConfig().batchInputShape;
  if (!Array.isArray(shape) || shape.length < 2)
    throw new ModelFormatError(`tfjs model: input shape must be [batch, ...dims], got ${JSON.stringify(shape ?? null)}`);
  const dims = shape.slice(1);
  if (!dims.every((s) => typeof s === "number" && Number.isInteger(s) && s > 0))
    throw new ModelFormatError(`tfjs model: input shape [${shape.map((s) => (s === null ? "null" : s))}] must have fixed positive sizes after the batch dimension`);
  return dims as number[];
}

/** The tfjs layers a layer reads (its first inbound node), by name; [] for an input layer. */
function inboundNames(layer: TfjsLayerLike): string[] {
  const nodes = (layer as { inboundNodes?: { inboundLayers?: { name: string }[] }[] }).inboundNodes;
  if (!nodes || nodes.length === 0) return [];
  if (nodes.length > 1) throw new UnsupportedLayerError(`tfjs layer ${JSON.stringify(layer.name)}: is applied ${nodes.length} times (shared layers are not supported)`);
  return (nodes[0].inboundLayers ?? []).map((l) => l.name);
}

/** True for a functional model whose layers do not simply read the layer before them. */
function isGraph(m: TfjsLayersModelLike, layers: TfjsLayerLike[]): boolean {
  if ((m as { getClassName?: () => string }).getClassName?.() === "Sequential") return false;
  let previous: string | undefined;
  return layers.some((l) => {
    const ins = inboundNames(l);
    const chained = previous === undefined ? ins.length === 0 || ins.length === 1 : ins.length === 1 && ins[0] === previous;
    previous = l.name;
    return !chained;
  });
}

/**
 * Translate a trained tfjs model into a validated ModelSpec: Sequential models (and functional chains) as a
 * version-1 document, functional graphs (Add, Concatenate, shared inputs) as a version-2 document whose node
 * names are the tfjs layer names.
 */
export function modelFromTfjs(m: TfjsLayersModelLike): LooseModelSpec {
  if (m === null || typeof m !== "object" || !Array.isArray(m.layers))
    throw new ModelFormatError(`Model.fromTfjs expects a tfjs LayersModel (an object with a "layers" array), got ${m === null ? "null" : typeof m}`);
  const tfLayers = m.layers;
  tfLayers.forEach((l, i) => {
    if (!isLayerLike(l)) throw new ModelFormatError(`tfjs layer ${i}: not a tfjs Layer (no getClassName/getConfig/getWeights)`);
  });
  const inputShape = inputShapeOf(m, tfLayers[0] as TfjsLayerLike | undefined);
  const typed = tfLayers as TfjsLayerLike[];
  const docs = typed.map(translateLayer);
  const v2Only = (d: (typeof docs)[number]) => typeof d === "object" && d.type === "conv2d" && (d.groups !== undefined || [d.dilations].flat().some((r) => r !== 1));
  if (isGraph(m, typed) || docs.some(v2Only)) {
    const names = new Set(typed.filter((l) => l.getClassName() !== "InputLayer").map((l) => l.name));
    const nodes = typed.flatMap((layer, i) => {
      const doc = docs[i];
      if (doc === "input") return [];
      const inputs = inboundNames(layer).map((name) => (names.has(name) ? name : "input"));
      return [{ ...(doc === "identity" ? { type: "identity" } : doc), name: layer.name ?? `tfjs_${i}`, inputs }];
    });
    return parseModelDocument({ format: "foliate-model", version: 2, inputShape, nodes });
  }
  const layers: Record<string, unknown>[] = [];
  const labels: string[] = [];
  typed.forEach((layer, i) => {
    const doc = docs[i];
    if (doc === "input" || doc === "identity") return;
    layers.push(doc);
    labels.push(labelOf(layer, i));
  });
  if (layers.length === 0) throw new ModelFormatError(`tfjs model has no layers to import`);
  return parseModelDocument({ format: "foliate-model", version: 1, inputShape, layers }, labels);
}

function labelOf(layer: TfjsLayerLike, i: number): string {
  return `tfjs layer ${i} ${JSON.stringify(layer.name ?? layer.getConfig().name ?? "")} (${layer.getClassName()})`;
}

/** One tfjs layer as a foliate-model layer document; "input" for an InputLayer, "identity" for Dropout. */
function translateLayer(layer: TfjsLayerLike, i: number): Record<string, unknown> | "input" | "identity" {
  const cls = layer.getClassName();
  const config = layer.getConfig();
  const label = labelOf(layer, i);
  const unsupported = (why: string) => new UnsupportedLayerError(`${label}: ${why}`);
  const activation = (): string => {
    const a = config.activation ?? "linear";
    if (typeof a !== "string" || !ACTIVATION_NAMES.has(a))
      throw unsupported(`activation ${JSON.stringify(a)} is not supported; supported: ${[...ACTIVATION_NAMES].join(", ")}`);
    return a;
  };
  const channelsLast = () => {
    if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") throw unsupported(`dataFormat ${JSON.stringify(config.dataFormat)} is not supported (channelsLast only)`);
  };
  const data = (t: TfjsTensorLike, what: string) => {
    const d = t.dataSync();
    if (!(d instanceof Float32Array || d instanceof Float64Array)) throw new ModelFormatError(`${label}: ${what} is not a float tensor`);
    return d;
  };
  const weights = (units: number): { kernel: ArrayLike<number>; bias: ArrayLike<number> } => {
    const w = layer.getWeights();
    const useBias = config.useBias !== false;
    if (w.length !== (useBias ? 2 : 1)) throw new ModelFormatError(`${label}: has ${w.length} weight tensors, expected ${useBias ? "kernel and bias" : "a kernel"}`);
    return { kernel: data(w[0], "kernel"), bias: useBias ? data(w[1], "bias") : new Float32Array(units) };
  };
  const padding = () => {
    if (config.padding !== "valid" && config.padding !== "same") throw unsupported(`padding ${JSON.stringify(config.padding)} is not supported (valid or same)`);
    return config.padding;
  };
  const lastAxis = () => {
    const axis = config.axis;
    if (axis !== undefined && axis !== -1 && axis !== 3) throw unsupported(`axis ${JSON.stringify(axis)} is not supported (the channel axis, -1, only)`);
  };

  switch (cls) {
    case "InputLayer":
      return "input";
    case "Dropout":
      return "identity";
    case "Dense": {
      const units = config.units as number;
      return { type: "dense", units, activation: activation(), ...weights(units) };
    }
    case "Conv2D": {
      channelsLast();
      const filters = config.filters as number;
      return { type: "conv2d", filters, kernelSize: config.kernelSize, strides: config.strides, dilations: config.dilationRate ?? 1, padding: padding(), activation: activation(), ...weights(filters) };
    }
    case "DepthwiseConv2D": {
      // tfjs kernel [kh, kw, inC, multiplier] is, in memory, the grouped kernel [kh, kw, 1, inC·multiplier]
      // with groups = inC (output channel c·multiplier + k reads input channel c).
      channelsLast();
      const [kernel, bias] = layer.getWeights();
      const [kh, kw, inC, mult] = kernel.shape;
      const filters = inC * mult;
      return {
        type: "conv2d", filters, kernelSize: [kh, kw], strides: config.strides, dilations: config.dilationRate ?? 1, groups: inC, padding: padding(),
        activation: activation(), kernel: data(kernel, "depthwise kernel"), bias: config.useBias === false ? new Float32Array(filters) : data(bias, "bias"),
      };
    }
    case "BatchNormalization": {
      lastAxis();
      const w = layer.getWeights();
      const scale = config.scale !== false, center = config.center !== false;
      if (w.length !== 2 + (scale ? 1 : 0) + (center ? 1 : 0)) throw new ModelFormatError(`${label}: has ${w.length} weight tensors, expected [gamma,] [beta,] moving mean, moving variance`);
      const c = w[w.length - 1].shape[0];
      let k = 0;
      const gamma = scale ? data(w[k++], "gamma") : new Float32Array(c).fill(1);
      const beta = center ? data(w[k++], "beta") : new Float32Array(c);
      return { type: "batchNorm", gamma, beta, mean: data(w[k++], "moving mean"), variance: data(w[k++], "moving variance"), epsilon: config.epsilon ?? 1e-3 };
    }
    case "Add":
      return { type: "add" };
    case "Concatenate":
      lastAxis();
      return { type: "concat" };
    case "GlobalAveragePooling2D":
      channelsLast();
      return { type: "globalAvgPool2d" };
    case "MaxPooling2D":
    case "AveragePooling2D":
      channelsLast();
      return { type: cls === "MaxPooling2D" ? "maxPool2d" : "avgPool2d", poolSize: config.poolSize, strides: config.strides ?? config.poolSize, padding: config.padding };
    case "Flatten":
      channelsLast();
      return { type: "flatten" };
    case "Activation":
      return { type: activation() };
    case "ReLU":
      if (config.maxValue !== undefined && config.maxValue !== null) throw unsupported(`maxValue ${JSON.stringify(config.maxValue)} is not supported (unbounded ReLU only)`);
      return { type: "relu" };
    case "LeakyReLU":
      return { type: "leakyRelu", alpha: config.alpha ?? DEFAULT_LEAKY_ALPHA };
    case "Softmax": {
      const axis = config.axis;
      const outShape = (layer as { outputShape?: unknown }).outputShape;
      const rank = Array.isArray(outShape) && !Array.isArray(outShape[0]) ? outShape.length : 2;
      if (axis !== undefined && axis !== -1 && axis !== rank - 1) throw unsupported(`softmax over axis ${JSON.stringify(axis)} is not supported (the last axis only)`);
      return { type: "softmax" };
    }
    default:
      throw unsupported(`layer class ${cls} is not supported; supported: ${SUPPORTED.join(", ")}`);
  }
}
