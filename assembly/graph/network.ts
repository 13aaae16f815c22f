// The compiled network's drivers: batched forward with pattern capture, the activation pattern and region hash,
// JVP and VJP under one point's frozen pattern, and the crossing solve along a direction. Generic over
// T ∈ {f32, f64}; one source, both precisions. No allocation: every buffer is the caller's.
// The path-walk helpers (crossing sides, normals, constraints) are in paths.ts, the frozen-pattern affine forms in frozen.ts.
//
// `net` is the descriptor (NET_WORDS i32, see opcodes.ts): the layer table (NODE_STRIDE i32 per node) and the
// params in T. Per point, node k's output sits at F_VALUE_OFFSET of the point's value block (valueSize
// values; the input is the block at offset 0), its pre-activation at F_PRE_OFFSET of the pre block (preSize),
// a max pool's argmax at F_ARG_OFFSET of the argmax block (argSize i32). Batched buffers are count×block,
// row-major; tangent/cotangent buffers are rows×valueSize.
import {
  ACT_LINEAR, ACT_RELU, F_ACT, F_ALPHA_OFFSET, F_ARG_OFFSET, F_BIAS_OFFSET, F_C, F_DH, F_DW, F_FLAGS, F_GROUPS, F_H, F_IN_SIZE,
  F_INPUT0, F_INPUT1, F_KH, F_KW, F_N_INPUTS, F_OC, F_OH, F_OP, F_OUT_SIZE, F_OW, F_PAD_B, F_PAD_L, F_PAD_R, F_PAD_T,
  F_PATTERN_OFFSET, F_PRE_OFFSET, F_SH, F_SW, F_VALUE_OFFSET, F_W, F_WEIGHT_OFFSET, F_WEIGHT_T_OFFSET, FLAG_COUNT_INCLUDE_PAD,
  NET_ARG_SIZE, NET_INPUT_SIZE, NET_MAX_WIDTH, NET_NODES, NET_PARAMS, NET_PATTERN_WORDS, NET_PRE_SIZE, NET_TABLE,
  NET_VALUE_SIZE, NODE_STRIDE, OP_ACT, OP_ADD, OP_AFFINE, OP_AVGPOOL, OP_CONCAT, OP_CONV, OP_DENSE, OP_GAP, OP_MAXPOOL,
} from "./opcodes";
import { activationForward, activationScale } from "../activation";
import { fnv64, signBits } from "../pattern";
import { denseForward, denseTranspose, denseTransposeWorkBytes } from "./dense";
import { affineForward, affineTranspose } from "./affine";
import { copyRows } from "./add";
import { concatSlice } from "./concat";
import * as conv from "./conv";
import { conv2dTransposeSparseF32, conv2dTransposeSparseScratchBytes } from "./convCotangents";
import * as pool from "./pool";

