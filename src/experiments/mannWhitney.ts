/**
 * The one-sided Mann–Whitney U test (Wilcoxon rank-sum): do the values of sample `a` tend to be smaller
 * than those of sample `b`?
 *
 * U = #{(i, j) : a_i < b_j} + ½ #{(i, j) : a_i = b_j}, between 0 and n₁n₂; H1 (a stochastically smaller than b)
 * predicts a large U. p = P(U ≥ U_obs) under H0 (the n₁ + n₂ values exchangeable: every assignment of the
 * labels equally likely).
 * - Exact when n₁n₂ ≤ 10 000: N(n₁, n₂, u), the number of label orders with U = u, from the recurrence on the
 *   largest value (a b exceeds every a, adding n₁; an a adds nothing)
 *     N(n₁, n₂, u) = N(n₁, n₂ − 1, u − n₁) + N(n₁ − 1, n₂, u),   N(n₁, 0, u) = N(0, n₂, u) = [u = 0],
 *   p = Σ_{u ≥ U} N(n₁, n₂, u) / C(n₁ + n₂, n₁). This distribution is that of untied samples: with ties, U
 *   counts them as ½ and p sums from ⌊U⌋ (conservative; `ties` says how many tied pairs there were).
 * - Otherwise the normal approximation with continuity correction, z = (U − ½ − n₁n₂/2) / √(n₁n₂(n₁+n₂+1)/12).
 */
import { EmptyBatchError } from "../errors.js";

export interface MannWhitneyResult {
  u: number;
  /** One-sided p-value P(U ≥ u) under H0. */
  p: number;
  n1: number;
  n2: number;
  exact: boolean;
  /** Tied (a_i, b_j) pairs. */
  ties: number;
}

/** Counts N(n1, n2, u), u = 0..n1·n2, by the recurrence above (float64: exact up to 2^53). */
function uCounts(n1: number, n2: number): Float64Array {
  const U = n1 * n2;
  // table[i][j] for i ≤ n1, j ≤ n2, each of length i·j + 1; only two rows of i are kept
  let prev: Float64Array[] = Array.from({ length: n2 + 1 }, () => Float64Array.of(1)); // i = 0
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)]; // j = 0
    for (let j = 1; j <= n2; j++) {
      const row = new Float64Array(i * j + 1);
      const left = cur[j - 1], up = prev[j]; // N(i, j − 1, ·) shifted by i; N(i − 1, j, ·)
      for (let u = 0; u < left.length; u++) row[u + i] += left[u];
      for (let u = 0; u < up.length; u++) row[u] += up[u];
      cur.push(row);
    }
    prev = cur;
  }
  const out = prev[n2];
  if (out.length !== U + 1) throw new RangeError(`mannWhitney: internal size ${out.length} ≠ ${U + 1}`);
  return out;
}

/**
 * Standard normal upper tail P(Z ≥ z) = erfc(z/√2)/2: erf's Maclaurin series for |z|/√2 < 2 (DLMF 7.6.1),
 * erfc's continued fraction above (DLMF 7.9.2); about 1e-14 absolute.
 */
export function standardNormalUpper(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  let erfc: number;
  if (x < 2) {
    let sum = x, term = x;
    for (let k = 1; k < 200; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    erfc = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated bottom-up
    let f = x;
    for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
    erfc = Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
  }
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * One-sided Mann–Whitney U test of H1 "a tends to be smaller than b".
 * @example
 *   mannWhitneyLess([1, 2, 3], [4, 5, 6]) // { u: 9, p: 0.05 (= 1/20), exact: true, ... }
 */
export function mannWhitneyLess(a: ArrayLike<number>, b: ArrayLike<number>): MannWhitneyResult {
  const n1 = a.length, n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new EmptyBatchError(`mannWhitney needs two non-empty samples, got sizes ${n1} and ${n2}`);
  let u = 0, ties = 0;
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n2; j++) {
      if (a[i] < b[j]) u += 1;
      else if (a[i] === b[j]) { u += 0.5; ties++; }
    }
  if (n1 * n2 <= 10_000) {
    const counts = uCounts(n1, n2);
    let total = 0, tail = 0;
    for (let k = 0; k < counts.length; k++) {
      total += counts[k];
      if (k >= Math.floor(u)) tail += counts[k];
    }
    return { u, p: tail / total, n1, n2, exact: true, ties };
  }
  const mean = (n1 * n2) / 2, sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return { u, p: standardNormalUpper((u - 0.5 - mean) / sd), n1, n2, exact: false, ties };
}
