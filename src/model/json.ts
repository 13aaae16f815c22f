/**
 * The foliate-model JSON format: parsing with complete validation, and serialization.
 *
 * ```json
 * {"format": "foliate-model", "version": 1, "inputShape": [28, 28, 1], "layers": [
 *   {"type": "conv2d", "filters": 8, "kernelSize": [3, 3], "strides": [1, 1], "padding": "same",
 *    "kernel": "<base64 float32, [kh, kw, inC, outC]>", "bias": [...], "activation": "relu"},
 *   {"type": "maxPool2d", "poolSize": [2, 2]}, {"type": "flatten"},
 *   {"type": "dense", "units": 10, "kernel": [[...], ...], "bias": [...]}, {"type": "softmax"}]}
 * ```
 * Conventions are Keras/tfjs: `kernelSize`, `strides`, `poolSize` are a number or a pair; `strides` defaults
 * to [1, 1] (conv) or `poolSize` (pooling); `poolSize` defaults to [2, 2]; `padding` defaults to "valid";
 * `activation` defaults to "linear"; leakyRelu's `alpha` defaults to 0.3. Weights are a flat row-major number
 * array, arrays nested along the weight's shape, or a base64 little-endian float32 string. Unknown extra fields
 * are ignored. A final softmax (layer or `activation`) becomes `head: "softmax"`.
 * Every count is checked by arithmetic against LIMITS before any weight array is allocated.
 */
import { ModelFormatError, NonFiniteError, UnsupportedLayerError } from "../errors.js";
import { encodeFloat32Base64 } from "./base64.js";
import { windowAxis } from "./shapes.js";
import { ACTIVATIONS, LIMITS, type ActivationName, type Layer, type LooseLayer, type LooseModelSpec, type ModelJSON, type ModelSpec } from "./types.js";
import { checkJsonTextDepth, checkObjectDepth, describeValue, readWeights } from "./weights.js";
import { INPUT_NAME, parseGraphDocument } from "./jsonGraph.js";
import { defaultNodeName } from "./graph.js";
import { inferShapes, padsFor } from "./shapes.js";
import { activationOf, inputShapeOf, isObject, padding, pair, positiveInt, withAlpha } from "./jsonFields.js";

/** Layer `type` values the format accepts. */
export const LAYER_TYPES: readonly string[] = ["dense", "conv2d", "maxPool2d", "avgPool2d", "flatten", "activation", ...ACTIVATIONS, "softmax"];

/** Windowed output shape, checked non-empty and within LIMITS. */
function windowedShape(ctx: string, what: string, input: readonly number[], win: [number, number], strides: [number, number], pad: "valid" | "same", channels: number): number[] {
  const oh = windowAxis(input[0], win[0], strides[0], pad).out;
  const ow = windowAxis(input[1], win[1], strides[1], pad).out;
  if (oh < 1 || ow < 1)
    throw new ModelFormatError(`${ctx}: ${what} ${win[0]}×${win[1]} is larger than its input ${input[0]}×${input[1]} with padding "valid" (output would be ${oh}×${ow})`);
  const size = oh * ow * channels;
  if (size > LIMITS.maxActivationSize) throw new ModelFormatError(`${ctx}: output shape [${oh}, ${ow}, ${channels}] has ${size} values, above the limit of ${LIMITS.maxActivationSize}`);
  return [oh, ow, channels];
}

function requireImage(ctx: string, shape: readonly number[]): void {
  if (shape.length !== 3) throw new ModelFormatError(`${ctx}: expects an [H, W, C] input, got shape [${shape}]`);
}

/** Parse and validate a foliate-model document (object or JSON string) into a ModelSpec. */
export function parseModelJSON(input: unknown): LooseModelSpec {
  return parseModelDocument(input);
}

/**
 * As parseModelJSON; `labels[i]`, when given, replaces `layer i (type)` in messages (importers use it to name
 * the source model's layer).
 */
