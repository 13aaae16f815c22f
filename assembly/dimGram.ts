// The Gram H = J·Jᵀ (C×C) of a point's logit Jacobian without forming J, when the network's first node is
// dense, y = act(x·W + b) with W [d, h]: J = B·Wᵀ with B (C×h) the logits' cotangents at that node's
// pre-activation, so H = B·(Wᵀ W)·Bᵀ = B·G·Bᵀ, G = Wᵀ W (h×h, the Gram of the first layer's weights; in the
// column-vector convention W₁ = Wᵀ is h×d and G = W₁W₁ᵀ), computed once per model. Per point it costs
// C·a·h + C²·h/2 multiply-adds (a ≤ h: the node's active units) instead of the C·a·d + C²·d/2 of pulling B
// back to the input and taking B·Bᵀ there.
import { gemmF64, gemmRowsF32 } from "./gemm";
import { dotF32F64 } from "./dim";
import { activationDerivativeAt, ACT_LINEAR } from "./activation";
import { netWord, nodeField } from "./graph/table";
import { F_IN_SIZE, F_OUT_SIZE, F_WEIGHT_OFFSET, F_WEIGHT_T_OFFSET, NET_PARAMS } from "./graph/opcodes";

/**
 * G (h×h f32, row-major) = Wᵀ·W of dense node k of the FLOAT64 descriptor `net64` (W: its d×h weights, Wᵀ
 * the stored h×d transpose), formed in float64 (gemmF64) and rounded to f32 once. work: h·h f64.
 */
export function denseWeightGramF32(net64: usize, k: i32, g: usize, work: usize): void {
  const d = nodeField(net64, k, F_IN_SIZE), h = nodeField(net64, k, F_OUT_SIZE);
  const params = <usize>netWord(net64, NET_PARAMS);
  const w = params + (<usize>nodeField(net64, k, F_WEIGHT_OFFSET) << 3);
  const wt = params + (<usize>nodeField(net64, k, F_WEIGHT_T_OFFSET) << 3);
  gemmF64(h, h, d, wt, d, w, h, work, h, 0);
  for (let e = 0; e < h * h; e++) store<f32>(g + (<usize>e << 2), <f32>load<f64>(work + (<usize>e << 3)));
}

/** Bytes of work preactivationGramF32 needs for m cotangents of an h-unit node. */
export function preactivationGramWorkBytes(m: i32, h: i32): usize {
  const a = (<usize>h << 2) + 15 & ~15;
  const b = (<usize>(h * m) << 2) + 15 & ~15;
  return a + 3 * b;
}

/**
 * H (m×m f64) = B·G·Bᵀ with B = gOut ⊙ act'(z): gOut (m×h f32) the cotangents of a node's output, z (h f32)
 * its pre-activation, act/alpha its activation (ACT_* codes), G (h×h f32) the per-model Gram of its weights.
 * Only the node's active units (act'(z_j) ≠ 0) are visited: T = B_A·G[A, :] (m×h, gemmRowsF32 over the rows
 * of G of active units, f32), then H[r][s] = Σ_j T[r][j]·B[s][j] accumulated in f64 (symmetrised: computed
 * for r ≤ s). work: preactivationGramWorkBytes(m, h) bytes.
 */
export function preactivationGramF32(m: i32, h: i32, gOut: usize, z: usize, act: i32, alpha: f64, g: usize, hOut: usize, work: usize): void {
  const idx = work; // active units' row byte offsets in G
  const bt = idx + ((<usize>h << 2) + 15 & ~15); // a×m: B_Aᵀ
  const b = bt + ((<usize>(h * m) << 2) + 15 & ~15); // m×h: B, zero at inactive units
  const t = b + ((<usize>(h * m) << 2) + 15 & ~15); // m×h: T
  let a = 0;
  for (let j = 0; j < h; j++) {
    const s = act == ACT_LINEAR ? 1.0 : activationDerivativeAt(act, alpha, <f64>load<f32>(z + (<usize>j << 2)));
    for (let r = 0; r < m; r++) {
      const v = <f32>s * load<f32>(gOut + (<usize>(r * h + j) << 2));
      store<f32>(b + (<usize>(r * h + j) << 2), v);
      if (s != 0) store<f32>(bt + (<usize>(a * m + r) << 2), v);
    }
    if (s == 0) continue;
    store<i32>(idx + (<usize>a << 2), j * h * 4);
    a++;
  }
  gemmRowsF32(m, h, a, bt, m, g, idx, t, h);
  for (let r = 0; r < m; r++)
    for (let s = r; s < m; s++) {
      const v = dotF32F64(t + (<usize>(r * h) << 2), b + (<usize>(s * h) << 2), h);
      store<f64>(hOut + (<usize>(r * m + s) << 3), v);
      store<f64>(hOut + (<usize>(s * m + r) << 3), v);
    }
}
