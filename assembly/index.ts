// Foliate's Wasm kernels: one operation per file, pointer ABI (byte offsets into linear memory), no managed
// objects. The host (src/engine/arena.ts) owns every byte from heapBase() upwards.
export { heapBase } from "./memory";
export { svdJacobiF64, svdJacobiF64WorkBytes } from "./svd";
