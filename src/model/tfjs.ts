/**
 * Import of trained @tensorflow/tfjs Sequential models. Each tfjs layer is translated to a foliate-model layer
 * (weights passed as the Float32Arrays tfjs holds), and the document then goes through the same validation as
 * JSON, with messages naming the tfjs layer (`tfjs layer 3 "dense_Dense2" (Dense)`).
 * Supported: Dense, Conv2D (channelsLast, dilation 1), MaxPooling2D, AveragePooling2D, Flatten, Activation,
 * ReLU, LeakyReLU, Softmax (last layer only: the classifier head), InputLayer (skipped) and Dropout (the
 * identity at inference). tfjs stays a dev dependency: only the structural interfaces below are used.
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import { parseModelDocument } from "./json.js";
import type { LooseModelSpec } from "./types.js";

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

const SUPPORTED = ["Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten", "Activation", "ReLU", "LeakyReLU", "Softmax", "InputLayer", "Dropout"];

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

/** Translate a trained tfjs Sequential model into a validated ModelSpec. */
export function modelFromTfjs(m: TfjsLayersModelLike): LooseModelSpec {
  if (m === null || typeof m !== "object" || !Array.isArray(m.layers))
    throw new ModelFormatError(`Model.fromTfjs expects a tfjs LayersModel (an object with a "layers" array), got ${m === null ? "null" : typeof m}`);
  const tfLayers = m.layers;
  tfLayers.forEach((l, i) => {
    if (!isLayerLike(l)) throw new ModelFormatError(`tfjs layer ${i}: not a tfjs Layer (no getClassName/getConfig/getWeights)`);
  });
  const inputShape = inputShapeOf(m, tfLayers[0] as TfjsLayerLike | undefined);
  const layers: Record<string, unknown>[] = [];
  const labels: string[] = [];

  (tfLayers as TfjsLayerLike[]).forEach((layer, i) => {
    const cls = layer.getClassName();
    const config = layer.getConfig();
    const label = `tfjs layer ${i} ${JSON.stringify(layer.name ?? config.name ?? "")} (${cls})`;
    const unsupported = (why: string) => new UnsupportedLayerError(`${label}: ${why}`);
    const push = (doc: Record<string, unknown>) => {
      layers.push(doc);
      labels.push(label);
    };
    const activation = (): string => {
      const a = config.activation ?? "linear";
      if (typeof a !== "string" || !ACTIVATION_NAMES.has(a))
        throw unsupported(`activation ${JSON.stringify(a)} is not supported; supported: ${[...ACTIVATION_NAMES].join(", ")}`);
      return a;
    };
    const channelsLast = () => {
      if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") throw unsupported(`dataFormat ${JSON.stringify(config.dataFormat)} is not supported (channelsLast only)`);
    };
    const weights = (units: number): { kernel: ArrayLike<number>; bias: ArrayLike<number> } => {
      const w = layer.getWeights();
      const useBias = config.useBias !== false;
      if (w.length !== (useBias ? 2 : 1)) throw new ModelFormatError(`${label}: has ${w.length} weight tensors, expected ${useBias ? "kernel and bias" : "a kernel"}`);
      const data = (t: TfjsTensorLike, what: string) => {
        const d = t.dataSync();
        if (!(d instanceof Float32Array || d instanceof Float64Array)) throw new ModelFormatError(`${label}: ${what} is not a float tensor`);
        return d;
      };
      return { kernel: data(w[0], "kernel"), bias: useBias ? data(w[1], "bias") : new Float32Array(units) };
    };

    switch (cls) {
      case "InputLayer":
      case "Dropout":
        return;
      case "Dense": {
        const units = config.units as number;
        push({ type: "dense", units, activation: activation(), ...weights(units) });
        return;
      }
      case "Conv2D": {
        channelsLast();
        const dil = config.dilationRate;
        if (dil !== undefined && dil !== 1 && !(Array.isArray(dil) && dil.every((r) => r === 1)))
          throw unsupported(`dilationRate ${JSON.stringify(dil)} is not supported (dilation 1 only)`);
        if (config.padding !== "valid" && config.padding !== "same") throw unsupported(`padding ${JSON.stringify(config.padding)} is not supported (valid or same)`);
        const filters = config.filters as number;
        push({ type: "conv2d", filters, kernelSize: config.kernelSize, strides: config.strides, padding: config.padding, activation: activation(), ...weights(filters) });
        return;
      }
      case "MaxPooling2D":
      case "AveragePooling2D":
        channelsLast();
        push({
          type: cls === "MaxPooling2D" ? "maxPool2d" : "avgPool2d",
          poolSize: config.poolSize,
          strides: config.strides ?? config.poolSize,
          padding: config.padding,
        });
        return;
      case "Flatten":
        channelsLast();
        push({ type: "flatten" });
        return;
      case "Activation":
        push({ type: activation() });
        return;
      case "ReLU":
        if (config.maxValue !== undefined && config.maxValue !== null) throw unsupported(`maxValue ${JSON.stringify(config.maxValue)} is not supported (unbounded ReLU only)`);
        push({ type: "relu" });
        return;
      case "LeakyReLU":
        push({ type: "leakyRelu", alpha: config.alpha ?? 0.3 });
        return;
      case "Softmax": {
        const axis = config.axis;
        const outShape = (layer as { outputShape?: unknown }).outputShape;
        const rank = Array.isArray(outShape) && !Array.isArray(outShape[0]) ? outShape.length : 2;
        if (axis !== undefined && axis !== -1 && axis !== rank - 1) throw unsupported(`softmax over axis ${JSON.stringify(axis)} is not supported (the last axis only)`);
        push({ type: "softmax" });
        return;
      }
      default:
        throw unsupported(`layer class ${cls} is not supported; supported: ${SUPPORTED.join(", ")}`);
    }
  });
  if (layers.length === 0) throw new ModelFormatError(`tfjs model has no layers to import`);
  return parseModelDocument({ format: "foliate-model", version: 1, inputShape, layers }, labels);
}
