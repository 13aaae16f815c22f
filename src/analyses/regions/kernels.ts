/** Signatures of the Wasm kernels the linear-region analyses and optimal transport call (assembly/regionsLine.ts, regionsPlane.ts, regionsPool.ts, regionsPlanePool.ts, argmax.ts, gemm.ts). */
export interface RegionKernels {
  gemmF64(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  biasRowsF64(count: number, n: number, bias: number, z: number, ldz: number, stride: number): void;
  lineCrossingsF64(m: number, n: number, z: number, t: number, roots: number, counts: number): number;
  lineActivateF64(m: number, n: number, z: number, parent: number, t: number, alpha: number, x: number, srcBits: number, dstBits: number, words: number, offset: number): void;
  splitPolygonsF64(
    npoly: number, start: number, verts: number, parent: number, z: number, n: number, j: number, eps: number,
    bits: number, words: number, bit: number, outStart: number, outVerts: number, outParent: number, outBits: number,
  ): number;
  polygonActivateF64(npoly: number, n: number, z: number, parent: number, bits: number, words: number, offset: number, alpha: number, x: number): void;
  fnv64Rows(count: number, words: number, bits: number, hashes: number): void;
  lineMaxPoolCrossingsF64(m: number, h: number, w: number, c: number, ph: number, pw: number, sh: number, sw: number, padT: number, padL: number, oh: number, ow: number, x: number, t: number, roots: number, counts: number): number;
  lineMaxPoolActivateF64(
    m: number, h: number, w: number, c: number, ph: number, pw: number, sh: number, sw: number, padT: number, padL: number, oh: number, ow: number,
    x: number, parent: number, t: number, out: number, srcRows: number, dstRows: number, words: number, argOffset: number,
  ): void;
  splitPolygonsMaxPoolF64(
    npoly: number, start: number, verts: number, parent: number, x: number, inSize: number, cells: number, k: number, eps: number,
    rows: number, words: number, argWord: number,
    outStart: number, outVerts: number, outParent: number, outRows: number, capPoly: number, capVerts: number, scratch: number, capScratch: number,
  ): number;
  polygonMaxPoolActivateF64(npoly: number, inSize: number, outSize: number, x: number, parent: number, rows: number, words: number, argOffset: number, out: number): void;
  argmaxRowsF64(m: number, n: number, s: number, lds: number, h: number, idx: number, counts: number): void;
}
