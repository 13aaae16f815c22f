import { gemmRowsF32 } from "./gemm";

// The dense layer's transpose through a diagonal activation derivative, skipping inactive units:
// the product that dominates Jacobian assembly of ReLU networks.

/**
 * Reverse step through y = act(x·W + b): gIn (m×nIn) = (gOut · diag(s)) · Wᵀ, using WT = Wᵀ stored
 * nOut×nIn row-major (row j = the weights into unit j). Units with s[j] == 0 (inactive ReLUs) are skipped.
 * gOut == 0 means gOut is the identity (m == nOut): gIn row j = s[j]·WT[j].
 * work: nOut i32 + m·nOut f32 bytes. gIn is overwritten (stride nIn).
 */
export function denseVjpF32(m: i32, nOut: i32, nIn: i32, gOut: usize, s: usize, wt: usize, gIn: usize, work: usize): void {
  if (gOut == 0) {
    for (let j = 0; j < nOut; j++) {
      const sj = f32x4.splat(load<f32>(s + (<usize>j << 2)));
      const src = wt + (<usize>(j * nIn) << 2);
      const dst = gIn + (<usize>(j * nIn) << 2);
      let t = 0;
      for (; t + 4 <= nIn; t += 4) v128.store(dst + (<usize>t << 2), f32x4.mul(sj, v128.load(src + (<usize>t << 2))));
      for (; t < nIn; t++) store<f32>(dst + (<usize>t << 2), f32x4.extract_lane(sj, 0) * load<f32>(src + (<usize>t << 2)));
    }
    return;
  }
  const idx = work; // active unit indices, then (after compaction) their rows' byte offsets in WT
  let k = 0;
  for (let j = 0; j < nOut; j++) {
    if (load<f32>(s + (<usize>j << 2)) != 0) {
      store<i32>(idx + (<usize>k << 2), j);
      k++;
    }
  }
  const gc = idx + ((<usize>nOut << 2) + 15 & ~15); // k×m: the compacted, scaled cotangents, transposed
  for (let r = 0; r < m; r++) {
    const src = gOut + (<usize>(r * nOut) << 2);
    for (let p = 0; p < k; p++) {
      const j = <usize>load<i32>(idx + (<usize>p << 2)) << 2;
      store<f32>(gc + (<usize>(p * m + r) << 2), load<f32>(src + j) * load<f32>(s + j));
    }
  }
  for (let p = 0; p < k; p++) {
    const o = idx + (<usize>p << 2);
    store<i32>(o, load<i32>(o) * nIn * 4);
  }
  gemmRowsF32(m, nIn, k, gc, m, wt, idx, gIn, nIn);
}