// The conv/pool node kernels (assembly/graph/conv.ts, pool.ts) export f32 and f64 instances; T picks one at
// compile time.
// @ts-ignore: decorator
@inline function conv2dForward<T>(count: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, x: usize, kernel: usize, bias: usize, out: usize): void {
  if (sizeof<T>() == 4) conv.conv2dForwardF32(count, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, x, kernel, bias, out);
  else conv.conv2dForwardF64(count, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, x, kernel, bias, out);
}
// @ts-ignore: decorator
@inline function conv2dTranspose<T>(rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize, scratch: usize): void {
  if (sizeof<T>() == 4) conv.conv2dTransposeF32(rows, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, gOut, kernel, gIn, scratch);
  else conv.conv2dTransposeF64(rows, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, gOut, kernel, gIn, scratch);
}
// @ts-ignore: decorator
@inline function conv2dTransposeScratchBytes<T>(c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32, groups: i32): i32 {
  return sizeof<T>() == 4 ? conv.conv2dTransposeScratchBytesF32(c, oc, kh, kw, oh, ow, groups) : conv.conv2dTransposeScratchBytesF64(c, oc, kh, kw, oh, ow, groups);
}
// @ts-ignore: decorator
@inline function maxPool2dForward<T>(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, out: usize, argmax: usize): void {
  if (sizeof<T>() == 4) pool.maxPool2dForwardF32(count, h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, out, argmax);
  else pool.maxPool2dForwardF64(count, h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, out, argmax);
}
// @ts-ignore: decorator
@inline function maxPool2dRoute<T>(rows: i32, inSize: i32, outSize: i32, argmax: usize, src: usize, dst: usize, transpose: i32): void {
  if (sizeof<T>() == 4) pool.maxPool2dRouteF32(rows, inSize, outSize, argmax, src, dst, transpose);
  else pool.maxPool2dRouteF64(rows, inSize, outSize, argmax, src, dst, transpose);
}
// @ts-ignore: decorator
@inline function maxPool2dCrossing<T>(h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, dx: usize, argmax: usize, tmax: f64, outUnit: usize): f64 {
  return sizeof<T>() == 4
    ? pool.maxPool2dCrossingF32(h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, dx, argmax, tmax, outUnit)
    : pool.maxPool2dCrossingF64(h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, dx, argmax, tmax, outUnit);
}
// @ts-ignore: decorator
@inline function avgPool2dForward<T>(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, x: usize, out: usize): void {
  if (sizeof<T>() == 4) pool.avgPool2dForwardF32(count, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, x, out);
  else pool.avgPool2dForwardF64(count, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, x, out);
}
// @ts-ignore: decorator
@inline function avgPool2dTranspose<T>(rows: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, gOut: usize, gIn: usize): void {
  if (sizeof<T>() == 4) pool.avgPool2dTransposeF32(rows, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, gOut, gIn);
  else pool.avgPool2dTransposeF64(rows, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, gOut, gIn);
}
// @ts-ignore: decorator
@inline function globalAvgPoolForward<T>(count: i32, h: i32, w: i32, c: i32, x: usize, out: usize): void {
  if (sizeof<T>() == 4) pool.globalAvgPoolForwardF32(count, h, w, c, x, out);
  else pool.globalAvgPoolForwardF64(count, h, w, c, x, out);
}
// @ts-ignore: decorator
@inline function globalAvgPoolTranspose<T>(rows: i32, h: i32, w: i32, c: i32, gOut: usize, gIn: usize): void {
  if (sizeof<T>() == 4) pool.globalAvgPoolTransposeF32(rows, h, w, c, gOut, gIn);
  else pool.globalAvgPoolTransposeF64(rows, h, w, c, gOut, gIn);
}

// @ts-ignore: decorator
@inline function word(net: usize, f: i32): i32 {
  return load<i32>(net + (<usize>f << 2));
}

/** Field f of node k. */
// @ts-ignore: decorator
@inline function field(net: usize, k: i32, f: i32): i32 {
  return load<i32>(<usize>word(net, NET_TABLE) + (<usize>(k * NODE_STRIDE + f) << 2));
}

/** The i-th input (compiled index, −1 = the model input) of node k. */
export function inputOf(net: usize, k: i32, i: i32): i32 {
  if (field(net, k, F_N_INPUTS) <= 2) return field(net, k, F_INPUT0 + i);
  return load<i32>(<usize>word(net, NET_TABLE) + (<usize>(field(net, k, F_INPUT1) + i) << 2));
}

/** Offset (elements) of node j's output in a value block. */
// @ts-ignore: decorator
@inline export function valueOffset(net: usize, j: i32): i32 {
  return j < 0 ? 0 : field(net, j, F_VALUE_OFFSET);
}

/** Size of node j's output. */
// @ts-ignore: decorator
@inline export function sizeOf(net: usize, j: i32): i32 {
  return j < 0 ? word(net, NET_INPUT_SIZE) : field(net, j, F_OUT_SIZE);
}

/** Byte pointer to element `off` of the params in T (off < 0: 0). */
// @ts-ignore: decorator
@inline export function param<T>(net: usize, off: i32): usize {
  return off < 0 ? 0 : <usize>word(net, NET_PARAMS) + <usize>off * sizeof<T>();
}

// @ts-ignore: decorator
@inline export function alphaOf<T>(net: usize, k: i32): f64 {
  const at = field(net, k, F_ALPHA_OFFSET);
  return at < 0 ? 0 : <f64>load<T>(param<T>(net, at));
}

