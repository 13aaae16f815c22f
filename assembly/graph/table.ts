// Reading a compiled network's descriptor and layer table (layout: ./opcodes.ts) from kernels outside the
// graph drivers (the region splitters).
import { NET_TABLE, NODE_STRIDE } from "./opcodes";

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
