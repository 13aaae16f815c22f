// Softmax head: probabilities, and the Jacobians of log-probabilities and probabilities from the logits'.

/** probs (count×c f32) = softmax of each row of logits (count×c f32), computed in f64. */
export function softmaxF32(count: i32, c: i32, logits: usize, probs: usize): void {
  for (let p = 0; p < count; p++) {
    const z = logits + (<usize>(p * c) << 2);
    const q = probs + (<usize>(p * c) << 2);
    let mx = -Infinity;
    for (let i = 0; i < c; i++) mx = Math.max(mx, <f64>load<f32>(z + (<usize>i << 2)));
    let sum = 0.0;
    for (let i = 0; i < c; i++) sum += Math.exp(<f64>load<f32>(z + (<usize>i << 2)) - mx);
    for (let i = 0; i < c; i++) store<f32>(q + (<usize>i << 2), <f32>(Math.exp(<f64>load<f32>(z + (<usize>i << 2)) - mx) / sum));
  }
}

/**
 * In place on J (c×d f32, the logits' Jacobian of one point), with p (c f64) its probabilities:
 * mode 1 (log-probabilities): J ← (I − 1 pᵀ) J; mode 2 (probabilities): J ← (diag p − p pᵀ) J.
 * work: d f64 (the row pᵀ J).
 */
export function softmaxJacobianF32(c: i32, d: i32, j: usize, p: usize, mode: i32, work: usize): void {
  memory.fill(work, 0, <usize>d << 3);
  for (let r = 0; r < c; r++) {
    const pr = load<f64>(p + (<usize>r << 3));
    const row = j + (<usize>(r * d) << 2);
    for (let t = 0; t < d; t++) {
      const o = work + (<usize>t << 3);
      store<f64>(o, load<f64>(o) + pr * <f64>load<f32>(row + (<usize>t << 2)));
    }
  }
  for (let r = 0; r < c; r++) {
    const scale = mode == 2 ? load<f64>(p + (<usize>r << 3)) : 1.0;
    const row = j + (<usize>(r * d) << 2);
    for (let t = 0; t < d; t++) {
      const o = row + (<usize>t << 2);
      store<f32>(o, <f32>(scale * (<f64>load<f32>(o) - load<f64>(work + (<usize>t << 3)))));
    }
  }
}
