// f32 and f64 instances of the compiled network's drivers (assembly/graph/network.ts), exported to the host.
import { netCrossing, netForward, netHash, netJvp, netPattern, netVjp, netVjpWorkBytes } from "./network";
import { netAffineFrozen } from "./network";

export { netHash };

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

export function netAffineFrozenF64(net: usize, rows: i32, buf: usize, pre: usize, bits: usize, argmax: usize, biasRow: i32, from: i32, to: i32): void {
  netAffineFrozen<f64>(net, rows, buf, pre, bits, argmax, biasRow, from, to);
}
