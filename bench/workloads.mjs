// The benchmark workloads of the engine-core issue, deterministic: a ReLU MLP 784-256-256-10 with He
// initialisation (seed 1) and a small CNN on 28×28×1, evaluated on n = 1024 points uniform in [0, 1).
import { Model } from "../dist/index.js";
import { gaussian, mulberry32 } from "../dist/random.js";

function he(seed, count, fanIn) {
  const g = gaussian(mulberry32(seed));
  return Float64Array.from({ length: count }, () => Math.fround(g() * Math.sqrt(2 / fanIn)));
}

export function mlp784() {
  const sizes = [784, 256, 256, 10];
  const layers = [];
  for (let i = 0; i < 3; i++)
    layers.push({ type: "dense", units: sizes[i + 1], kernel: he(1 + i, sizes[i] * sizes[i + 1], sizes[i]), bias: new Float64Array(sizes[i + 1]), activation: i < 2 ? "relu" : "linear" });
  return new Model({ inputShape: [784], layers, head: "softmax" });
}

/** Conv(8,3×3,relu) – MaxPool 2 – Conv(16,3×3,relu) – MaxPool 2 – Flatten – Dense 10. */
export function smallCnn() {
  const conv = (seed, inC, outC) => ({ type: "conv2d", filters: outC, kernelSize: [3, 3], strides: [1, 1], padding: "valid", kernel: he(seed, 9 * inC * outC, 9 * inC), bias: new Float64Array(outC), activation: "relu" });
  const pool = { type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" };
  const layers = [conv(11, 1, 8), pool, conv(12, 8, 16), { ...pool }, { type: "flatten" }, { type: "dense", units: 10, kernel: he(13, 5 * 5 * 16 * 10, 400), bias: new Float64Array(10), activation: "linear" }];
  return new Model({ inputShape: [28, 28, 1], layers, head: "softmax" });
}

export function points(n, d, seed = 2) {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * d }, () => r());
}

export function workloads(quick) {
  const n = quick ? 128 : 1024;
  return [
    { name: "MLP 784-256-256-10", model: mlp784(), X: points(n, 784), n },
    { name: "CNN 28×28×1 (conv8-pool-conv16-pool-dense10)", model: smallCnn(), X: points(n, 784, 3), n },
  ];
}
