// The compiled network's drivers: batched forward with pattern capture, the activation pattern and region hash,
// JVP and VJP under one point's frozen pattern, and the crossing solve along a direction. Generic over
// T ∈ {f32, f64}; one source, both precisions. No allocation: every buffer is the caller's.
//
// `net` is the descriptor (NET_WORDS i32, see opcodes.ts): the layer table (NODE_STRIDE i32 per node) and the
// params in T. Per point, node k's output sits at F_VALUE_OFFSET of the point's value block (valueSize
// values; the input is the block at offset 0), its pre-activation at F_PRE_OFFSET of the pre block (preSize),
// a max pool's argmax at F_ARG_OFFSET of the argmax block (argSize i32). Batched buffers are count×block,
// row-major; tangent/cotangent buffers are rows×valueSize.
import {
  ACT_LINEAR, F_ACT, F_ALPHA_OFFSET, F_ARG_OFFSET, F_BIAS_OFFSET, F_C, F_DH, F_DW, F_FLAGS, F_GROUPS, F_H, F_IN_SIZE,
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
import { conv2dForward, conv2dTranspose, conv2dTransposeScratchBytes } from "./conv";
import {
  avgPool2dForward, avgPool2dTranspose, globalAvgPoolForward, globalAvgPoolTranspose, maxPool2dCrossing, maxPool2dForward, maxPool2dRoute,
} from "./pool";

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
function inputOf(net: usize, k: i32, i: i32): i32 {
  if (field(net, k, F_N_INPUTS) <= 2) return field(net, k, F_INPUT0 + i);
  return load<i32>(<usize>word(net, NET_TABLE) + (<usize>(field(net, k, F_INPUT1) + i) << 2));
}

/** Offset (elements) of node j's output in a value block. */
// @ts-ignore: decorator
@inline function valueOffset(net: usize, j: i32): i32 {
  return j < 0 ? 0 : field(net, j, F_VALUE_OFFSET);
}

/** Size of node j's output. */
// @ts-ignore: decorator
@inline function sizeOf(net: usize, j: i32): i32 {
  return j < 0 ? word(net, NET_INPUT_SIZE) : field(net, j, F_OUT_SIZE);
}

/** Byte pointer to element `off` of the params in T (off < 0: 0). */
// @ts-ignore: decorator
@inline function param<T>(net: usize, off: i32): usize {
  return off < 0 ? 0 : <usize>word(net, NET_PARAMS) + <usize>off * sizeof<T>();
}

// @ts-ignore: decorator
@inline function alphaOf<T>(net: usize, k: i32): f64 {
  const at = field(net, k, F_ALPHA_OFFSET);
  return at < 0 ? 0 : <f64>load<T>(param<T>(net, at));
}

/**
 * Node k's linear part (with bias when `bias`) on `rows` value rows: inputs read from `src` (row stride srcLd,
 * node blocks at their value offsets), output to dst (stride dstLd), overwritten. Max pooling: `choose`
 * computes the argmax into argmax (+ r·argLd per row), otherwise routes through the stored one (argLd 0).
 */
function applyLinear<T>(net: usize, k: i32, rows: i32, src: usize, srcLd: i32, dst: usize, dstLd: i32, bias: bool, argmax: usize, argLd: i32, choose: bool): void {
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
@inline function align16(n: usize): usize {
  return (n + 15) & ~15;
}

/** Scratch bytes netVjp needs for `rows` cotangent rows. */
export function netVjpWorkBytes<T>(net: usize, rows: i32): usize {
  // the dense and conv transposes run one at a time: they share one scratch region
  let scratch = denseTransposeWorkBytes<T>(rows, word(net, NET_MAX_WIDTH));
  const nodes = word(net, NET_NODES);
  for (let k = 0; k < nodes; k++) {
    if (field(net, k, F_OP) != OP_CONV) continue;
    const conv = <usize>conv2dTransposeScratchBytes<T>(
      field(net, k, F_C), field(net, k, F_OC), field(net, k, F_KH), field(net, k, F_KW), field(net, k, F_OH), field(net, k, F_OW), field(net, k, F_GROUPS),
    );
    if (conv > scratch) scratch = conv;
  }
  return align16(<usize>rows * <usize>word(net, NET_VALUE_SIZE) * sizeof<T>()) + align16(<usize>(word(net, NET_NODES) + 1) << 2) + scratch;
}

/**
 * Reverse mode under ONE point's frozen pattern: `rows` cotangents of node `target`'s output (cot
 * rows×outSize(target), contiguous; cot == 0: the identity, rows = outSize(target)) pulled back to the input:
 * gin (rows×d), overwritten. Cotangents accumulate per node over the DAG (fan-out sums; add passes its
 * cotangent to every input; concat splits by channel); dense nodes skip inactive units.
 * work: netVjpWorkBytes(net, rows).
 */
export function netVjp<T>(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, cot: usize, gin: usize, work: usize): void {
  const t = sizeof<T>();
  const vs = word(net, NET_VALUE_SIZE), d = word(net, NET_INPUT_SIZE);
  const g = work; // rows×valueSize: every node's output cotangent
  const touched = g + align16(<usize>rows * <usize>vs * t); // (nodes + 1) i32: block j + 1 holds a cotangent
  const scratch = touched + align16(<usize>(word(net, NET_NODES) + 1) << 2);
  memory.fill(touched, 0, <usize>(target + 2) << 2);
  const m = sizeOf(net, target);
  const gt = g + <usize>valueOffset(net, target) * t;
  if (cot) copyRows<T>(rows, m, cot, m, gt, vs, 0);
  else
    for (let r = 0; r < rows; r++) {
      const row = gt + <usize>(r * vs) * t;
      memory.fill(row, 0, <usize>m * t);
      store<T>(row + <usize>r * t, <T>1);
    }
  store<i32>(touched + (<usize>(target + 1) << 2), 1);
  for (let k = target; k >= 0; k--) {
    if (!load<i32>(touched + (<usize>(k + 1) << 2))) continue;
    const op = field(net, k, F_OP), act = field(net, k, F_ACT);
    const outSize = field(net, k, F_OUT_SIZE), inSize = field(net, k, F_IN_SIZE);
    const gk = g + <usize>field(net, k, F_VALUE_OFFSET) * t;
    const zp = pre + <usize>field(net, k, F_PRE_OFFSET) * t;
    const alpha = alphaOf<T>(net, k);
    if (op != OP_DENSE && act != ACT_LINEAR) for (let r = 0; r < rows; r++) activationScale<T>(act, alpha, zp, gk + <usize>(r * vs) * t, gk + <usize>(r * vs) * t, outSize);
    const n = field(net, k, F_N_INPUTS);
    const oh = field(net, k, F_OH), ow = field(net, k, F_OW), oc = field(net, k, F_OC);
    let at = 0; // concat: channel offset of input i
    for (let i = 0; i < n; i++) {
      const j = inputOf(net, k, i);
      const flag = touched + (<usize>(j + 1) << 2);
      const acc = load<i32>(flag);
      const gj = g + <usize>valueOffset(net, j) * t;
      const sj = sizeOf(net, j);
      if (op == OP_DENSE) {
        denseTranspose<T>(rows, outSize, inSize, gk, vs, act, alpha, zp, param<T>(net, field(net, k, F_WEIGHT_T_OFFSET)), gj, vs, acc, scratch);
      } else if (op == OP_AFFINE) {
        affineTranspose<T>(rows, outSize, oc, gk, vs, param<T>(net, field(net, k, F_WEIGHT_OFFSET)), gj, vs, acc);
      } else if (op == OP_ADD || op == OP_ACT) {
        copyRows<T>(rows, outSize, gk, vs, gj, vs, acc);
      } else if (op == OP_CONCAT) {
        const cIn = sj / (oh * ow);
        concatSlice<T>(rows, oh * ow, cIn, oc, at, gj, vs, gk, vs, 1, acc);
        at += cIn;
      } else {
        // windowed ops accumulate: clear the input's block on its first contribution
        const h = field(net, k, F_H), w = field(net, k, F_W), c = field(net, k, F_C);
        const kh = field(net, k, F_KH), kw = field(net, k, F_KW), sh = field(net, k, F_SH), sw = field(net, k, F_SW);
        const padT = field(net, k, F_PAD_T), padL = field(net, k, F_PAD_L);
        for (let r = 0; r < rows; r++) {
          const gr = gk + <usize>(r * vs) * t, ir = gj + <usize>(r * vs) * t;
          if (!acc) memory.fill(ir, 0, <usize>sj * t);
          if (op == OP_CONV) {
            conv2dTranspose<T>(1, h, w, c, oc, kh, kw, sh, sw, field(net, k, F_DH), field(net, k, F_DW), padT, padL, oh, ow, field(net, k, F_GROUPS), gr, param<T>(net, field(net, k, F_WEIGHT_OFFSET)), ir, scratch);
          } else if (op == OP_MAXPOOL) {
            maxPool2dRoute<T>(1, inSize, outSize, argmax + (<usize>field(net, k, F_ARG_OFFSET) << 2), gr, ir, 1);
          } else if (op == OP_AVGPOOL) {
            avgPool2dTranspose<T>(1, h, w, c, kh, kw, sh, sw, padT, padL, field(net, k, F_PAD_B), field(net, k, F_PAD_R), oh, ow, field(net, k, F_FLAGS) & FLAG_COUNT_INCLUDE_PAD, gr, ir);
          } else if (op == OP_GAP) {
            globalAvgPoolTranspose<T>(1, h, w, c, gr, ir);
          }
        }
      }
      store<i32>(flag, 1);
    }
  }
  if (load<i32>(touched)) copyRows<T>(rows, d, g, vs, gin, d, 0);
  else memory.fill(gin, 0, <usize>(rows * d) * t);
}

/**
 * The first t in (0, tmax] at which ONE point moving along a direction leaves its linear region: a relu/leakyRelu
 * pre-activation z + t·ż changes sign, or a max-pool window's chosen input stops being the maximum. `tan`
 * (valueSize) and `tanPre` (preSize) are the direction's tangents (netJvp with rows = 1). Writes the node and
 * the unit (pre-activation index, or pool output index) to outUnit[0], outUnit[1] and returns t; for a
 * max-pool crossing outUnit[2] is the competing input cell that takes over (flat NHWC index in the pool's input
 * image), else −1. Returns Infinity (outUnit = −1, −1, −1) when nothing changes in (0, tmax]. outUnit: 4 i32
 * (the fourth is scratch).
 */
export function netCrossing<T>(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, tmax: f64, outUnit: usize): f64 {
  const t = sizeof<T>();
  let best = Infinity;
  let rival = -1;
  store<i32>(outUnit, -1);
  store<i32>(outUnit, -1, 4);
  store<i32>(outUnit, -1, 8);
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
          rival = -1;
          store<i32>(outUnit, k);
          store<i32>(outUnit, i, 4);
        }
      }
    }
    if (field(net, k, F_OP) != OP_MAXPOOL) continue;
    const j = inputOf(net, k, 0);
    const xo = <usize>valueOffset(net, j) * t;
    const unit = outUnit + 8; // words 2 and 3 as scratch: the pool's output index and the competing cell
    const tc = maxPool2dCrossing<T>(
      field(net, k, F_H), field(net, k, F_W), field(net, k, F_C), field(net, k, F_KH), field(net, k, F_KW), field(net, k, F_SH), field(net, k, F_SW),
      field(net, k, F_PAD_T), field(net, k, F_PAD_L), field(net, k, F_OH), field(net, k, F_OW),
      values + xo, tan + xo, argmax + (<usize>field(net, k, F_ARG_OFFSET) << 2), best < tmax ? best : tmax, unit,
    );
    if (tc < best) {
      best = tc;
      store<i32>(outUnit, k);
      store<i32>(outUnit, load<i32>(unit), 4);
      rival = load<i32>(unit, 4);
    }
  }
  store<i32>(outUnit, rival, 8);
  return best;
}
