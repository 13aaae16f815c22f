/**
 * The foliate-model JSON format: parsing with full validation, and serialization.
 * (Minimal placeholder: the full validator lands with the model-format work.)
 */
import { ModelFormatError } from "../errors.js";
import type { Layer, ModelJSON, ModelSpec } from "./types.js";

export function parseModelJSON(input: unknown): ModelSpec {
  const obj = (typeof input === "string" ? JSON.parse(input) : input) as Record<string, any>;
  if (!obj || obj.format !== "foliate-model") throw new ModelFormatError(`expected format "foliate-model"`);
  const layers: Layer[] = [];
  let head: "softmax" | "none" = "none";
  for (const l of obj.layers as Record<string, any>[]) {
    if (l.type === "dense" || l.type === "conv2d") {
      layers.push({ ...l, kernel: Float64Array.from(l.kernel.flat(4)), bias: Float64Array.from(l.bias), activation: l.activation ?? "linear" } as Layer);
    } else if (l.type === "softmax") head = "softmax";
    else if (["relu", "leakyRelu", "sigmoid", "tanh", "softplus", "linear"].includes(l.type)) layers.push({ type: "activation", activation: l.type, alpha: l.alpha });
    else layers.push({ padding: "valid", ...l } as Layer);
  }
  return { inputShape: obj.inputShape, layers, head };
}

export function modelToJSON(m: ModelSpec): ModelJSON {
  return {
    format: "foliate-model",
    version: 1,
    inputShape: [...m.inputShape],
    layers: [
      ...m.layers.map((l) => {
        if (l.type === "activation") return { type: l.activation, ...(l.alpha !== undefined ? { alpha: l.alpha } : {}) };
        if ("kernel" in l) return { ...l, kernel: Array.from(l.kernel), bias: Array.from(l.bias) };
        return { ...l };
      }),
      ...(m.head === "softmax" ? [{ type: "softmax" }] : []),
    ],
  };
}