/**
 * Node k's linear part (with bias when `bias`) on `rows` value rows: inputs read from `src` (row stride srcLd,
 * node blocks at their value offsets), output to dst (stride dstLd), overwritten. Max pooling: `choose`
 * computes the argmax into argmax (+ r·argLd per row), otherwise routes through the stored one (argLd 0).
 */
export function applyLinear<T>(net: usize, k: i32, rows: i32, src: usize, srcLd: i32, dst: usize, dstLd: i32, bias: bool, argmax: usize, argLd: i32, choose: bool): void {
  const t = sizeof<T>();
  const op = field(net, k, F_OP);
  const x = src + <usize>valueOffset(net, inputOf(net, k, 0)) * t;
  const inSize = field(net, k, F_IN_SIZE), outSize = field(net, k, F_OUT_SIZE);
  const h = field(net, k, F_H), w = field(net, k, F_W), c = field(net, k, F_C);
  const oh = field(net, k, F_OH), ow = field(net, k, F_OW), oc = field(net, k, F_OC);
  const kh = field(net, k, F_KH), kw = field(net, k, F_KW), sh = field(net, k, F_SH), sw = field(net, k, F_SW);
  const padT = field(net, k, F_PAD_T), padL = field(net, k, F_PAD_L), padB = field(net, k, F_PAD_B), padR = field(net, k, F_PAD_R);
  const weight = param<T>(net, field(net, k, F_WEIGHT_OFFSET));
  const b = bias ? param<T>(net, field(net, k, F_BIAS_OFFSET)) : 0;
  const srcRow = <usize>srcLd * t, dstRow = <usize>dstLd * t;
  if (op == OP_DENSE) {
    denseForward<T>(rows, inSize, outSize, x, srcLd, weight, b, dst, dstLd);
  } else if (op == OP_AFFINE) {
    affineForward<T>(rows, outSize, oc, x, srcLd, weight, b, dst, dstLd);
  } else if (op == OP_ADD || op == OP_ACT) {
    const n = field(net, k, F_N_INPUTS);
    for (let i = 0; i < n; i++) copyRows<T>(rows, outSize, src + <usize>valueOffset(net, inputOf(net, k, i)) * t, srcLd, dst, dstLd, i > 0 ? 1 : 0);
  } else if (op == OP_CONCAT) {
    const n = field(net, k, F_N_INPUTS);
    const pixels = oh * ow;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const j = inputOf(net, k, i);
      const cIn = sizeOf(net, j) / pixels;
      concatSlice<T>(rows, pixels, cIn, oc, at, src + <usize>valueOffset(net, j) * t, srcLd, dst, dstLd, 0, 0);
      at += cIn;
    }
  } else {
    // windowed ops: one row at a time (rows are strided by a whole value block)
    for (let r = 0; r < rows; r++) {
      const xr = x + <usize>r * srcRow, yr = dst + <usize>r * dstRow;
      if (op == OP_CONV) {
        conv2dForward<T>(1, h, w, c, oc, kh, kw, sh, sw, field(net, k, F_DH), field(net, k, F_DW), padT, padL, oh, ow, field(net, k, F_GROUPS), xr, weight, b, yr);
      } else if (op == OP_MAXPOOL) {
        const am = argmax + (<usize>(r * argLd + field(net, k, F_ARG_OFFSET)) << 2);
        if (choose) maxPool2dForward<T>(1, h, w, c, kh, kw, sh, sw, padT, padL, oh, ow, xr, yr, am);
        else maxPool2dRoute<T>(1, inSize, outSize, am, xr, yr, 0);
      } else if (op == OP_AVGPOOL) {
        avgPool2dForward<T>(1, h, w, c, kh, kw, sh, sw, padT, padL, padB, padR, oh, ow, field(net, k, F_FLAGS) & FLAG_COUNT_INCLUDE_PAD, xr, yr);
      } else if (op == OP_GAP) {
        globalAvgPoolForward<T>(1, h, w, c, xr, yr);
      }
    }
  }
}

/**
 * Batched forward of `count` points x (count×d, contiguous; may be `values` itself, then not copied):
 * values (count×valueSize), pre (count×preSize), argmax (count×argSize i32), all overwritten.
 */
