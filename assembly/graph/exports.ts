// f32 and f64 instances of the compiled network's drivers (assembly/graph/network.ts, paths.ts, frozen.ts), exported to the host.
import { netCrossing, netForward, netHash, netJvp, netPattern, netVjp, netVjpTo, netVjpWorkBytes } from "./network";
import { netChoice, netConstraints, netEnterSide, netFlipNear, netResolveTies, netUnitCode } from "./paths";
import { netAffineFrozen } from "./frozen";

export { netChoice, netUnitCode };
import { copyRows } from "./add";

export function graphHash(net: usize, bits: usize, argmax: usize, count: i32, hashes: usize): void {
  netHash(net, bits, argmax, count, hashes);
}

export function graphForwardF32(net: usize, x: usize, count: i32, values: usize, pre: usize, argmax: usize): void {
  netForward<f32>(net, x, count, values, pre, argmax);
}
export function graphForwardF64(net: usize, x: usize, count: i32, values: usize, pre: usize, argmax: usize): void {
  netForward<f64>(net, x, count, values, pre, argmax);
}
export function graphPatternF32(net: usize, pre: usize, count: i32, bits: usize): void {
  netPattern<f32>(net, pre, count, bits);
}
export function graphPatternF64(net: usize, pre: usize, count: i32, bits: usize): void {
  netPattern<f64>(net, pre, count, bits);
}
export function graphJvpF32(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, tin: usize, tan: usize, tanPre: usize): void {
  netJvp<f32>(net, values, pre, argmax, rows, tin, tan, tanPre);
}
export function graphJvpF64(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, tin: usize, tan: usize, tanPre: usize): void {
  netJvp<f64>(net, values, pre, argmax, rows, tin, tan, tanPre);
}
export function graphVjpF32(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, cot: usize, gin: usize, work: usize): void {
  netVjp<f32>(net, values, pre, argmax, rows, target, cot, gin, work);
}
export function graphVjpF64(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, cot: usize, gin: usize, work: usize): void {
  netVjp<f64>(net, values, pre, argmax, rows, target, cot, gin, work);
}
export function graphVjpToF32(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, stop: i32, cot: usize, gout: usize, work: usize): void {
  netVjpTo<f32>(net, values, pre, argmax, rows, target, stop, cot, gout, work);
}
export function graphVjpWorkBytesF32(net: usize, rows: i32): usize {
  return netVjpWorkBytes<f32>(net, rows);
}
export function graphVjpWorkBytesF64(net: usize, rows: i32): usize {
  return netVjpWorkBytes<f64>(net, rows);
}
export function graphCrossingF32(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, tmax: f64, outUnit: usize): f64 {
  return netCrossing<f32>(net, values, pre, argmax, tan, tanPre, tmax, outUnit);
}
export function graphCrossingF64(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, tmax: f64, outUnit: usize): f64 {
  return netCrossing<f64>(net, values, pre, argmax, tan, tanPre, tmax, outUnit);
}

/** dst (rows×len f32, stride ldd) = src (rows×len, stride lds): gathers one node's block out of value rows. */
export function copyRowsF32(rows: i32, len: i32, src: usize, lds: i32, dst: usize, ldd: i32): void {
  copyRows<f32>(rows, len, src, lds, dst, ldd, 0);
}

// Path walks (leaves, geodesics, singular points): region sides, ties and constraints, float64.
export function netEnterSideF64(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, node: i32, unit: i32): void {
  netEnterSide<f64>(net, values, pre, argmax, tan, tanPre, node, unit);
}
export function netConstraintsF64(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, tan: usize, tanPre: usize, cap: i32, cb: usize, M: usize, code: usize, other: usize): i32 {
  return netConstraints<f64>(net, values, pre, argmax, rows, tan, tanPre, cap, cb, M, code, other);
}
export function netFlipNearF64(net: usize, values: usize, pre: usize, argmax: usize, tol: f64): i32 {
  return netFlipNear<f64>(net, values, pre, argmax, tol);
}
export function netResolveTiesF64(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize): i32 {
  return netResolveTies<f64>(net, values, pre, argmax, tan, tanPre);
}

// Regions in a plane: affine pre-activations of a polygon under its frozen pattern, float64.
export function netAffineFrozenF64(net: usize, rows: i32, buf: usize, pre: usize, bits: usize, argmax: usize, biasRow: i32, from: i32, to: i32): void {
  netAffineFrozen<f64>(net, rows, buf, pre, bits, argmax, biasRow, from, to);
}
