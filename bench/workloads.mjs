// The benchmark workloads, deterministic: a ReLU MLP 784-256-256-10 with He initialisation (seed 1) and a
// small CNN on 28×28×1 (the engine-core issue's, on n = 1024 points uniform in [0, 1)); the DIM authors' MNIST
// CNN with seeded He weights on MNIST test images; the PyTorch CIFAR ResNet fixture of the one-network issue
// (test/fixtures/onnx-graphs/resnet_cifar.onnx) on N(0, 1) images.
import { readFileSync } from "node:fs";
import { Model } from "../dist/index.js";
import { mnist } from "../dist/datasets/mnist.js";
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

/**
 * The MNIST CNN of Tron & Fioresi (arXiv 2409.07412) as their code builds it by default (SingFolDIM main.py:
 * average pooling): Conv 32 3×3 – ReLU – Conv 64 3×3 – ReLU – AvgPool 2 – Flatten – Dense 128 – ReLU – Dense 10,
 * valid padding. No trained copy at these widths is bundled (data/models holds a reduced 8/16/64 one), so the
 * weights are seeded He-normal draws and the biases seeded N(0, 0.05²) (non-zero, so that no pre-activation of a
 * blank image patch sits exactly on the ReLU kink), all rounded to float32.
 */
export function authorsCnn() {
  const bias = (seed, count) => {
    const g = gaussian(mulberry32(seed));
    return Float64Array.from({ length: count }, () => Math.fround(0.05 * g()));
  };
  const conv = (seed, inC, outC) => ({ type: "conv2d", filters: outC, kernelSize: [3, 3], strides: [1, 1], padding: "valid", kernel: he(seed, 9 * inC * outC, 9 * inC), bias: bias(seed + 100, outC), activation: "relu" });
  const dense = (seed, inN, outN, activation) => ({ type: "dense", units: outN, kernel: he(seed, inN * outN, inN), bias: bias(seed + 100, outN), activation });
  const layers = [
    conv(21, 1, 32),
    conv(22, 32, 64),
    { type: "avgPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" },
    { type: "flatten" },
    dense(23, 12 * 12 * 64, 128, "relu"),
    dense(24, 128, 10, "linear"),
  ];
  return new Model({ inputShape: [28, 28, 1], layers, head: "softmax" });
}

/** The PyTorch CIFAR ResNet fixture (32×32×3; stem, 3 stages × 2 BasicBlocks 16/32/64, BatchNorm, GAP, dense 10). */
export function resnetCifar() {
  return Model.fromOnnx(new Uint8Array(readFileSync(new URL("../test/fixtures/onnx-graphs/resnet_cifar.onnx", import.meta.url))));
}

/** n MNIST test images (data/, balanced by class), n×784 NHWC in [0, 1]. */
export function mnistTest(n) {
  return mnist(n, "test").X;
}

/** n×d values drawn from N(0, 1), seeded, rounded to float32. */
export function normalPoints(n, d, seed) {
  const g = gaussian(mulberry32(seed));
  return Float32Array.from({ length: n * d }, () => g());
}

export function points(n, d, seed = 2) {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * d }, () => r());
}

/**
 * The Jacobian benchmark's workloads. `key` names a workload for the PyTorch peer's folders and for the
 * regression baselines; n is 1 024 for the MLP and the small CNN (the engine-core issue), 128 for the authors'
 * CNN (two 64-point chunks: both workers get one), 256 for the ResNet (the one-network issue); quick mode takes
 * smoke-test sizes.
 */
export function workloads(quick) {
  const n = quick ? 128 : 1024;
  const nAuthors = quick ? 16 : 128;
  const nResnet = quick ? 8 : 256;
  return [
    { key: "mlp", name: "MLP 784-256-256-10", model: mlp784(), X: points(n, 784), n },
    { key: "cnn", name: "CNN 28×28×1 (conv8-pool-conv16-pool-dense10)", model: smallCnn(), X: points(n, 784, 3), n },
    { key: "authors", name: "DIM authors' MNIST CNN (conv32-conv64-avgpool-dense128-dense10)", model: authorsCnn(), X: mnistTest(nAuthors), n: nAuthors },
    { key: "resnet", name: "CIFAR ResNet (16/32/64, 2 BasicBlocks per stage)", model: resnetCifar(), X: normalPoints(nResnet, 32 * 32 * 3, 7), n: nResnet },
  ];
}