export function netForward<T>(net: usize, x: usize, count: i32, values: usize, pre: usize, argmax: usize): void {
  const t = sizeof<T>();
  const vs = word(net, NET_VALUE_SIZE), ps = word(net, NET_PRE_SIZE), as = word(net, NET_ARG_SIZE);
  const d = word(net, NET_INPUT_SIZE);
  if (x != values) copyRows<T>(count, d, x, d, values, vs, 0);
  const nodes = word(net, NET_NODES);
  for (let k = 0; k < nodes; k++) {
    const act = field(net, k, F_ACT);
    const out = values + <usize>field(net, k, F_VALUE_OFFSET) * t;
    const z = act == ACT_LINEAR ? out : pre + <usize>field(net, k, F_PRE_OFFSET) * t;
    const ld = act == ACT_LINEAR ? vs : ps;
    applyLinear<T>(net, k, count, values, vs, z, ld, true, argmax, as, true);
    if (act == ACT_LINEAR) continue;
    const n = field(net, k, F_OUT_SIZE), alpha = alphaOf<T>(net, k);
    for (let p = 0; p < count; p++) activationForward<T>(act, alpha, z + <usize>(p * ps) * t, out + <usize>(p * vs) * t, n);
  }
}

/** Activation patterns of `count` points from their pre-activations: bits (count×patternWords u32), overwritten. */
export function netPattern<T>(net: usize, pre: usize, count: i32, bits: usize): void {
  const words = word(net, NET_PATTERN_WORDS), ps = word(net, NET_PRE_SIZE), nodes = word(net, NET_NODES);
  memory.fill(bits, 0, <usize>(count * words) << 2);
  for (let p = 0; p < count; p++)
    for (let k = 0; k < nodes; k++) {
      const at = field(net, k, F_PATTERN_OFFSET);
      if (at < 0) continue;
      signBits<T>(field(net, k, F_OUT_SIZE), pre + <usize>(p * ps + field(net, k, F_PRE_OFFSET)) * sizeof<T>(), bits + (<usize>(p * words) << 2), at);
    }
}

/** Region hashes (count u64): FNV-1a 64 over each point's pattern words, then its max-pool argmax blocks in node order. */
export function netHash(net: usize, bits: usize, argmax: usize, count: i32, hashes: usize): void {
  const words = word(net, NET_PATTERN_WORDS), as = word(net, NET_ARG_SIZE), nodes = word(net, NET_NODES);
  for (let p = 0; p < count; p++) {
    let h = fnv64(bits + (<usize>(p * words) << 2), words, 0xcbf29ce484222325);
    for (let k = 0; k < nodes; k++) {
      const at = field(net, k, F_ARG_OFFSET);
      if (at >= 0) h = fnv64(argmax + (<usize>(p * as + at) << 2), field(net, k, F_OUT_SIZE), h);
    }
    store<u64>(hashes + (<usize>p << 3), h);
  }
}

/**
 * Forward-mode tangents under ONE point's frozen pattern (its pre block `pre` and argmax block `argmax`):
 * tin (rows×d, contiguous; may be `tan` itself) pushed through every node: tan (rows×valueSize) holds every
 * node's output tangent; tanPre (rows×preSize, or 0: not kept) the pre-activation tangents. `values` (the
 * point's value block) is not read; it is in the signature for symmetry with netVjp/netCrossing.
 */
export function netJvp<T>(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, tin: usize, tan: usize, tanPre: usize): void {
  const t = sizeof<T>();
  const vs = word(net, NET_VALUE_SIZE), ps = word(net, NET_PRE_SIZE), d = word(net, NET_INPUT_SIZE);
  if (tin != tan) copyRows<T>(rows, d, tin, d, tan, vs, 0);
  const nodes = word(net, NET_NODES);
  for (let k = 0; k < nodes; k++) {
    const act = field(net, k, F_ACT);
    const out = tan + <usize>field(net, k, F_VALUE_OFFSET) * t;
    const keepPre = act != ACT_LINEAR && tanPre != 0;
    const z = keepPre ? tanPre + <usize>field(net, k, F_PRE_OFFSET) * t : out;
    const ld = keepPre ? ps : vs;
    applyLinear<T>(net, k, rows, tan, vs, z, ld, false, argmax, 0, false);
    if (act == ACT_LINEAR) continue;
    const n = field(net, k, F_OUT_SIZE), alpha = alphaOf<T>(net, k);
    const zp = pre + <usize>field(net, k, F_PRE_OFFSET) * t;
    for (let r = 0; r < rows; r++) activationScale<T>(act, alpha, zp, z + <usize>(r * ld) * t, out + <usize>(r * vs) * t, n);
  }
}

