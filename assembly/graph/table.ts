// Reading a compiled network's descriptor and layer table (layout: ./opcodes.ts) from kernels outside the
// graph drivers (the region splitters).
import { F_C, F_H, F_KH, F_KW, F_OW, F_PAD_L, F_PAD_T, F_SH, F_SW, F_W, NET_TABLE, NODE_STRIDE } from "./opcodes";

/** Word f of the descriptor `net` (NET_* of opcodes.ts). */
// @ts-ignore: decorator
@inline export function netWord(net: usize, f: i32): i32 {
  return load<i32>(net + (<usize>f << 2));
}

/** Field f (F_* of opcodes.ts) of compiled node k. */
// @ts-ignore: decorator
@inline export function nodeField(net: usize, k: i32, f: i32): i32 {
  return load<i32>(<usize>netWord(net, NET_TABLE) + (<usize>(k * NODE_STRIDE + f) << 2));
}

/**
 * Input cell q of window o of the pooling node k (max or average pool; o = (oy·OW + ox)·C + ch, NHWC): the
 * window's cells inside the input, in the pool kernels' scan order (rows, then columns; padded cells left
 * out), as flat NHWC indices into the node's input. Returns −1 when q ≥ the window's cell count. Every scan
 * of a window in the region and path kernels goes through here.
 */
export function windowCell(net: usize, k: i32, o: i32, q: i32): i32 {
  const c = nodeField(net, k, F_C), ow = nodeField(net, k, F_OW), h = nodeField(net, k, F_H), w = nodeField(net, k, F_W);
  const ch = o % c, cell = o / c, oy = cell / ow, ox = cell % ow;
  const top = oy * nodeField(net, k, F_SH) - nodeField(net, k, F_PAD_T), left = ox * nodeField(net, k, F_SW) - nodeField(net, k, F_PAD_L);
  const y0 = max(top, 0), y1 = min(top + nodeField(net, k, F_KH), h);
  const x0 = max(left, 0), x1 = min(left + nodeField(net, k, F_KW), w);
  const width = x1 - x0;
  if (width <= 0 || q >= (y1 - y0) * width) return -1;
  return ((y0 + q / width) * w + x0 + q % width) * c + ch;
}

/** All cells of window o of pooling node k (windowCell's order) into cells (i32, room for kh·kw); returns their count. */
export function windowCells(net: usize, k: i32, o: i32, cells: usize): i32 {
  let q = 0;
  for (let b = windowCell(net, k, o, 0); b >= 0; b = windowCell(net, k, o, ++q)) store<i32>(cells + (<usize>q << 2), b);
  return q;
}
