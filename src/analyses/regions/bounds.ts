/**
 * Bounds on the number of linear regions ("rectified linear complexity") of a ReLU network with widths
 * [n_0 (input), n_1, …, n_L (hidden), n_out], side by side. All counts are exact BigInts (with log10 as a
 * number for display); nothing overflows.
 *
 * - Lemma 4.4 (Lei, Luo, Yau, Gu, arXiv 1805.10451): n hyperplanes cut R^d into at most
 *   C(d, n) = Σ_{i=0..d} binom(n, i) pieces (Zaslavsky; equality in general position).
 * - Theorem 4.5 (same paper), as stated there for N(w_0, …, w_{k+1}) including the output layer:
 *   complexity ≤ Π_{i=1..k+1} C(w_{i−1}, w_i). (The output layer is linear and does not split cells, so
 *   `lei2020Hidden` also gives the product over hidden layers only, which is also a valid bound.)
 * - Montúfar (2017, "Notes on the number of linear regions of deep neural networks"; the refinement of
 *   Montúfar et al. 2014's counting argument): Π_{l=1..L} Σ_{j=0..d_l} binom(n_l, j), d_l = min(n_0, …, n_l).
 * - Serra, Tjandraatmadja, Ramalingam (2018), Theorem 1 (upper):
 *   Σ_{(j_1..j_L) ∈ J} Π_l binom(n_l, j_l), J = {0 ≤ j_l ≤ min(n_0, n_1 − j_1, …, n_{l−1} − j_{l−1}, n_l)},
 *   summed by dynamic programming over the running minimum (the "bottleneck" dimension).
 * - Lower bounds on the maximal count, attained by constructions: Montúfar et al. (2014), for n_l ≥ n_0:
 *   Π_{l=1..L−1} ⌊n_l/n_0⌋^{n_0} · Σ_{j=0..n_0} binom(n_L, j); Serra et al. (2018) improve the factor to
 *   (⌊n_l/n_0⌋ + 1)^{n_0} (their construction asks for n_l ≥ 3·n_0; reported as null otherwise).
 *   Check (tested): for n_0 = 1 Serra et al.'s lower and upper bounds coincide, Π_l (n_l + 1), as their paper
 *   states ("exact for inputs of dimension one").
 * - The trivial bound 2^(number of ReLUs).
 *
 * @example
 * complexityBounds([2, 3, 1]).serra2018.value // 7n (three lines in the plane)
 */
import { OptionError } from "../../errors.js";

export interface Bound {
  value: bigint;
  log10: number;
  formula: string;
}

export interface ComplexityBounds {
  /** [n_0, n_1, …, n_L, n_out]. */
  architecture: number[];
  lei2020: Bound;
  lei2020Hidden: Bound;
  montufar2017: Bound;
  serra2018: Bound;
  montufar2014Lower: Bound | null;
  serra2018Lower: Bound | null;
  trivial: Bound;
}

export function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  k = Math.min(k, n - k);
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** Lemma 4.4: the most pieces n hyperplanes cut R^d into, Σ_{i=0..d} binom(n, i). */
export function hyperplaneRegions(d: number, n: number): bigint {
  let s = 0n;
  for (let i = 0; i <= Math.min(d, n); i++) s += binomial(n, i);
  return s;
}

function log10(v: bigint): number {
  if (v <= 0n) return -Infinity;
  const s = v.toString();
  const head = Number(s.slice(0, 17));
  return Math.log10(head) + (s.length - Math.min(17, s.length));
}

const bound = (value: bigint, formula: string): Bound => ({ value, log10: log10(value), formula });

/** Side-by-side region bounds for widths [n_0, hidden…, n_out] (at least one hidden layer). */
export function complexityBounds(architecture: readonly number[]): ComplexityBounds {
  const w = [...architecture];
  if (w.length < 3) throw new OptionError(`complexityBounds: expected widths [input, hidden…, output] with at least one hidden layer, got [${w.join(", ")}]`);
  for (const x of w) if (!Number.isInteger(x) || x < 1) throw new OptionError(`complexityBounds: widths must be positive integers, got [${w.join(", ")}]`);
  const n0 = w[0];
  const hidden = w.slice(1, -1);
  const L = hidden.length;
  let lei = 1n;
  for (let i = 1; i < w.length; i++) lei *= hyperplaneRegions(w[i - 1], w[i]);
  let leiH = 1n;
  for (let i = 1; i <= L; i++) leiH *= hyperplaneRegions(w[i - 1], w[i]);
  let mont = 1n;
  let dmin = n0;
  for (const n of hidden) {
    dmin = Math.min(dmin, n);
    mont *= hyperplaneRegions(dmin, n);
  }
  // Serra Thm 1 by DP: ways[d] = Σ over prefixes whose running bound min(n_0, n_1 − j_1, …) equals d.
  let ways = new Map<number, bigint>([[n0, 1n]]);
  for (const n of hidden) {
    const next = new Map<number, bigint>();
    for (const [d, c] of ways) {
      for (let j = 0; j <= Math.min(d, n); j++) {
        const d2 = Math.min(d, n - j);
        next.set(d2, (next.get(d2) ?? 0n) + c * binomial(n, j));
      }
    }
    ways = next;
  }
  let serra = 0n;
  for (const c of ways.values()) serra += c;
  const last = hyperplaneRegions(n0, hidden[L - 1]);
  let lower: bigint | null = last, lowerS: bigint | null = last;
  for (let l = 0; l < L - 1; l++) {
    if (hidden[l] < n0) lower = null;
    if (hidden[l] < 3 * n0) lowerS = null;
    if (lower !== null) lower *= BigInt(Math.floor(hidden[l] / n0)) ** BigInt(n0);
    if (lowerS !== null) lowerS *= BigInt(Math.floor(hidden[l] / n0) + 1) ** BigInt(n0);
  }
  const relus = hidden.reduce((a, b) => a + b, 0);
  return {
    architecture: w,
    lei2020: bound(lei, "Π_{i=1..k+1} C(w_{i−1}, w_i), C(d, n) = Σ_{i≤d} binom(n, i)  (Lei et al. Thm 4.5)"),
    lei2020Hidden: bound(leiH, "Π_{i=1..k} C(w_{i−1}, w_i)  (Thm 4.5 over hidden layers)"),
    montufar2017: bound(mont, "Π_l Σ_{j≤d_l} binom(n_l, j), d_l = min(n_0..n_l)  (Montúfar 2017)"),
    serra2018: bound(serra, "Σ_{J} Π_l binom(n_l, j_l), j_l ≤ min(n_0, n_1−j_1, …, n_l)  (Serra et al. 2018 Thm 1)"),
    montufar2014Lower: lower === null ? null : bound(lower, "Π_{l<L} ⌊n_l/n_0⌋^{n_0} · Σ_{j≤n_0} binom(n_L, j)  (Montúfar et al. 2014, lower)"),
    serra2018Lower: lowerS === null ? null : bound(lowerS, "Π_{l<L} (⌊n_l/n_0⌋+1)^{n_0} · Σ_{j≤n_0} binom(n_L, j)  (Serra et al. 2018, lower, n_l ≥ 3n_0)"),
    trivial: bound(1n << BigInt(relus), "2^(ReLUs)"),
  };
}
