/** Signatures of the core Wasm kernels (assembly/*.ts). Pointers are byte offsets into the arena. */
export interface CoreKernels {
  gemmF32(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  symEigF64(n: number, a: number, lda: number, w: number, v: number, ldv: number, work: number): number;
  activationF32(kind: number, alpha: number, z: number, a: number, s: number, len: number): void;
  scaleColumnsF32(rows: number, len: number, g: number, ldg: number, s: number): void;
  broadcastRowsF32(m: number, n: number, bias: number, c: number, ldc: number): void;
  conv2dForwardF32(count: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, padT: number, padL: number, oh: number, ow: number, groups: number, x: number, kernel: number, bias: number, out: number): void;
  conv2dTransposeF32(rows: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, padT: number, padL: number, oh: number, ow: number, groups: number, gOut: number, kernel: number, gIn: number, scratch: number): void;
  conv2dTransposeActiveF32(rows: number, h: number, w: number, c: number, oc: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, padT: number, padL: number, oh: number, ow: number, groups: number, gOut: number, kernel: number, gIn: number, scratch: number, scale: number): void;
  conv2dTransposeActiveScratchBytesF32(rows: number, c: number, oc: number, kh: number, kw: number, oh: number, ow: number, groups: number): number;
  conv2dTransposeScratchBytesF32(c: number, oc: number, kh: number, kw: number, oh: number, ow: number, groups: number): number;
  maxPool2dForwardF32(count: number, h: number, w: number, c: number, ph: number, pw: number, sh: number, sw: number, padT: number, padL: number, oh: number, ow: number, x: number, out: number, argmax: number): void;
  maxPool2dRouteF32(rows: number, inSize: number, outSize: number, argmax: number, src: number, dst: number, transpose: number): void;
  avgPool2dForwardF32(count: number, h: number, w: number, c: number, ph: number, pw: number, sh: number, sw: number, padT: number, padL: number, padB: number, padR: number, oh: number, ow: number, countIncludePad: number, x: number, out: number): void;
  avgPool2dTransposeF32(rows: number, h: number, w: number, c: number, ph: number, pw: number, sh: number, sw: number, padT: number, padL: number, padB: number, padR: number, oh: number, ow: number, countIncludePad: number, gOut: number, gIn: number): void;
  gemmRowsF32(m: number, n: number, k: number, a: number, lda: number, b: number, rowOffsets: number, c: number, ldc: number): void;
  denseVjpF32(m: number, nOut: number, nIn: number, gOut: number, s: number, wt: number, gIn: number, work: number): void;
  signBitsF32(len: number, z: number, bits: number, offset: number): void;
  fnv64(words: number, count: number, h: bigint): bigint;
  fisherFactorF64(c: number, logits: number, p: number, f: number): void;
  lowRankEigF32(m: number, d: number, j: number, f: number, r: number, rankTol: number, values: number, vectors: number, work: number): number;
  denseMetricF32(m: number, d: number, j: number, f: number, g: number, work: number): void;
  denseEigF64(d: number, g: number, rankTol: number, values: number, vectors: number, work: number): number;
  softmaxF32(count: number, c: number, logits: number, probs: number): void;
  softmaxJacobianF32(c: number, d: number, j: number, p: number, mode: number, work: number): void;
  transposeF32(rows: number, cols: number, src: number, dst: number): void;
  identityF32(n: number, dst: number): void;
}
