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
import { ACTIVATIONS, LIMITS, type ActivationName, type LooseLayer, type LooseModelSpec, type ModelJSON, type ModelSpec } from "./types.js";
import { checkJsonTextDepth, checkObjectDepth, describeValue, readWeights } from "./weights.js";

/** Layer `type` values the format accepts. */
export const LAYER_TYPES: readonly string[] = ["dense", "conv2d", "maxPool2d", "avgPool2d", "flatten", "activation", ...ACTIVATIONS, "softmax"];

/** Keras' default LeakyReLU slope, used when `alpha` is absent. */
const DEFAULT_ALPHA = 0.3;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v);

function positiveInt(ctx: string, name: string, v: unknown, max: number = LIMITS.maxDimension): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max)
    throw new ModelFormatError(`${ctx}: field "${name}" must be a positive integer ≤ ${max}, got ${describeValue(v)}`);
  return v;
}

function pair(ctx: string, name: string, v: unknown, fallback?: [number, number]): [number, number] {
  if (v === undefined && fallback) return fallback;
  if (typeof v === "number") {
    const k = positiveInt(ctx, name, v);
    return [k, k];
  }
  if (!Array.isArray(v) || v.length !== 2)
    throw new ModelFormatError(`${ctx}: field "${name}" must be a positive integer or a pair [${name === "strides" ? "sh, sw" : "h, w"}], got ${describeValue(v)}`);
  return [positiveInt(ctx, `${name}[0]`, v[0]), positiveInt(ctx, `${name}[1]`, v[1])];
}

function padding(ctx: string, v: unknown): "valid" | "same" {
  if (v === undefined) return "valid";
  if (v !== "valid" && v !== "same") throw new ModelFormatError(`${ctx}: field "padding" must be "valid" or "same", got ${describeValue(v)}`);
  return v;
}

function alphaOf(ctx: string, v: unknown): number {
  if (v === undefined) return DEFAULT_ALPHA;
  if (typeof v !== "number") throw new ModelFormatError(`${ctx}: field "alpha" must be a number, got ${describeValue(v)}`);
  if (!Number.isFinite(v)) throw new NonFiniteError(`${ctx}: field "alpha" must be finite, got ${v}`);
  return v;
}

interface ParsedActivation {
  activation: ActivationName;
  alpha?: number;
  softmax: boolean;
}

/** The `activation` field (or a layer type naming an activation). Softmax only on the last layer. */
function activationOf(ctx: string, name: unknown, alpha: unknown, softmaxAllowed: boolean, where: string): ParsedActivation {
  if (name === undefined) return { activation: "linear", softmax: false };
  if (typeof name !== "string") throw new ModelFormatError(`${ctx}: field "activation" must be a string, got ${describeValue(name)}`);
  if (name === "softmax") {
    if (!softmaxAllowed) throw new UnsupportedLayerError(`${ctx}: softmax is only supported as the classifier head, on the last layer (${where})`);
    return { activation: "linear", softmax: true };
  }
  if (!(ACTIVATIONS as readonly string[]).includes(name))
    throw new UnsupportedLayerError(`${ctx}: unsupported activation ${JSON.stringify(name)}; supported: ${ACTIVATIONS.join(", ")} (and softmax as the last layer)`);
  const activation = name as ActivationName;
  return activation === "leakyRelu" ? { activation, alpha: alphaOf(ctx, alpha), softmax: false } : { activation, softmax: false };
}

function withAlpha<T extends object>(layer: T, a: ParsedActivation): T {
  return a.alpha === undefined ? layer : { ...layer, alpha: a.alpha };
}

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

function inputShapeOf(v: unknown): number[] {
  if (!Array.isArray(v) || (v.length !== 1 && v.length !== 3))
    throw new ModelFormatError(`model: field "inputShape" must be [d] or [H, W, C] (no batch dimension), got ${describeValue(v)}`);
  const shape = v.map((s, k) => positiveInt("model", `inputShape[${k}]`, s));
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > LIMITS.maxActivationSize) throw new ModelFormatError(`model: field "inputShape" [${shape}] has ${size} values, above the limit of ${LIMITS.maxActivationSize}`);
  return shape;
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
  if (doc.version !== 1) throw new ModelFormatError(`model: field "version" must be 1 (the only version this reader knows), got ${describeValue(doc.version)}`);
  const inputShape = inputShapeOf(doc.inputShape);
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

/**
 * Serialize a model to the foliate-model document; `parseModelJSON` of it reproduces the weights exactly.
 * Weights are base64 float32 when every weight of the model is exactly a float32 (tfjs-trained models), else
 * flat number arrays (float64 models: JSON numbers round-trip float64 exactly).
 */
export function modelToJSON(m: ModelSpec): ModelJSON {
  const base64 = m.layers.every((l) => !("kernel" in l) || (float32Exact(l.kernel) && float32Exact(l.bias)));
  const encodeWeights = (a: Float64Array): string | number[] => (base64 ? encodeFloat32Base64(a) : Array.from(a));
  const layers = m.layers.map((l): Record<string, unknown> => {
    const alpha = "alpha" in l && l.alpha !== undefined && l.activation === "leakyRelu" ? { alpha: l.alpha } : {};
    switch (l.type) {
      case "dense":
        return { type: "dense", units: l.units, activation: l.activation, ...alpha, kernel: encodeWeights(l.kernel), bias: encodeWeights(l.bias) };
      case "conv2d":
        return {
          type: "conv2d",
          filters: l.filters,
          kernelSize: [...l.kernelSize],
          strides: [...l.strides],
          padding: l.padding,
          activation: l.activation,
          ...alpha,
          kernel: encodeWeights(l.kernel),
          bias: encodeWeights(l.bias),
        };
      case "maxPool2d":
      case "avgPool2d":
        return { type: l.type, poolSize: [...l.poolSize], strides: [...l.strides], padding: l.padding };
      case "flatten":
        return { type: "flatten" };
      case "activation":
        return { type: l.activation, ...alpha };
      default:
        throw new UnsupportedLayerError(`modelToJSON: node type "${l.type}" needs the version 2 (graph) format`);
    }
  });
  if (m.head === "softmax") layers.push({ type: "softmax" });
  return { format: "foliate-model", version: 1, inputShape: [...m.inputShape], layers };
}
