/**
 * A small seeded ResNet as a version-2 graph (named nodes): stem conv 3×3 → batchNorm → relu; a BasicBlock
 * with identity shortcut (conv → BN → relu → conv → BN → add(+x) relu); a downsampling BasicBlock (stride-2
 * conv with pads [1, 1, 1, 1], 1×1 stride-2 projection shortcut with its own BN); global average pooling;
 * dense to `classes` logits with a softmax head. BatchNorm has non-trivial running statistics. Inputs by
 * index (−1 = the model input); every node named.
 */
import type { LooseLayer, LooseModelSpec } from "../../src/model/types.js";
import { mulberry32 } from "../../src/random.js";

export interface ResNetOptions {
  side?: number;
  channels?: number;
  /** Widths of the two stages (default 6, 12). */
  widths?: [number, number];
  classes?: number;
}

export function smallResNet(seed = 1, opts: ResNetOptions = {}): LooseModelSpec {
  const rand = mulberry32(seed);
  const side = opts.side ?? 8, C = opts.channels ?? 3, [w1, w2] = opts.widths ?? [6, 12], classes = opts.classes ?? 10;
  const uniform = (n: number, s: number) => Float64Array.from({ length: n }, () => (2 * rand() - 1) * s);
  const positive = (n: number) => Float64Array.from({ length: n }, () => 0.5 + rand());
  const layers: LooseLayer[] = [];
  const conv = (name: string, input: number, inC: number, filters: number, k: number, stride: number): number => {
    const p = (k - 1) / 2;
    layers.push({
      type: "conv2d", name, inputs: [input], filters, kernelSize: [k, k], strides: [stride, stride], pads: [p, p, p, p],
      kernel: uniform(k * k * inC * filters, 1.7 / Math.sqrt(k * k * inC)), bias: uniform(filters, 0.1), activation: "linear",
    } as LooseLayer);
    return layers.length - 1;
  };
  const bn = (name: string, input: number, c: number): number => {
    layers.push({ type: "batchNorm", name, inputs: [input], gamma: positive(c), beta: uniform(c, 0.2), mean: uniform(c, 0.2), variance: positive(c), epsilon: 1e-5 } as LooseLayer);
    return layers.length - 1;
  };
  const relu = (name: string, input: number): number => {
    layers.push({ type: "activation", name, inputs: [input], activation: "relu" } as LooseLayer);
    return layers.length - 1;
  };
  const add = (name: string, a: number, b: number): number => {
    layers.push({ type: "add", name, inputs: [a, b], activation: "relu" } as LooseLayer);
    return layers.length - 1;
  };
  let x = relu("stem.relu", bn("stem.bn", conv("stem.conv", -1, C, w1, 3, 1), w1));
  // block 1: identity shortcut
  let y = relu("block1.relu1", bn("block1.bn1", conv("block1.conv1", x, w1, w1, 3, 1), w1));
  y = bn("block1.bn2", conv("block1.conv2", y, w1, w1, 3, 1), w1);
  x = add("block1.add", y, x);
  // block 2: stride 2 with a 1×1 projection shortcut
  y = relu("block2.relu1", bn("block2.bn1", conv("block2.conv1", x, w1, w2, 3, 2), w2));
  y = bn("block2.bn2", conv("block2.conv2", y, w2, w2, 3, 1), w2);
  const s = bn("block2.proj.bn", conv("block2.proj", x, w1, w2, 1, 2), w2);
  x = add("block2.add", y, s);
  layers.push({ type: "globalAvgPool2d", name: "gap", inputs: [x] } as LooseLayer);
  layers.push({ type: "dense", name: "fc", inputs: [layers.length - 1], units: classes, kernel: uniform(w2 * classes, 2 / Math.sqrt(w2)), bias: uniform(classes, 0.1), activation: "linear" } as LooseLayer);
  return { inputShape: [side, side, C], layers, head: "softmax" };
}
