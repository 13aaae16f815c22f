/**
 * A model seen as a piecewise-linear map for the exact region analyses: its dense and activation layers as
 * float64 steps (weights uploaded once per arena as f64), with each relu/leakyRelu step's first bit in the
 * activation pattern — the same bit order as the compiled network's (src/model/compile.ts), so that pattern
 * hashes agree with `engine.forward(...).regionHash`.
 */
import type { Arena } from "../../engine/arena.js";
import { NonFiniteError, ShapeError, UnsupportedLayerError } from "../../errors.js";
import type { Model } from "../../model/model.js";
import { windowPlacement } from "../../model/shapes.js";
import { requireChainSubset } from "../../model/legacyChain.js";
import type { Conv2dLayer, FlattenLayer, Layer, Pool2dLayer } from "../../model/types.js";

/** Geometry of a windowed op on one NHWC image. */
export interface WindowGeometry {
  h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number;
  padT: number; padL: number; oh: number; ow: number; oc: number;
}

export interface PwlStep {
  layer: number;
  /**
   * dense: z = x·W + b (W f64 in×out at `kernel`, b at `bias`; conv2d and avgPool2d layers are unrolled into
   * such a matrix); act: z = x; maxPool: the window maximum (geometry in `geo`), whose argmax joins the region.
   */
  kind: "dense" | "act" | "maxPool";
  inSize: number;
  outSize: number;
  kernel: number;
  bias: number;
  /** Piecewise-linear units: relu/leakyRelu split the domain; linear does not. */
  act: "linear" | "relu" | "leakyRelu";
  /** Slope for negative inputs: 0 (relu), alpha (leakyRelu), 1 (linear). */
  alpha: number;
  /** First pattern bit of this step's units (relu/leakyRelu only). */
  offset: number;
  /** maxPool: window geometry (as src/engine/plan.ts) and the first row word of its argmax indices. */
  geo?: WindowGeometry;
  argOffset: number;
  /**
   * maxPool: the window table in the arena, outSize×(kh·kw + 1) i32 row-major: per output its cell count,
   * then its input indices in scan order (padded cells left out); 0 for other steps.
   */
  windows: number;
}

export interface PwlNet {
  steps: PwlStep[];
  inputSize: number;
  outputSize: number;
  patternBits: number;
  patternWords: number;
  /** Words per region row: the pattern words, then one i32 argmax per max-pool output (the hashed row). */
  rowWords: number;
  /** Whether any step is a max-pool. */
  hasMaxPool: boolean;
}

/** Largest unrolled conv/avg-pool matrix (entries) accepted: 16 M f64 = 128 MiB. */
export const MAX_UNROLLED = 16 * 1024 * 1024;

const cache = new WeakMap<Arena, WeakMap<Model, PwlNet>>();

/**
 * The model's steps with f64 weights in `arena` (cached per arena and model). Call outside any
 * `arena.scoped` block: the weights are persistent allocations. conv2d and avgPool2d layers are linear and
 * become dense f64 matrices (UnsupportedLayerError when one would exceed MAX_UNROLLED entries); smooth
 * activations throw UnsupportedLayerError naming the layer.
 */
export function piecewiseLinearNet(arena: Arena, model: Model): PwlNet {
  let byModel = cache.get(arena);
  if (!byModel) cache.set(arena, (byModel = new WeakMap()));
  const hit = byModel.get(model);
  if (hit) return hit;
  requireChainSubset(model, "exact linear regions");
  const steps: PwlStep[] = [];
  let shape = [...model.inputShape];
  let size = model.inputSize;
  let bits = 0;
  const pools: PwlStep[] = [];
  model.layers.forEach((layer, i) => {
    if (layer.type === "flatten") {
      shape = [size];
      return;
    }
    if (layer.type === "maxPool2d" || layer.type === "avgPool2d") {
      const geo = windowGeometry(shape, layer, shape[2]);
      const outSize = geo.oh * geo.ow * geo.c;
      if (layer.type === "maxPool2d") {
        const windows = arena.putI32(windowTable(geo));
        const step: PwlStep = { layer: i, kind: "maxPool", inSize: size, outSize, kernel: 0, bias: 0, act: "linear", alpha: 1, offset: bits, geo, argOffset: 0, windows };
        steps.push(step);
        pools.push(step);
      } else {
        const k = unrollAvgPool(geo, i);
        steps.push({ layer: i, kind: "dense", inSize: size, outSize, kernel: arena.putF64(k), bias: arena.putF64(new Float64Array(outSize)), act: "linear", alpha: 1, offset: bits, argOffset: 0, windows: 0 });
      }
      shape = [geo.oh, geo.ow, geo.c];
      size = outSize;
      return;
    }
    const unit = layer as Extract<Layer, { activation: unknown }>;
    const act = unit.activation;
    if (act !== "linear" && act !== "relu" && act !== "leakyRelu") {
      throw new UnsupportedLayerError(`exact linear regions: layer ${i} has activation ${act}; supported are relu, leakyRelu and linear`);
    }
    const alpha = act === "relu" ? 0 : act === "leakyRelu" ? (unit.alpha ?? 0.3) : 1;
    let outSize = size, kernel = 0, bias = 0;
    if (layer.type === "dense") {
      outSize = layer.units;
      kernel = arena.putF64(layer.kernel);
      bias = arena.putF64(layer.bias);
      shape = [outSize];
    } else if (layer.type === "conv2d") {
      const geo = windowGeometry(shape, layer, layer.filters);
      outSize = geo.oh * geo.ow * geo.oc;
      const { k, b } = unrollConv(geo, layer, i);
      kernel = arena.putF64(k);
      bias = arena.putF64(b);
      shape = [geo.oh, geo.ow, geo.oc];
    }
    steps.push({ layer: i, kind: layer.type === "activation" ? "act" : "dense", inSize: size, outSize, kernel, bias, act, alpha, offset: bits, argOffset: 0, windows: 0 });
    if (act !== "linear") bits += outSize;
    size = outSize;
  });
  const patternWords = Math.max(1, Math.ceil(bits / 32));
  let rowWords = patternWords;
  for (const p of pools) {
    p.argOffset = rowWords;
    rowWords += p.outSize;
  }
  const net = { steps, inputSize: model.inputSize, outputSize: size, patternBits: bits, patternWords, rowWords, hasMaxPool: pools.length > 0 };
  byModel.set(model, net);
  return net;
}

