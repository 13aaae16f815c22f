// Dense node y = act(x·W + b), W [in, out] row-major, and its transpose, generic over T ∈ {f32, f64}.
// Rows are strided (the engine keeps a point's node values in one block), so every operand has a row stride.
import { gemmRowsT, gemmT } from "../gemm";
import { activationDerivativeAt, ACT_LINEAR } from "../activation";

/**
 * z (rows×nOut, stride ldz) = x (rows×nIn, stride ldx) · W (nIn×nOut) + bias (bias == 0: no bias, the
 * linear part alone: the JVP). z is overwritten.
 */
export function denseForward<T>(rows: i32, nIn: i32, nOut: i32, x: usize, ldx: i32, w: usize, bias: usize, z: usize, ldz: i32): void {
  if (bias) for (let r = 0; r < rows; r++) memory.copy(z + <usize>r * <usize>ldz * sizeof<T>(), bias, <usize>nOut * sizeof<T>());
  gemmT<T>(rows, nOut, nIn, x, ldx, w, nOut, z, ldz, bias ? 1 : 0);
}

/** dst[0..n) (+)= s·src[0..n), SIMD over T lanes then a scalar tail. */
// @ts-ignore: decorator
@inline function scaleRow<T>(n: i32, s: T, src: usize, dst: usize, accumulate: i32): void {
  const t = sizeof<T>();
  const bytes = <usize>n * t;
  const vs = v128.splat<T>(s);
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) {
    const v = v128.mul<T>(vs, v128.load(src + o));
    v128.store(dst + o, accumulate ? v128.add<T>(v128.load(dst + o), v) : v);
  }
  for (; o < bytes; o += t) {
    const v = s * load<T>(src + o);
    store<T>(dst + o, accumulate ? load<T>(dst + o) + v : v);
  }
}

/** Scratch bytes of denseTranspose for `rows` cotangents of an nOut-unit node. */
export function denseTransposeWorkBytes<T>(rows: i32, nOut: i32): usize {
  return ((<usize>nOut << 2) + 15 & ~15) + <usize>rows * <usize>nOut * sizeof<T>();
}

/**
 * Reverse step through y = act(z), z = x·W + b under the frozen pattern: gIn (rows×nIn, stride ldgi) (+)=
 * (g · diag(act'(z))) · Wᵀ, with g (rows×nOut, stride ldg) the output cotangents, z the point's
 * pre-activation (nOut; unused when act is linear) and WT = Wᵀ (nOut×nIn row-major). Units whose derivative
 * is 0 (inactive ReLUs) are skipped: only the rows of WT of active units are read. gIn is overwritten, or
 * added to when `accumulate`. g == 0 means the identity (rows = nOut): row j of gIn is act'(z_j)·WT[j], no
 * product. work: denseTransposeWorkBytes(rows, nOut).
 */
export function denseTranspose<T>(
  rows: i32, nOut: i32, nIn: i32, g: usize, ldg: i32, act: i32, alpha: f64, z: usize, wt: usize, gIn: usize, ldgi: i32, accumulate: i32, work: usize,
): void {
  if (!g) {
    for (let j = 0; j < nOut; j++) {
      const s = act == ACT_LINEAR ? 1.0 : activationDerivativeAt(act, alpha, <f64>load<T>(z + <usize>j * sizeof<T>()));
      scaleRow<T>(nIn, <T>s, wt + <usize>(j * nIn) * sizeof<T>(), gIn + <usize>j * <usize>ldgi * sizeof<T>(), accumulate);
    }
    return;
  }
  if (act == ACT_LINEAR) {
    gemmT<T>(rows, nIn, nOut, g, ldg, wt, nIn, gIn, ldgi, accumulate);
    return;
  }
  const idx = work; // active unit indices, then (after compaction) their rows' byte offsets in WT
  const gc = idx + ((<usize>nOut << 2) + 15 & ~15); // k×rows: the compacted, scaled cotangents, transposed
  let k = 0;
  for (let j = 0; j < nOut; j++) {
    const s = activationDerivativeAt(act, alpha, <f64>load<T>(z + <usize>j * sizeof<T>()));
    if (s == 0) continue;
    for (let r = 0; r < rows; r++) {
      const src = g + (<usize>r * <usize>ldg + <usize>j) * sizeof<T>();
      store<T>(gc + <usize>(k * rows + r) * sizeof<T>(), <T>s * load<T>(src));
    }
    store<i32>(idx + (<usize>k << 2), j * nIn * sizeof<T>());
    k++;
  }
  gemmRowsT<T>(rows, nIn, k, gc, rows, wt, idx, gIn, ldgi, accumulate);
}
