/**
 * Signatures of the Wasm kernels the linear-region analyses and optimal transport call: the compiled
 * network's graph kernels (src/engine/network.ts) plus the polygon splitters (assembly/regionsPlane.ts,
 * regionsPlanePool.ts), the plane's walk (regionsPlaneWalk.ts), the line's interval cuts (regionsLine.ts),
 * the region hashes, the frozen-pattern affine forms (assembly/graph/frozen.ts) and argmax.ts, gemm.ts,
 * vector64.ts.
 */
import type { GraphKernels } from "../../engine/network.js";

export interface RegionKernels extends GraphKernels {
  gemmF64(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  axpyF64(alpha: number, x: number, y: number, len: number): void;
  netAffineFrozenF64(net: number, rows: number, buf: number, pre: number, bits: number, argmax: number, biasRow: number, from: number, to: number): void;
  splitPolygonsF64(
    npoly: number, start: number, verts: number, parent: number, z: number, n: number, j: number, eps: number,
    bits: number, words: number, bit: number, outStart: number, outVerts: number, outParent: number, outBits: number,
  ): number;
  splitRegionsByUnitsF64(net: number, k: number, pre: number, eps: number, words: number, pool: number): number;
  fnv64Rows(count: number, words: number, bits: number, hashes: number): void;
  splitPolygonsMaxPoolF64(
    npoly: number, start: number, verts: number, parent: number, x: number, inSize: number, cells: number, k: number, eps: number,
    rows: number, words: number, argWord: number,
    outStart: number, outVerts: number, outParent: number, outRows: number, capPoly: number, capVerts: number, scratch: number, capScratch: number,
  ): number;
  regionsPlaneWalkF64(walk: number, eps: number): number;
  lineRootsF64(net: number, k: number, buf: number, pre: number, lo: number, hi: number, roots: number, cap: number): number;
  lineNodeWordsF64(net: number, k: number, buf: number, pre: number, t: number, row: number): void;
  splitRegionsByWindowsF64(net: number, k: number, buf: number, eps: number, pool: number, scratch: number, capScratch: number, cells: number): number;
  argmaxRowsF64(m: number, n: number, s: number, lds: number, h: number, idx: number, counts: number): void;
}
