// Row operations on contiguous f64 vectors (byte pointers, `len` elements; f64x2 lanes plus a scalar tail),
// shared by the eigensolver, the SVD, the leaf and SiMEC walks and the float64 network kernels; and ld/st,
// element access to an f64 vector.

/** Σ x_k y_k over `len` f64. */
export function dotF64(x: usize, y: usize, len: i32): f64 {
  let acc = f64x2.splat(0);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (k < len) s += load<f64>(x + (<usize>k << 3)) * load<f64>(y + (<usize>k << 3));
  return s;
}

/** y += α x over `len` f64. */
export function axpyF64(alpha: f64, x: usize, y: usize, len: i32): void {
  const va = f64x2.splat(alpha);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
  }
  if (k < len) {
    const o = <usize>k << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/**
 * v (len f64) ⟂ the k orthonormal rows of q (k×len, row-major f64): v −= (q_j·v) q_j for j = 0…k−1, the whole
 * sweep twice (re-orthogonalisation against the first sweep's rounding).
 */
export function projectOutRowsF64(k: i32, len: i32, q: usize, v: usize): void {
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < k; j++) {
      const qj = q + (<usize>(j * len) << 3);
      axpyF64(-dotF64(qj, v, len), qj, v, len);
    }
}

/** x[i] of an f64 vector at byte pointer x. */
@inline export function ld(x: usize, i: i32): f64 {
  return load<f64>(x + (<usize>i << 3));
}

/** x[i] = value, for an f64 vector at byte pointer x. */
@inline export function st(x: usize, i: i32, value: f64): void {
  store<f64>(x + (<usize>i << 3), value);
}
