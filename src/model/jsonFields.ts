/**
 * Field readers shared by the foliate-model JSON parsers (version 1 chains, version 2 graphs): integers, pairs,
 * padding keywords, activations. Every failure is a FoliateError whose message starts with the caller's context.
 */
import { ModelFormatError, NonFiniteError, UnsupportedLayerError } from "../errors.js";
import { ACTIVATIONS, DEFAULT_LEAKY_ALPHA, LIMITS, type ActivationName } from "./types.js";
import { describeValue } from "./weights.js";


export type Obj = Record<string, unknown>;
export const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v);

export function positiveInt(ctx: string, name: string, v: unknown, max: number = LIMITS.maxDimension): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max)
    throw new ModelFormatError(`${ctx}: field "${name}" must be a positive integer ≤ ${max}, got ${describeValue(v)}`);
  return v;
}

export function pair(ctx: string, name: string, v: unknown, fallback?: [number, number]): [number, number] {
  if (v === undefined && fallback) return fallback;
  if (typeof v === "number") {
    const k = positiveInt(ctx, name, v);
    return [k, k];
  }
  if (!Array.isArray(v) || v.length !== 2)
    throw new ModelFormatError(`${ctx}: field "${name}" must be a positive integer or a pair [${name === "strides" ? "sh, sw" : "h, w"}], got ${describeValue(v)}`);
  return [positiveInt(ctx, `${name}[0]`, v[0]), positiveInt(ctx, `${name}[1]`, v[1])];
}

export function padding(ctx: string, v: unknown): "valid" | "same" {
  if (v === undefined) return "valid";
  if (v !== "valid" && v !== "same") throw new ModelFormatError(`${ctx}: field "padding" must be "valid" or "same", got ${describeValue(v)}`);
  return v;
}

export function alphaOf(ctx: string, v: unknown): number {
  if (v === undefined) return DEFAULT_LEAKY_ALPHA;
  if (typeof v !== "number") throw new ModelFormatError(`${ctx}: field "alpha" must be a number, got ${describeValue(v)}`);
  if (!Number.isFinite(v)) throw new NonFiniteError(`${ctx}: field "alpha" must be finite, got ${v}`);
  return v;
}

export interface ParsedActivation {
  activation: ActivationName;
  alpha?: number;
  softmax: boolean;
}

/** The `activation` field (or a layer type naming an activation). Softmax only on the last layer. */
export function activationOf(ctx: string, name: unknown, alpha: unknown, softmaxAllowed: boolean, where: string): ParsedActivation {
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

export function withAlpha<T extends object>(layer: T, a: ParsedActivation): T {
  return a.alpha === undefined ? layer : { ...layer, alpha: a.alpha };
}

export function inputShapeOf(v: unknown): number[] {
  if (!Array.isArray(v) || (v.length !== 1 && v.length !== 3))
    throw new ModelFormatError(`model: field "inputShape" must be [d] or [H, W, C] (no batch dimension), got ${describeValue(v)}`);
  const shape = v.map((s, k) => positiveInt("model", `inputShape[${k}]`, s));
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > LIMITS.maxActivationSize) throw new ModelFormatError(`model: field "inputShape" [${shape}] has ${size} values, above the limit of ${LIMITS.maxActivationSize}`);
  return shape;
}

