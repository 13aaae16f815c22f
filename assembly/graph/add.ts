// Add node y = Σ x_k (residual connections) and its transpose (the cotangent goes to every input): both are
// strided row copies with optional accumulation, generic over T.

/** dst (rows×len, stride ldd) = src (rows×len, stride lds), or dst += src when `accumulate`. SIMD. */
export function copyRows<T>(rows: i32, len: i32, src: usize, lds: i32, dst: usize, ldd: i32, accumulate: i32): void {
  const t = sizeof<T>();
  const bytes = <usize>len * t;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * <usize>lds * t, d = dst + <usize>r * <usize>ldd * t;
    if (!accumulate) {
      memory.copy(d, s, bytes);
      continue;
    }
    let o: usize = 0;
    for (; o + 16 <= bytes; o += 16) v128.store(d + o, v128.add<T>(v128.load(d + o), v128.load(s + o)));
    for (; o < bytes; o += t) store<T>(d + o, load<T>(d + o) + load<T>(s + o));
  }
}
