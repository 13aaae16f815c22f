// Keeping a SiMEC / SiMExp step x → x + δ v inside the box [lo, hi] (d f64 each). assembly/simec.ts applies the
// walk's rule (boxMode): 0 clamp, the step is projected onto the box and the walk goes on; 1 stop, the step is
// projected, recorded, and the walk stops there; 2 slide (SiMEC only; SiMExp clamps), slideOnBox first bends v
// inside ker B so that the whole step stays in the box. All vectors f64; B m×d row-major.
import { leafBasisF64 } from "./leaf";
import { dotF64, ld, projectOutRowsF64, st } from "./vector64";

/**
 * Box sliding for one SiMEC step (boxMode 2). v (d, unit) is a direction in ker B (B: m×d rows); coordinates
 * that a step of length delta along v would carry out of [lo, hi] are held at their value (held[t] = 1) and
 * v is re-projected onto {w ∈ ker B : w_t = 0 for held t} (Gram–Schmidt of B's rows with the held columns
 * zeroed, into `rows`, orthonormalised by leafBasisF64 into `basis`; both m×d scratch) and renormalised,
 * until the whole step stays in the box (held coordinates only accumulate, so this ends within d rounds).
 * Returns delta, or −1 when no direction is left.
 */
export function slideOnBox(d: i32, m: i32, x: usize, v: usize, bmat: usize, rows: usize, basis: usize, held: usize, lo: usize, hi: usize, delta: f64): f64 {
  for (let t = 0; t < d; t++) st(held, t, 0);
  for (let iter = 0; iter <= d; iter++) {
    let grew = false;
    for (let t = 0; t < d; t++) {
      if (ld(held, t) != 0) continue;
      const to = ld(x, t) + delta * ld(v, t);
      if (to < ld(lo, t) || to > ld(hi, t)) {
        st(held, t, 1);
        grew = true;
      }
    }
    if (!grew) break;
    // Orthonormal rows spanning B restricted to the free coordinates, then v ⟂ them with held entries 0.
    for (let r = 0; r < m; r++)
      for (let t = 0; t < d; t++) st(rows, r * d + t, ld(held, t) != 0 ? 0 : ld(bmat, r * d + t));
    const k = leafBasisF64(m, d, rows, 0, 1e-12, basis);
    for (let t = 0; t < d; t++) if (ld(held, t) != 0) st(v, t, 0);
    projectOutRowsF64(k, d, basis, v);
    const nv = Math.sqrt(dotF64(v, v, d));
    if (!(nv > 1e-12)) return -1;
    for (let t = 0; t < d; t++) st(v, t, ld(held, t) != 0 ? 0 : ld(v, t) / nv);
  }
  return delta;
}

/**
 * xn (d) = x + step·v projected onto the box (lo, hi: d f64 each, or 0 for no bound on that side).
 * Returns true when the projection moved some coordinate (the step left the box).
 */
export function stepIntoBox(d: i32, x: usize, v: usize, step: f64, lo: usize, hi: usize, xn: usize): bool {
  let clamped = false;
  for (let t = 0; t < d; t++) {
    const free = ld(x, t) + step * ld(v, t);
    let z = free;
    if (lo) z = Math.max(z, ld(lo, t));
    if (hi) z = Math.min(z, ld(hi, t));
    if (z != free) clamped = true;
    st(xn, t, z);
  }
  return clamped;
}
