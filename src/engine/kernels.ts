/** Signatures of the core Wasm kernels (assembly/*.ts). Pointers are byte offsets into the arena. */
export interface CoreKernels {
  gemmF32(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  symEigF64(n: number, a: number, lda: number, w: number, v: number, ldv: number, work: number): number;
  gemmRowsF32(m: number, n: number, k: number, a: number, lda: number, b: number, rowOffsets: number, c: number, ldc: number): void;
  fnv64(words: number, count: number, h: bigint): bigint;
  fisherFactorF64(c: number, logits: number, p: number, f: number): void;
  lowRankEigF32(m: number, d: number, j: number, f: number, r: number, rankTol: number, values: number, vectors: number, work: number): number;
  denseMetricF32(m: number, d: number, j: number, f: number, g: number, work: number): void;
  denseEigF64(d: number, g: number, rankTol: number, values: number, vectors: number, work: number): number;
  softmaxF32(count: number, c: number, logits: number, probs: number): void;
  softmaxJacobianF32(c: number, d: number, j: number, p: number, mode: number, work: number): void;
  transposeF32(rows: number, cols: number, src: number, lds: number, dst: number): void;
  identityF32(n: number, dst: number): void;
}