// @ts-ignore: decorator
@inline export function align16(n: usize): usize {
  return (n + 15) & ~15;
}

/** Whether conv node k's transpose takes the batched, pattern-skipping kernel (convCotangents.ts): f32, groups = 1. */
// @ts-ignore: decorator
@inline function sparseConv<T>(net: usize, k: i32): bool {
  return sizeof<T>() == 4 && field(net, k, F_GROUPS) == 1;
}

/** Scratch of the node transposes: the dense compaction (rows cotangents) or the largest conv transpose's. */
function transposeScratchBytes<T>(net: usize, rows: i32): usize {
  let bytes = denseTransposeWorkBytes<T>(rows, word(net, NET_MAX_WIDTH));
  const nodes = word(net, NET_NODES);
  for (let k = 0; k < nodes; k++) {
    if (field(net, k, F_OP) != OP_CONV) continue;
    const b = sparseConv<T>(net, k)
      ? conv2dTransposeSparseScratchBytes(field(net, k, F_H), field(net, k, F_W), field(net, k, F_C), field(net, k, F_OC), field(net, k, F_KH), field(net, k, F_KW), field(net, k, F_OH), field(net, k, F_OW))
      : <usize>conv2dTransposeScratchBytes<T>(field(net, k, F_C), field(net, k, F_OC), field(net, k, F_KH), field(net, k, F_KW), field(net, k, F_OH), field(net, k, F_OW), field(net, k, F_GROUPS));
    if (b > bytes) bytes = b;
  }
  return bytes;
}

/** Scratch bytes netVjp needs for `rows` cotangent rows. */
export function netVjpWorkBytes<T>(net: usize, rows: i32): usize {
  return align16(<usize>rows * <usize>word(net, NET_VALUE_SIZE) * sizeof<T>()) + align16(<usize>(word(net, NET_NODES) + 1) << 2) + transposeScratchBytes<T>(net, rows);
}

/**
 * Reverse mode under ONE point's frozen pattern: `rows` cotangents of node `target`'s output (cot
 * rows×outSize(target), contiguous; cot == 0: the identity, rows = outSize(target)) pulled back to the input:
 * gin (rows×d), overwritten. Cotangents accumulate per node over the DAG (fan-out sums; add passes its
 * cotangent to every input; concat splits by channel); dense nodes skip inactive units; f32 convolutions
 * (groups = 1) take all rows at once and skip output units with zero cotangents and input units of an
 * inactive ReLU (convCotangents.ts).
 * work: netVjpWorkBytes(net, rows). Inside it node k's cotangents are one contiguous rows×outSize(k) block
 * (at rows·F_VALUE_OFFSET), so every node kernel takes all rows in one call; the input's accumulate in gin.
 */
export function netVjp<T>(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, cot: usize, gin: usize, work: usize): void {
  netVjpTo<T>(net, values, pre, argmax, rows, target, -1, cot, gin, work);
}

/**
 * netVjp stopped at node `stop` (−1 ≤ stop ≤ target): only nodes stop+1 .. target are transposed, and gin
 * (rows×outSize(stop); stop = −1: rows×d, the input) receives the cotangents of node stop's OUTPUT, before its
 * own activation's derivative. Correct as the full pull-back to that node when every path from the target
 * down to the nodes below `stop` runs through `stop` (e.g. node 0 is the input's only consumer). Units of
 * `stop` whose ReLU is inactive may hold 0 instead of their (unused) cotangent.
 */