export function parseModelDocument(input: unknown, labels?: readonly string[]): LooseModelSpec {
  let doc: unknown = input;
  if (typeof input === "string") {
    checkJsonTextDepth(input);
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new ModelFormatError(`model JSON does not parse: ${(e as Error).message}`);
    }
  } else checkObjectDepth(input);
  if (!isObject(doc)) throw new ModelFormatError(`a model document must be an object or a JSON string of one, got ${describeValue(doc)}`);
  if (doc.format !== "foliate-model") throw new ModelFormatError(`model: field "format" must be "foliate-model", got ${describeValue(doc.format)}`);
  if (doc.version !== 1 && doc.version !== 2)
    throw new ModelFormatError(`model: field "version" must be 1 (a chain of layers) or 2 (a graph of nodes), got ${describeValue(doc.version)}`);
  const inputShape = inputShapeOf(doc.inputShape);
  if (doc.version === 2) return parseGraphDocument(doc, inputShape);
  const raw = doc.layers;
  if (!Array.isArray(raw)) throw new ModelFormatError(`model: field "layers" must be an array, got ${describeValue(raw)}`);
  if (raw.length === 0) throw new ModelFormatError(`model: field "layers" is empty`);
  if (raw.length > LIMITS.maxLayers) throw new ModelFormatError(`model: field "layers" has ${raw.length} layers, above the limit of ${LIMITS.maxLayers}`);

  const layers: LooseLayer[] = [];
  let head: "softmax" | "none" = "none";
  let shape: number[] = inputShape;
  let parameters = 0;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const l = raw[i];
    if (!isObject(l)) throw new ModelFormatError(`${labels?.[i] ?? `layer ${i}`}: must be an object with a "type" field, got ${describeValue(l)}`);
    const type = l.type;
    if (typeof type !== "string") throw new ModelFormatError(`${labels?.[i] ?? `layer ${i}`}: field "type" must be a string, got ${describeValue(type)}`);
    const ctx = labels?.[i] ?? `layer ${i} (${type})`;
    const isLast = i === n - 1;
    const where = `this is layer ${i} of ${n}`;
    /** Reserve the kernel's and bias's parameters, by arithmetic, before any allocation. */
    const reserve = (what: string, kernelCount: number, biasCount: number) => {
      if (kernelCount + biasCount > LIMITS.maxParameters - parameters)
        throw new ModelFormatError(
          `${ctx}: field "kernel" would hold ${what} = ${kernelCount} values; the model would exceed the limit of ${LIMITS.maxParameters} parameters`,
        );
      parameters += kernelCount + biasCount;
    };
    switch (type) {
      case "dense": {
        if (shape.length !== 1) throw new ModelFormatError(`${ctx}: expects a flat input, got shape [${shape}]; add a {"type": "flatten"} layer before it`);
        const units = positiveInt(ctx, "units", l.units);
        const inDim = shape[0];
        reserve(`in×units = ${inDim}×${units}`, inDim * units, units);
        const act = activationOf(ctx, l.activation, l.alpha, isLast, where);
        const kernel = readWeights(`${ctx}: field "kernel"`, l.kernel, { dims: [inDim, units], dimNames: ["in", "units"] });
        const bias = readWeights(`${ctx}: field "bias"`, l.bias, { dims: [units], dimNames: ["units"] });
        layers.push(withAlpha({ type: "dense", units, kernel, bias, activation: act.activation }, act));
        if (act.softmax) head = "softmax";
        shape = [units];
        break;
      }
      case "conv2d": {
        requireImage(ctx, shape);
        const filters = positiveInt(ctx, "filters", l.filters);
        const kernelSize = pair(ctx, "kernelSize", l.kernelSize);
        const strides = pair(ctx, "strides", l.strides, [1, 1]);
        const pad = padding(ctx, l.padding);
        if (l.dilationRate !== undefined && l.dilationRate !== 1 && !(Array.isArray(l.dilationRate) && l.dilationRate.every((r) => r === 1)))
          throw new UnsupportedLayerError(`${ctx}: field "dilationRate" must be 1 (dilated convolutions are not supported), got ${describeValue(l.dilationRate)}`);
        const inC = shape[2];
        const [kh, kw] = kernelSize;
        reserve(`kh×kw×inC×filters = ${kh}×${kw}×${inC}×${filters}`, kh * kw * inC * filters, filters);
        const out = windowedShape(ctx, "kernel", shape, kernelSize, strides, pad, filters);
        if (l.activation === "softmax")
          throw new UnsupportedLayerError(`${ctx}: activation "softmax" on a conv2d layer is per-pixel; only a softmax over a flat output is supported (as the head)`);
        const act = activationOf(ctx, l.activation, l.alpha, false, where);
        const kernel = readWeights(`${ctx}: field "kernel"`, l.kernel, { dims: [kh, kw, inC, filters], dimNames: ["kh", "kw", "inC", "filters"] });
        const bias = readWeights(`${ctx}: field "bias"`, l.bias, { dims: [filters], dimNames: ["filters"] });
        layers.push(withAlpha({ type: "conv2d", filters, kernelSize, strides, padding: pad, kernel, bias, activation: act.activation }, act));
        shape = out;
        break;
      }
      case "maxPool2d":
      case "avgPool2d": {
        requireImage(ctx, shape);
        const poolSize = pair(ctx, "poolSize", l.poolSize, [2, 2]);
        const strides = pair(ctx, "strides", l.strides, poolSize);
        const pad = padding(ctx, l.padding);
        shape = windowedShape(ctx, "pool window", shape, poolSize, strides, pad, shape[2]);
        layers.push({ type, poolSize, strides, padding: pad });
        break;
      }
      case "flatten":
        layers.push({ type: "flatten" });
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case "softmax": {
        if (!isLast) throw new UnsupportedLayerError(`${ctx}: softmax is only supported as the classifier head, the last layer (${where})`);
        if (shape.length === 3 && shape[0] * shape[1] !== 1)
          throw new UnsupportedLayerError(`${ctx}: softmax over an [H, W, C] = [${shape}] output is per-pixel; flatten first (only a softmax over a flat output is supported)`);
        head = "softmax";
        break;
      }
      default: {
        const isActivationType = type === "activation" || (ACTIVATIONS as readonly string[]).includes(type);
        if (!isActivationType)
          throw new UnsupportedLayerError(`${labels?.[i] ?? `layer ${i}`}: unsupported layer type ${JSON.stringify(type)}; supported: ${LAYER_TYPES.join(", ")}`);
        if (type === "activation" && l.activation === undefined) throw new ModelFormatError(`${ctx}: field "activation" is required on an activation layer`);
        const act = activationOf(ctx, type === "activation" ? l.activation : type, l.alpha, isLast, where);
        if (act.softmax) {
          head = "softmax";
          break;
        }
        layers.push(withAlpha({ type: "activation", activation: act.activation }, act));
      }
    }
  }
  if (layers.length === 0) throw new ModelFormatError(`model: has no layers besides the softmax head`);
  return { inputShape, layers, head };
}

