/** float64 activation patterns of single points (independent of the kernels): for the region tests. */
import { referenceForward } from "../../../src/reference/forward.js";
import { Model } from "../../../src/model/model.js";
import { windowAxis } from "../../../src/model/shapes.js";
import { expect } from "vitest";
import type { RegionsInPlaneResult } from "../../../src/analyses/regions/plane.js";

/**
 * Pattern of x0 as a string: 0/1 per relu/leakyRelu unit in layer order (1 = pre-activation > 0), then
 * `|index` per max-pool output (its argmax); and the smallest |pre-activation| or max-pool top-2 gap.
 */
export function patternOf(model: Model, x0: ArrayLike<number>): { key: string; margin: number } {
  const r = referenceForward(model, x0);
  let key = "";
  let margin = Infinity;
  model.layers.forEach((layer, l) => {
    if (layer.type === "maxPool2d") {
      // The argmax of each window (first maximum in scan order) and the gap to the runner-up.
      const [h, w, c] = model.shapes[l - 1] ?? model.inputShape;
      const x = l > 0 ? r.layerOutputs[l - 1] : Float64Array.from(x0);
      const ay = windowAxis(h, layer.poolSize[0], layer.strides[0], layer.padding), ax = windowAxis(w, layer.poolSize[1], layer.strides[1], layer.padding);
      for (let oy = 0; oy < ay.out; oy++) for (let ox = 0; ox < ax.out; ox++) for (let ch = 0; ch < c; ch++) {
        let best = -Infinity, second = -Infinity, at = -1;
        for (let i = 0; i < layer.poolSize[0]; i++) for (let j = 0; j < layer.poolSize[1]; j++) {
          const iy = oy * layer.strides[0] - ay.padBefore + i, ix = ox * layer.strides[1] - ax.padBefore + j;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          const v = x[(iy * w + ix) * c + ch];
          if (at < 0 || v > best) {
            second = best;
            best = v;
            at = (iy * w + ix) * c + ch;
          } else second = Math.max(second, v);
        }
        key += `|${at}`;
        // Exact ties (dead relus, all 0) are stable in float32 too: only near-ties can flip.
        if (second > -Infinity && best !== second) margin = Math.min(margin, best - second);
      }
      return;
    }
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

/** A plane partition tiles its slice: every polygon has positive area, the areas sum to `area` (1e-9), one polygon per pattern. */
export function expectTiling(r: RegionsInPlaneResult, area: number): void {
  let sum = 0;
  for (const a of r.areas) {
    expect(a).toBeGreaterThan(0);
    sum += a;
  }
  expect(Math.abs(sum - area)).toBeLessThan(1e-9);
  expect(new Set(r.patterns).size).toBe(r.count);
}

/**
 * The smallest max-pool model with a known partition: a 1×2×1 image (x0, x1) → conv 1×2 same, linear
 * (e0 = x0 + 3·x1, e1 = x1, the right cell padded) → maxPool 1×2 → dense 1→2 [1, −1]: argmax 0 where x0 + 2·x1 > 0.
 */
export function tieModel(): Model {
  return new Model({
    inputShape: [1, 2, 1], head: "softmax",
    layers: [
      { type: "conv2d", filters: 1, kernelSize: [1, 2], strides: [1, 1], padding: "same", kernel: Float64Array.from([1, 3]), bias: Float64Array.from([0]), activation: "linear" },
      { type: "maxPool2d", poolSize: [1, 2], strides: [1, 2], padding: "valid" },
      { type: "flatten" },
      { type: "dense", units: 2, kernel: Float64Array.from([1, -1]), bias: Float64Array.from([0, 0]), activation: "linear" },
    ],
  });
}
