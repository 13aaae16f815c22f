// Foliate's Wasm kernels: one operation per file, pointer ABI (byte offsets into linear memory), no managed
// objects. The host (src/engine/arena.ts) owns every byte from heapBase() upwards.
export { heapBase } from "./memory";
export { knnF32 } from "./knn";
export { symmetrizeCsr } from "./csr";
export { formanUndirected, formanDirected } from "./forman";
export { connectedComponents, hopSumsQueue, bitsetAdjacency, hopSumsBitset } from "./hops";