export function netVjpTo<T>(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, stop: i32, cot: usize, gin: usize, work: usize): void {
  const t = sizeof<T>();
  const vs = word(net, NET_VALUE_SIZE);
  const g = work; // rows×valueSize, node-major
  const touched = g + align16(<usize>rows * <usize>vs * t); // (nodes + 1) i32: block j + 1 holds a cotangent
  const scratch = touched + align16(<usize>(word(net, NET_NODES) + 1) << 2);
  memory.fill(touched, 0, <usize>(target + 2) << 2);
  const m = sizeOf(net, target);
  const gt = target == stop ? gin : g + <usize>rows * <usize>valueOffset(net, target) * t;
  // an identity cotangent on a dense node is never materialized: its transpose is rows of WT
  const identityDense = !cot && target > stop && field(net, target, F_OP) == OP_DENSE;
  if (cot) memory.copy(gt, cot, <usize>(rows * m) * t);
  else if (!identityDense) {
    memory.fill(gt, 0, <usize>(rows * m) * t);
    for (let r = 0; r < rows; r++) store<T>(gt + <usize>(r * m + r) * t, <T>1);
  }
  store<i32>(touched + (<usize>(target + 1) << 2), 1);
  if (target == stop) return;
  for (let k = target; k > stop; k--) {
    if (!load<i32>(touched + (<usize>(k + 1) << 2))) continue;
    const op = field(net, k, F_OP), act = field(net, k, F_ACT);
    const outSize = field(net, k, F_OUT_SIZE), inSize = field(net, k, F_IN_SIZE);
    const gk = g + <usize>rows * <usize>field(net, k, F_VALUE_OFFSET) * t; // rows×outSize
    const zp = pre + <usize>field(net, k, F_PRE_OFFSET) * t;
    const alpha = alphaOf<T>(net, k);
    if (op != OP_DENSE && act != ACT_LINEAR) for (let r = 0; r < rows; r++) activationScale<T>(act, alpha, zp, gk + <usize>(r * outSize) * t, gk + <usize>(r * outSize) * t, outSize);
    const n = field(net, k, F_N_INPUTS);
    const h = field(net, k, F_H), w = field(net, k, F_W), c = field(net, k, F_C);
    const oh = field(net, k, F_OH), ow = field(net, k, F_OW), oc = field(net, k, F_OC);
    const kh = field(net, k, F_KH), kw = field(net, k, F_KW), sh = field(net, k, F_SH), sw = field(net, k, F_SW);
    const padT = field(net, k, F_PAD_T), padL = field(net, k, F_PAD_L), padB = field(net, k, F_PAD_B), padR = field(net, k, F_PAD_R);
    let at = 0; // concat: channel offset of input i
    for (let i = 0; i < n; i++) {
      const j = inputOf(net, k, i);
      const flag = touched + (<usize>(j + 1) << 2);
      const acc = load<i32>(flag);
      const sj = sizeOf(net, j);
      const gj = j == stop ? gin : g + <usize>rows * <usize>valueOffset(net, j) * t; // rows×sj
      if (op == OP_DENSE) {
        denseTranspose<T>(rows, outSize, inSize, identityDense && k == target ? 0 : gk, outSize, act, alpha, zp, param<T>(net, field(net, k, F_WEIGHT_T_OFFSET)), gj, sj, acc, scratch);
      } else if (op == OP_AFFINE) {
        affineTranspose<T>(rows, outSize, oc, gk, outSize, param<T>(net, field(net, k, F_WEIGHT_OFFSET)), gj, sj, acc);
      } else if (op == OP_ADD || op == OP_ACT) {
        copyRows<T>(rows, outSize, gk, outSize, gj, sj, acc);
      } else if (op == OP_CONCAT) {
        const cIn = sj / (oh * ow);
        concatSlice<T>(rows, oh * ow, cIn, oc, at, gj, sj, gk, outSize, 1, acc);
        at += cIn;
      } else {
        // windowed ops accumulate: clear the input's block on its first contribution
        if (!acc) memory.fill(gj, 0, <usize>(rows * sj) * t);
        if (op == OP_CONV && sparseConv<T>(net, k)) {
          // input units of an inactive ReLU are skipped: their cotangent is multiplied by 0 next
          const inPre = j >= 0 && field(net, j, F_ACT) == ACT_RELU ? pre + <usize>field(net, j, F_PRE_OFFSET) * t : 0;
          conv2dTransposeSparseF32(rows, h, w, c, oc, kh, kw, sh, sw, field(net, k, F_DH), field(net, k, F_DW), padT, padL, oh, ow, gk, param<T>(net, field(net, k, F_WEIGHT_OFFSET)), gj, inPre, scratch);
        } else if (op == OP_CONV) {
          conv2dTranspose<T>(rows, h, w, c, oc, kh, kw, sh, sw, field(net, k, F_DH), field(net, k, F_DW), padT, padL, oh, ow, field(net, k, F_GROUPS), gk, param<T>(net, field(net, k, F_WEIGHT_OFFSET)), gj, scratch);
        } else if (op == OP_MAXPOOL) {
          maxPool2dRoute<T>(rows, inSize, outSize, argmax + (<usize>field(net, k, F_ARG_OFFSET) << 2), gk, gj, 1);
        } else if (op == OP_AVGPOOL) {
          avgPool2dTranspose<T>(rows, h, w, c, kh, kw, sh, sw, padT, padL, padB, padR, oh, ow, field(net, k, F_FLAGS) & FLAG_COUNT_INCLUDE_PAD, gk, gj);
        } else if (op == OP_GAP) {
          globalAvgPoolTranspose<T>(rows, h, w, c, gk, gj);
        }
      }
      store<i32>(flag, 1);
    }
  }
  if (!load<i32>(touched + (<usize>(stop + 1) << 2))) memory.fill(gin, 0, <usize>(rows * sizeOf(net, stop)) * t);
}

