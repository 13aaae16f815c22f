// Linear regions along a line x(t) = a + t·(b − a) (src/analyses/regions/line.ts). On one region every node's
// value is affine in t: the forms of netAffineFrozen with two rows, row 0 the slope ∂/∂t and row 1 the value at
// t = 0 (buf: 2×valueSize f64, pre: 2×preSize f64). These kernels cut an interval of t at a kink node: where
// its units change sign or its windows change their argmax, and what the node's part of the region row is
// inside each piece.
import { F_ARG_OFFSET, F_INPUT0, F_OP, F_OUT_SIZE, F_PATTERN_OFFSET, F_PRE_OFFSET, F_VALUE_OFFSET, NET_PATTERN_WORDS, NET_PRE_SIZE, NET_VALUE_SIZE, OP_MAXPOOL } from "./graph/opcodes";
import { netWord, nodeField, windowCell } from "./graph/table";

/** Byte offset of max pool k's input block in a value row (its first input; −1: the model input). */
// @ts-ignore: decorator
@inline function poolInput(net: usize, k: i32): usize {
  const j = nodeField(net, k, F_INPUT0);
  return <usize>(j < 0 ? 0 : nodeField(net, j, F_VALUE_OFFSET)) << 3;
}

/**
 * The points of (lo, hi) where kink node k may change: a relu/leakyRelu unit's zero −C/A, or, for a max pool,
 * where two inputs of one window are equal, (C_j − C_i)/(A_i − A_j) (a superset of where the window's argmax
 * changes). Writes those strictly inside (lo, hi) to roots (f64, unsorted) up to `cap` and returns their count
 * (a count above cap: call again with room for it).
 */
export function lineRootsF64(net: usize, k: i32, buf: usize, pre: usize, lo: f64, hi: f64, roots: usize, cap: i32): i32 {
  let n = 0;
  const size = nodeField(net, k, F_OUT_SIZE);
  if (nodeField(net, k, F_OP) != OP_MAXPOOL) {
    const a = pre + (<usize>nodeField(net, k, F_PRE_OFFSET) << 3), c = a + (<usize>netWord(net, NET_PRE_SIZE) << 3);
    for (let j = 0; j < size; j++) {
      const r = -load<f64>(c + (<usize>j << 3)) / load<f64>(a + (<usize>j << 3));
      if (r > lo && r < hi) {
        if (n < cap) store<f64>(roots + (<usize>n << 3), r);
        n++;
      }
    }
    return n;
  }
  const a = buf + poolInput(net, k), c = a + (<usize>netWord(net, NET_VALUE_SIZE) << 3);
  for (let o = 0; o < size; o++) {
    for (let q = 0, i = windowCell(net, k, o, 0); i >= 0; i = windowCell(net, k, o, ++q)) {
      const ai = load<f64>(a + (<usize>i << 3)), ci = load<f64>(c + (<usize>i << 3));
      for (let p = q + 1, j = windowCell(net, k, o, p); j >= 0; j = windowCell(net, k, o, ++p)) {
        const r = (load<f64>(c + (<usize>j << 3)) - ci) / (ai - load<f64>(a + (<usize>j << 3)));
        if (r > lo && r < hi) {
          if (n < cap) store<f64>(roots + (<usize>n << 3), r);
          n++;
        }
      }
    }
  }
  return n;
}

/**
 * Kink node k's part of a region row (`row`: the pattern words, then the argmax words, as engine.forward
 * hashes them) at the point t: a relu/leakyRelu unit's bit is set where A·t + C > 0 (the node's bits must be
 * clear before: they are ORed in); a max pool's argmax word o becomes the first input of window o with the
 * largest A·t + C (the pool kernel's first maximum), as a flat index into the pool's input.
 */
export function lineNodeWordsF64(net: usize, k: i32, buf: usize, pre: usize, t: f64, row: usize): void {
  const size = nodeField(net, k, F_OUT_SIZE);
  if (nodeField(net, k, F_OP) != OP_MAXPOOL) {
    const a = pre + (<usize>nodeField(net, k, F_PRE_OFFSET) << 3), c = a + (<usize>netWord(net, NET_PRE_SIZE) << 3);
    const bit0 = nodeField(net, k, F_PATTERN_OFFSET);
    for (let j = 0; j < size; j++) {
      if (!(load<f64>(a + (<usize>j << 3)) * t + load<f64>(c + (<usize>j << 3)) > 0)) continue;
      const b = bit0 + j, wp = row + (<usize>(b >>> 5) << 2);
      store<u32>(wp, load<u32>(wp) | (1 << (b & 31)));
    }
    return;
  }
  const a = buf + poolInput(net, k), c = a + (<usize>netWord(net, NET_VALUE_SIZE) << 3);
  const words = row + (<usize>(netWord(net, NET_PATTERN_WORDS) + nodeField(net, k, F_ARG_OFFSET)) << 2);
  for (let o = 0; o < size; o++) {
    let best = -Infinity, at = -1;
    for (let q = 0, i = windowCell(net, k, o, 0); i >= 0; i = windowCell(net, k, o, ++q)) {
      const v = load<f64>(a + (<usize>i << 3)) * t + load<f64>(c + (<usize>i << 3));
      if (at < 0 || v > best) {
        best = v;
        at = i;
      }
    }
    store<i32>(words + (<usize>o << 2), at);
  }
}
