// The Gram H = J·Jᵀ (C×C) of a point's logit Jacobian without forming J, when the network's first node is
// dense, y = act(x·W + b) with W [d, h]: J = B·Wᵀ with B (C×h) the logits' cotangents at that node's
// pre-activation, so H = B·(Wᵀ W)·Bᵀ = B·G·Bᵀ, G = Wᵀ W (h×h, the Gram of the first layer's weights; in the
// column-vector convention W₁ = Wᵀ is h×d and G = W₁W₁ᵀ), computed once per model. Per point it costs
// C·a² + C²·a/2 multiply-adds and an a×a gather (a ≤ h: the node's active units) instead of the
// C·a·d + C²·d/2 of pulling B back to the input and taking B·Bᵀ there.
import { gemmF64, gemmT } from "./gemm";
import { activationDerivativeAt, ACT_LINEAR } from "./activation";
import { netWord, nodeField } from "./graph/table";
import { F_IN_SIZE, F_OUT_SIZE, F_WEIGHT_OFFSET, F_WEIGHT_T_OFFSET, NET_PARAMS } from "./graph/opcodes";

/**
 * G (h×h f64, row-major) = Wᵀ·W of dense node k of the FLOAT64 descriptor `net64` (W: its d×h weights, Wᵀ
 * the stored h×d transpose), by gemmF64. Kept in float64: B·G·Bᵀ with G rounded entrywise to f32 would
 * perturb H linearly in eps32 (null eigenvalues of D at ~1e-8 λ₁), while rounding in B only perturbs the rows
 * of a Gram (null eigenvalues at ~eps32² λ₁, as from a float32 J).
 */
export function denseWeightGramF64(net64: usize, k: i32, g: usize): void {
  const d = nodeField(net64, k, F_IN_SIZE), h = nodeField(net64, k, F_OUT_SIZE);
  const params = <usize>netWord(net64, NET_PARAMS);
  const w = params + (<usize>nodeField(net64, k, F_WEIGHT_OFFSET) << 3);
  const wt = params + (<usize>nodeField(net64, k, F_WEIGHT_T_OFFSET) << 3);
  gemmF64(h, h, d, wt, d, w, h, g, h, 0);
}

/** Bytes of work preactivationGramF32 needs for m cotangents of an h-unit node. */
export function preactivationGramWorkBytes(m: i32, h: i32): usize {
  const mh = (<usize>(h * m) << 3) + 15 & ~15;
  return ((<usize>h << 2) + 15 & ~15) + 2 * mh + ((<usize>(h * h) << 3) + 15 & ~15);
}

/**
 * H (m×m f64) = B·G·Bᵀ with B = gOut ⊙ act'(z): gOut (m×h f32) the cotangents of a node's output, z (h f32)
 * its pre-activation (unused when act is linear), act/alpha its activation (ACT_* codes), G (h×h f64) the
 * per-model Gram of its weights. Only the node's active units A (act'(z_j) ≠ 0) take part: B_A (m×a) and
 * G_AA (a×a) are gathered, T = B_A·G_AA (gemmT in f64, m·a² multiply-adds), H[r][s] = Σ_e T[r][e]·B_A[s][e]
 * (f64; computed for r ≤ s and mirrored). Products of the f32 cotangents are exact in f64.
 * work: preactivationGramWorkBytes(m, h) bytes.
 */
export function preactivationGramF32(m: i32, h: i32, gOut: usize, z: usize, act: i32, alpha: f64, g: usize, hOut: usize, work: usize): void {
  const mh = (<usize>(h * m) << 3) + 15 & ~15;
  const idx = work; // a i32: the active units
  const b = idx + ((<usize>h << 2) + 15 & ~15); // m×a f64: B_A
  const t = b + mh; // m×a f64: T
  const ga = t + mh; // a×a f64: G_AA
  let a = 0;
  for (let j = 0; j < h; j++) {
    const s = act == ACT_LINEAR ? 1.0 : activationDerivativeAt(act, alpha, <f64>load<f32>(z + (<usize>j << 2)));
    if (s == 0) continue;
    store<i32>(idx + (<usize>a << 2), j);
    store<f64>(t + (<usize>a << 3), s); // the slopes, until T is formed
    a++;
  }
  for (let r = 0; r < m; r++)
    for (let e = 0; e < a; e++) {
      const j = load<i32>(idx + (<usize>e << 2));
      store<f64>(b + (<usize>(r * a + e) << 3), load<f64>(t + (<usize>e << 3)) * <f64>load<f32>(gOut + (<usize>(r * h + j) << 2)));
    }
  for (let e = 0; e < a; e++) {
    const row = g + (<usize>(load<i32>(idx + (<usize>e << 2)) * h) << 3);
    const dst = ga + (<usize>(e * a) << 3);
    for (let f = 0; f < a; f++) store<f64>(dst + (<usize>f << 3), load<f64>(row + (<usize>load<i32>(idx + (<usize>f << 2)) << 3)));
  }
  gemmT<f64>(m, a, a, b, a, ga, a, t, a, 0);
  for (let r = 0; r < m; r++)
    for (let s = r; s < m; s++) {
      let v = 0.0;
      const tr = t + (<usize>(r * a) << 3), bs = b + (<usize>(s * a) << 3);
      for (let e = 0; e < a; e++) v += load<f64>(tr + (<usize>e << 3)) * load<f64>(bs + (<usize>e << 3));
      store<f64>(hOut + (<usize>(r * m + s) << 3), v);
      store<f64>(hOut + (<usize>(s * m + r) << 3), v);
    }
}