/** A point argument as Float64Array of length d, checked. */
export function pointArg(name: string, x: ArrayLike<number>, d: number): Float64Array {
  if (!x || typeof x.length !== "number") throw new ShapeError(`${name}: expected an array of ${d} numbers, got ${typeof x}`);
  if (x.length !== d) throw new ShapeError(`${name}: expected ${d} values (the model's input size), got ${x.length}`);
  const out = Float64Array.from(x);
  for (let i = 0; i < d; i++) if (!Number.isFinite(out[i])) throw new NonFiniteError(`${name}[${i}] is ${out[i]}`);
  return out;
}

/** 64-bit views into the arena (the Arena class has f32/f64/i32/u8/u32). */
export function u64View(arena: Arena, ptr: number, len: number): BigUint64Array {
  return new BigUint64Array(arena.memory.buffer, ptr, len);
}

function windowGeometry(shape: number[], layer: Conv2dLayer | Pool2dLayer, oc: number): WindowGeometry {
  const [h, w, c] = shape;
  const win = layer.type === "conv2d" ? layer.kernelSize : layer.poolSize;
  const y = windowPlacement(shape, layer);
  return { h, w, c, kh: win[0], kw: win[1], sh: layer.strides[0], sw: layer.strides[1], padT: y.padT, padL: y.padL, oh: y.oh, ow: y.ow, oc };
}

/** Each max-pool output's window: outSize×(kh·kw + 1) i32, its cell count then its NHWC input indices in scan order. */
function windowTable(g: WindowGeometry): Int32Array {
  const K = g.kh * g.kw;
  const table = new Int32Array(g.oh * g.ow * g.c * (K + 1)); // outSize×(K+1), row-major
  for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) for (let ch = 0; ch < g.c; ch++) {
    const row = ((oy * g.ow + ox) * g.c + ch) * (K + 1);
    let n = 0;
    for (let dy = 0; dy < g.kh; dy++) for (let dx = 0; dx < g.kw; dx++) {
      const iy = oy * g.sh + dy - g.padT, ix = ox * g.sw + dx - g.padL;
      if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) table[row + 1 + n++] = (iy * g.w + ix) * g.c + ch;
    }
    table[row] = n;
  }
  return table;
}

function checkUnroll(inSize: number, outSize: number, i: number, type: string): void {
  if (inSize * outSize > MAX_UNROLLED)
    throw new UnsupportedLayerError(`exact linear regions: layer ${i} (${type}) would unroll to a ${inSize}×${outSize} matrix, above ${MAX_UNROLLED} entries`);
}

/** The conv as a dense in×out f64 matrix (NHWC in and out; same arithmetic as src/reference/forward.ts conv2d). */
function unrollConv(g: WindowGeometry, l: Conv2dLayer, i: number): { k: Float64Array; b: Float64Array } {
  const inSize = g.h * g.w * g.c, outSize = g.oh * g.ow * g.oc;
  checkUnroll(inSize, outSize, i, "conv2d");
  const k = new Float64Array(inSize * outSize); // in×out, row-major
  const b = new Float64Array(outSize);
  for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    const o = (oy * g.ow + ox) * g.oc;
    for (let f = 0; f < g.oc; f++) b[o + f] = l.bias[f];
    for (let dy = 0; dy < g.kh; dy++) {
      const iy = oy * g.sh + dy - g.padT;
      if (iy < 0 || iy >= g.h) continue;
      for (let dx = 0; dx < g.kw; dx++) {
        const ix = ox * g.sw + dx - g.padL;
        if (ix < 0 || ix >= g.w) continue;
        for (let ci = 0; ci < g.c; ci++) {
          const row = ((iy * g.w + ix) * g.c + ci) * outSize;
          const kb = ((dy * g.kw + dx) * g.c + ci) * g.oc;
          for (let f = 0; f < g.oc; f++) k[row + o + f] += l.kernel[kb + f];
        }
      }
    }
  }
  return { k, b };
}

/** Average pooling (padding excluded from the divisor) as a dense in×out f64 matrix. */
function unrollAvgPool(g: WindowGeometry, i: number): Float64Array {
  const inSize = g.h * g.w * g.c, outSize = g.oh * g.ow * g.c;
  checkUnroll(inSize, outSize, i, "avgPool2d");
  const k = new Float64Array(inSize * outSize); // in×out, row-major
  for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    const cells: number[] = [];
    for (let dy = 0; dy < g.kh; dy++) for (let dx = 0; dx < g.kw; dx++) {
      const iy = oy * g.sh + dy - g.padT, ix = ox * g.sw + dx - g.padL;
      if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) cells.push(iy * g.w + ix);
    }
    for (let ci = 0; ci < g.c; ci++) for (const cidx of cells) k[(cidx * g.c + ci) * outSize + (oy * g.ow + ox) * g.c + ci] = 1 / cells.length;
  }
  return k;
}


