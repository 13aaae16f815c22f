/**
 * Seeded random network graphs for the compiled-network tests: residual adds (identity and projection
 * shortcuts), fan-out, channel concat, batchNorm after conv (foldable) and after add/pool (affine), grouped,
 * depthwise, strided, dilated and padded convolutions, max pooling with ceil mode, average pooling with and
 * without counted padding, global average pooling, flatten, and every activation.
 */
import { mulberry32 } from "../../src/random.js";
import { windowOut } from "../../src/model/shapes.js";
import { ACTIVATIONS, type ActivationName, type LooseLayer, type LooseModelSpec } from "../../src/model/types.js";

export interface GraphOptions {
  /** Activations to draw from (default: all). */
  activations?: readonly ActivationName[];
  /** Input side (default 6..8) and channels (default 2..3). */
  side?: number;
  channels?: number;
  /** Weight scale (default 0.6). */
  scale?: number;
}

/**
 * A random image network of about 20 nodes with every node type and a softmax head.
 * @example randomGraph(1).layers.length // ≈ 20
 */
export function randomGraph(seed: number, opts: GraphOptions = {}): LooseModelSpec {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const acts = opts.activations ?? ACTIVATIONS;
  const act = (): ActivationName => pick(acts);
  const scale = opts.scale ?? 0.6;
  const weights = (n: number, s = scale) => Float64Array.from({ length: n }, () => (2 * rand() - 1) * s);
  const layers: LooseLayer[] = [];
  const shapes: number[][] = [];
  const inputShape = [opts.side ?? int(6, 8), opts.side ?? int(6, 8), opts.channels ?? int(2, 3)];
  const shapeOf = (j: number) => (j < 0 ? inputShape : shapes[j]);
  const add = (l: LooseLayer, shape: number[]) => {
    layers.push(l);
    shapes.push(shape);
    return layers.length - 1;
  };
  const alphaFor = (a: ActivationName) => (a === "leakyRelu" && rand() < 0.5 ? 0.1 + 0.3 * rand() : undefined);
  const conv = (from: number, filters: number, o: { k?: number; s?: number; d?: number; g?: number; pad?: number; a?: ActivationName } = {}) => {
    const [h, w, c] = shapeOf(from);
    const k = o.k ?? int(1, 3), s = o.s ?? 1, dil = o.d ?? 1, g = o.g ?? 1, p = o.pad ?? Math.min(k - 1, int(0, 1)) * dil;
    const span = dil * (k - 1) + 1;
    const pads: [number, number, number, number] = [p, p, Math.min(p, span - 1), Math.min(p, span - 1)];
    const oh = windowOut(h, k, s, pads[0], pads[2], dil), ow = windowOut(w, k, s, pads[1], pads[3], dil);
    const a = o.a ?? "linear";
    return add(
      { type: "conv2d", inputs: [from], filters, kernelSize: [k, k], strides: [s, s], dilations: [dil, dil], groups: g, pads,
        kernel: weights(k * k * (c / g) * filters, scale / Math.sqrt(k * k * (c / g))), bias: weights(filters, 0.3), activation: a, alpha: alphaFor(a) },
      [oh, ow, filters],
    );
  };
  const bn = (from: number) => {
    const c = shapeOf(from).at(-1)!;
    const pos = (n: number) => Float64Array.from({ length: n }, () => 0.5 + rand());
    return add({ type: "batchNorm", inputs: [from], gamma: pos(c), beta: weights(c, 0.3), mean: weights(c, 0.3), variance: pos(c), epsilon: 1e-3 }, [...shapeOf(from)]);
  };
  const activation = (from: number, a = act()) => add({ type: "activation", inputs: [from], activation: a, alpha: alphaFor(a) }, [...shapeOf(from)]);
  const C = int(3, 4);
  // stem: strided conv → BN (folds) → activation (fuses)
  let x = activation(bn(conv(-1, C, { k: 3, s: int(1, 2), pad: 1 })));
  // residual block with identity shortcut: conv → BN → act → conv(dilated or grouped) → BN → add(+x) with act
  const y1 = activation(bn(conv(x, C, { k: 3, pad: 1 })));
  const y2 = bn(rand() < 0.5 ? conv(y1, C, { k: 3, d: 2, pad: 2 }) : conv(y1, C, { k: 3, g: C, pad: 1 }));
  const resAct = act();
  x = add({ type: "add", inputs: [y2, x], activation: resAct, alpha: alphaFor(resAct) }, [...shapeOf(x)]);
  // fan-out of x: max pool (ceil mode, maybe padded) and a 1×1 projection; the pool's output also feeds BN (affine)
  const [h, w] = shapeOf(x);
  const ceil = rand() < 0.6, pp = int(0, 1);
  const mh = windowOut(h, 2, 2, pp, pp, 1, ceil), mw = windowOut(w, 2, 2, pp, pp, 1, ceil);
  const mp = add({ type: "maxPool2d", inputs: [x], poolSize: [2, 2], strides: [2, 2], pads: [pp, pp, pp, pp], ceilMode: ceil, countIncludePad: false }, [mh, mw, C]);
  const proj = conv(x, C, { k: 1, s: 2, pad: 0, a: act() });
  const projShape = shapeOf(proj);
  // concat of the pool (through an affine BN and an activation) and a depthwise conv of the pool
  const pa = activation(bn(mp));
  const dw = conv(mp, C, { k: 3, g: C, pad: 1, a: act() });
  const cat = add({ type: "concat", inputs: [pa, dw] }, [mh, mw, 2 * C]);
  // average pooling (3×3, stride 1, padded, counted or not) then a residual add with a second fan-out of cat
  const cip = rand() < 0.5;
  const avg = add({ type: "avgPool2d", inputs: [cat], poolSize: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], ceilMode: false, countIncludePad: cip }, [mh, mw, 2 * C]);
  const sum = add({ type: "add", inputs: [avg, cat, cat], activation: "linear" }, [mh, mw, 2 * C]);
  const sa = activation(sum);
  // two heads: global average pooling, and flatten → dense; plus the projection's GAP
  const gap = add({ type: "globalAvgPool2d", inputs: [sa] }, [2 * C]);
  const flat = add({ type: "flatten", inputs: [sa] }, [mh * mw * 2 * C]);
  const dense1 = add({ type: "dense", inputs: [flat], units: 5, kernel: weights(mh * mw * 2 * C * 5, scale / Math.sqrt(mh * mw * C)), bias: weights(5, 0.3), activation: act() }, [5]);
  const gapProj = add({ type: "globalAvgPool2d", inputs: [proj] }, [projShape[2]]);
  const both = add({ type: "concat", inputs: [gap, dense1, gapProj] }, [2 * C + 5 + projShape[2]]);
  const n = 2 * C + 5 + projShape[2];
  const hidden = add({ type: "dense", inputs: [both], units: 6, kernel: weights(n * 6), bias: weights(6, 0.3), activation: "linear" }, [6]);
  const hb = activation(bn(hidden), act());
  const drop = add({ type: "activation", inputs: [hb], activation: "linear", name: "dropout" }, [6]);
  add({ type: "dense", inputs: [drop], units: 4, kernel: weights(24), bias: weights(4, 0.3), activation: "linear" }, [4]);
  return { inputShape, layers, head: "softmax" };
}

/** n uniform points in [−1, 1)^d (float64). */
export function randomInput(seed: number, d: number): Float64Array {
  const rand = mulberry32(seed);
  return Float64Array.from({ length: d }, () => 2 * rand() - 1);
}