/** Float32 exactly represents every value (so base64 float32 loses nothing). */
function float32Exact(a: Float64Array): boolean {
  for (let k = 0; k < a.length; k++) if (Math.fround(a[k]) !== a[k]) return false;
  return true;
}

/** True when `m` is a chain of version-1 layers with Keras padding and default names (written as version 1). */
function isVersion1(m: ModelSpec): boolean {
  const shapes = inferShapes(m.inputShape, m.layers);
  return m.layers.every((l, i) => {
    if (l.inputs.length !== 1 || l.inputs[0] !== i - 1 || l.name !== defaultNodeName(i, l)) return false;
    const input = i === 0 ? m.inputShape : shapes[i - 1];
    switch (l.type) {
      case "dense":
      case "flatten":
      case "activation":
        return true;
      case "conv2d":
      case "maxPool2d":
      case "avgPool2d": {
        if (!l.padding) return false;
        if (l.type === "conv2d" ? l.groups !== 1 || l.dilations[0] !== 1 || l.dilations[1] !== 1 : l.ceilMode || l.countIncludePad) return false;
        const win = l.type === "conv2d" ? l.kernelSize : l.poolSize;
        return padsFor(input[0], input[1], win, l.strides, l.padding).every((p, k) => p === l.pads[k]);
      }
      default:
        return false;
    }
  });
}

