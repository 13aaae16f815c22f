// f32 and f64 instances of the compiled network's drivers (assembly/graph/network.ts), exported to the host.
import { netChoice, netConstraints, netCrossing, netEnterSide, netFlipNear, netForward, netHash, netJvp, netPattern, netResolveTies, netUnitCode, netVjp, netVjpWorkBytes } from "./network";

export { netHash, netChoice, netUnitCode };

export function netForwardF32(net: usize, x: usize, count: i32, values: usize, pre: usize, argmax: usize): void {
  netForward<f32>(net, x, count, values, pre, argmax);
}
export function netForwardF64(net: usize, x: usize, count: i32, values: usize, pre: usize, argmax: usize): void {
  netForward<f64>(net, x, count, values, pre, argmax);
}
export function netPatternF32(net: usize, pre: usize, count: i32, bits: usize): void {
  netPattern<f32>(net, pre, count, bits);
}
export function netPatternF64(net: usize, pre: usize, count: i32, bits: usize): void {
  netPattern<f64>(net, pre, count, bits);
}
export function netJvpF32(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, tin: usize, tan: usize, tanPre: usize): void {
  netJvp<f32>(net, values, pre, argmax, rows, tin, tan, tanPre);
}
export function netJvpF64(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, tin: usize, tan: usize, tanPre: usize): void {
  netJvp<f64>(net, values, pre, argmax, rows, tin, tan, tanPre);
}
export function netVjpF32(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, cot: usize, gin: usize, work: usize): void {
  netVjp<f32>(net, values, pre, argmax, rows, target, cot, gin, work);
}
export function netVjpF64(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, target: i32, cot: usize, gin: usize, work: usize): void {
  netVjp<f64>(net, values, pre, argmax, rows, target, cot, gin, work);
}
export function netVjpWorkBytesF32(net: usize, rows: i32): usize {
  return netVjpWorkBytes<f32>(net, rows);
}
export function netVjpWorkBytesF64(net: usize, rows: i32): usize {
  return netVjpWorkBytes<f64>(net, rows);
}
export function netCrossingF32(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, tmax: f64, outUnit: usize): f64 {
  return netCrossing<f32>(net, values, pre, argmax, tan, tanPre, tmax, outUnit);
}
export function netCrossingF64(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, tmax: f64, outUnit: usize): f64 {
  return netCrossing<f64>(net, values, pre, argmax, tan, tanPre, tmax, outUnit);
}
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
