/** Seeded random models for tests (He-initialised, small random biases). */
import { Model } from "../../src/model/model.js";
import type { ActivationName, Layer, LooseLayer } from "../../src/model/types.js";
import { gaussian, mulberry32 } from "../../src/random.js";

export function randomWeights(seed: number, count: number, scale: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  const w = new Float64Array(count);
  for (let i = 0; i < count; i++) w[i] = g() * scale;
  return w;
}

/** Dense network sizes[0] → … → sizes[L], hidden activation `act`, last layer linear (+ softmax head). */
export function randomMlp(sizes: number[], seed = 1, act: ActivationName = "relu", head: "softmax" | "none" = "softmax", alpha?: number): Model {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const last = i + 2 === sizes.length;
    layers.push({
      type: "dense",
      units: sizes[i + 1],
      kernel: randomWeights(seed * 1000 + i, sizes[i] * sizes[i + 1], Math.sqrt(2 / sizes[i])),
      bias: randomWeights(seed * 1000 + 500 + i, sizes[i + 1], 0.1),
      activation: last ? "linear" : act,
      ...(alpha !== undefined && !last ? { alpha } : {}),
    });
  }
  return new Model({ inputShape: [sizes[0]], layers, head });
}

/** A small CNN on h×w×c images: conv(8,3×3,relu) maxPool 2 conv(12,3×3,same,relu) avgPool 2 flatten dense(classes). */
export function randomCnn(h = 28, w = 28, c = 1, classes = 10, seed = 2): Model {
  const conv = (i: number, inC: number, outC: number, padding: "valid" | "same"): Layer => ({
    type: "conv2d", filters: outC, kernelSize: [3, 3], strides: [1, 1], padding,
    kernel: randomWeights(seed * 100 + i, 9 * inC * outC, Math.sqrt(2 / (9 * inC))),
    bias: randomWeights(seed * 100 + 50 + i, outC, 0.1), activation: "relu",
  });
  const layers: Layer[] = [
    conv(0, c, 8, "valid"),
    { type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" },
    conv(1, 8, 12, "same"),
    { type: "avgPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" },
    { type: "flatten" },
  ];
  const oh = Math.floor((Math.floor((h - 2) / 2)) / 2), ow = Math.floor((Math.floor((w - 2) / 2)) / 2);
  const flat = oh * ow * 12;
  layers.push({ type: "dense", units: classes, kernel: randomWeights(seed * 100 + 99, flat * classes, Math.sqrt(2 / flat)), bias: randomWeights(seed * 100 + 98, classes, 0.1), activation: "linear" });
  return new Model({ inputShape: [h, w, c], layers, head: "softmax" });
}

/**
 * A model cheap to build whose hidden nodes are too wide for the 4 GiB Wasm memory: on side×side×1, conv
 * "conv" (filters, 3×3, same, tanh) → conv "squeeze" (1 filter, 3×3, same, tanh) → flatten → dense "fc"
 * (classes), no head. At side 64 and 64 filters (d = 4 096): "conv" has m = 262 144 outputs, its m×d float32
 * Jacobian alone 4 GiB; "squeeze" has m = d = 4 096, so its Jacobian runs in reverse mode, whose m cotangent
 * rows over the network's 270 339 node outputs (4.1 GiB of float32) wrap the kernels' 32-bit size. The
 * weights are 13 500 numbers and a forward pass about 5 M multiply-adds.
 */
export function wideConv(side = 64, filters = 64, classes = 3, seed = 5): Model {
  const conv = (name: string, inC: number, outC: number, i: number): LooseLayer => ({
    type: "conv2d", name, filters: outC, kernelSize: [3, 3], strides: [1, 1], padding: "same",
    kernel: randomWeights(seed * 100 + i, 9 * inC * outC, Math.sqrt(2 / (9 * inC))), bias: randomWeights(seed * 100 + 50 + i, outC, 0.1), activation: "tanh",
  });
  const layers: LooseLayer[] = [
    conv("conv", 1, filters, 0),
    conv("squeeze", filters, 1, 1),
    { type: "flatten", name: "flat" },
    { type: "dense", name: "fc", units: classes, kernel: randomWeights(seed * 100 + 99, side * side * classes, Math.sqrt(2 / (side * side))), bias: randomWeights(seed * 100 + 98, classes, 0.1), activation: "linear" },
  ];
  return new Model({ inputShape: [side, side, 1], layers, head: "none" });
}

/** n points of dimension d, uniform in [lo, hi), seeded. */
export function randomPoints(n: number, d: number, seed = 7, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = lo + (hi - lo) * r();
  return x;
}