/**
 * The first t in (0, tmax] at which ONE point moving along a direction leaves its linear region: a relu/leakyRelu
 * pre-activation z + t·ż changes sign, or a max-pool window's chosen input stops being the maximum. `tan`
 * (valueSize) and `tanPre` (preSize) are the direction's tangents (netJvp with rows = 1). Writes the node and
 * the unit (pre-activation index, or pool output index) to outUnit[0], outUnit[1] and returns t; returns
 * Infinity (outUnit = −1, −1) when nothing changes in (0, tmax]. outUnit: 4 i32 (words 2, 3 are scratch).
 * A relu unit crosses at t > 0 only; a max-pool window as the pool kernel decides (t ≥ 0 for a tie that
 * opens at once).
 */
export function netCrossing<T>(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, tmax: f64, outUnit: usize): f64 {
  const t = sizeof<T>();
  let best = Infinity;
  store<i32>(outUnit, -1);
  store<i32>(outUnit, -1, 4);
  const nodes = word(net, NET_NODES);
  for (let k = 0; k < nodes; k++) {
    if (field(net, k, F_PATTERN_OFFSET) >= 0) {
      const po = <usize>field(net, k, F_PRE_OFFSET) * t;
      const n = field(net, k, F_OUT_SIZE);
      for (let i = 0; i < n; i++) {
        const dz = <f64>load<T>(tanPre + po + <usize>i * t);
        if (dz == 0) continue;
        const tc = -<f64>load<T>(pre + po + <usize>i * t) / dz;
        if (tc > 0 && tc <= tmax && tc < best) {
          best = tc;
          store<i32>(outUnit, k);
          store<i32>(outUnit, i, 4);
        }
      }
    }
    if (field(net, k, F_OP) != OP_MAXPOOL) continue;
    const j = inputOf(net, k, 0);
    const xo = <usize>valueOffset(net, j) * t;
    const unit = outUnit + 8; // words 2, 3: the pool kernel's (output unit, rival cell)
    const tc = maxPool2dCrossing<T>(
      field(net, k, F_H), field(net, k, F_W), field(net, k, F_C), field(net, k, F_KH), field(net, k, F_KW), field(net, k, F_SH), field(net, k, F_SW),
      field(net, k, F_PAD_T), field(net, k, F_PAD_L), field(net, k, F_OH), field(net, k, F_OW),
      values + xo, tan + xo, argmax + (<usize>field(net, k, F_ARG_OFFSET) << 2), best < tmax ? best : tmax, unit,
    );
    if (tc < best) {
      best = tc;
      store<i32>(outUnit, k);
      store<i32>(outUnit, load<i32>(unit), 4);
    }
  }
  return best;
}