/**
 * Serialize a model to the foliate-model document; `parseModelJSON` of it reproduces the model exactly.
 * Version 1 for chains of version-1 layers (Keras padding, default names), version 2 (named nodes) otherwise.
 * Weights are base64 float32 when every weight of the model is exactly a float32 (tfjs-trained models), else
 * flat number arrays (float64 models: JSON numbers round-trip float64 exactly).
 */
export function modelToJSON(m: ModelSpec): ModelJSON {
  const weights = m.layers.flatMap((l) => ("kernel" in l ? [l.kernel, l.bias] : l.type === "batchNorm" ? [l.gamma, l.beta, l.mean, l.variance] : []));
  const base64 = weights.every(float32Exact);
  const encode = (a: Float64Array): string | number[] => (base64 ? encodeFloat32Base64(a) : Array.from(a));
  const v1 = isVersion1(m);
  const fields = (l: Layer): Record<string, unknown> => {
    const alpha = "alpha" in l && l.alpha !== undefined && l.activation === "leakyRelu" ? { alpha: l.alpha } : {};
    switch (l.type) {
      case "dense":
        return { type: "dense", units: l.units, activation: l.activation, ...alpha, kernel: encode(l.kernel), bias: encode(l.bias) };
      case "conv2d":
        return {
          type: "conv2d", filters: l.filters, kernelSize: [...l.kernelSize], strides: [...l.strides],
          ...(v1 ? { padding: l.padding } : { pads: [...l.pads], dilations: [...l.dilations], groups: l.groups }),
          activation: l.activation, ...alpha, kernel: encode(l.kernel), bias: encode(l.bias),
        };
      case "maxPool2d":
      case "avgPool2d":
        return {
          type: l.type, poolSize: [...l.poolSize], strides: [...l.strides],
          ...(v1 ? { padding: l.padding } : { pads: [...l.pads], ceilMode: l.ceilMode, countIncludePad: l.countIncludePad }),
        };
      case "globalAvgPool2d":
      case "concat":
      case "flatten":
        return { type: l.type };
      case "batchNorm":
        return { type: l.type, epsilon: l.epsilon, gamma: encode(l.gamma), beta: encode(l.beta), mean: encode(l.mean), variance: encode(l.variance) };
      case "add":
        return { type: l.type, activation: l.activation, ...alpha };
      case "activation":
        return { type: l.activation, ...alpha };
    }
  };
  if (v1) {
    const layers = m.layers.map(fields);
    if (m.head === "softmax") layers.push({ type: "softmax" });
    return { format: "foliate-model", version: 1, inputShape: [...m.inputShape], layers };
  }
  const name = (j: number) => (j < 0 ? INPUT_NAME : m.layers[j].name);
  const nodes: Record<string, unknown>[] = m.layers.map((l) => ({ name: l.name, ...fields(l), inputs: l.inputs.map(name) }));
  if (m.head === "softmax") nodes.push({ name: uniqueName(m, "softmax"), type: "softmax", inputs: [name(m.layers.length - 1)] });
  return { format: "foliate-model", version: 2, inputShape: [...m.inputShape], nodes };
}

function uniqueName(m: ModelSpec, base: string): string {
  const taken = new Set(m.layers.map((l) => l.name));
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  return name;
}
