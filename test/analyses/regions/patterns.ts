/** float64 activation patterns of single points (independent of the kernels): for the region tests. */
import { referenceForward } from "../../../src/reference/forward.js";
import type { Model } from "../../../src/model/model.js";

/** Pattern bits of x as a string of 0/1 (relu/leakyRelu units in layer order, 1 = pre-activation > 0), and the smallest |pre-activation|. */
export function patternOf(model: Model, x: ArrayLike<number>): { key: string; margin: number } {
  const r = referenceForward(model, x);
  let key = "";
  let margin = Infinity;
  model.layers.forEach((layer, l) => {
    if (!("activation" in layer) || (layer.activation !== "relu" && layer.activation !== "leakyRelu")) return;
    for (const z of r.preActivations[l]) {
      key += z > 0 ? "1" : "0";
      margin = Math.min(margin, Math.abs(z));
    }
  });
  return { key, margin };
}

/** A bitset row (u32 words) as the same 0/1 string over `bits` bits. */
export function bitsKey(words: Uint32Array, row: number, perRow: number, bits: number): string {
  let key = "";
  for (let b = 0; b < bits; b++) key += (words[row * perRow + (b >>> 5)] >>> (b & 31)) & 1 ? "1" : "0";
  return key;
}
