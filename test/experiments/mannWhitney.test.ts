import { describe, expect, test } from "vitest";
import { mannWhitneyLess, standardNormalUpper } from "../../src/experiments/mannWhitney.js";
import { EmptyBatchError } from "../../src/errors.js";
import { mulberry32 } from "../../src/random.js";

/** p by brute force: every way to label n1 of the pooled values "a", U of each, P(U ≥ U_obs). */
function brutePermutationP(a: number[], b: number[]): number {
  const pool = [...a, ...b], n = pool.length, n1 = a.length;
  const uOf = (mask: number) => {
    const A: number[] = [], B: number[] = [];
    for (let i = 0; i < n; i++) (mask & (1 << i) ? A : B).push(pool[i]);
    let u = 0;
    for (const x of A) for (const y of B) u += x < y ? 1 : x === y ? 0.5 : 0;
    return u;
  };
  const observed = uOf((1 << n1) - 1);
  let total = 0, tail = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) bits++;
    if (bits !== n1) continue;
    total++;
    if (uOf(mask) >= observed) tail++;
  }
  return tail / total;
}

describe("one-sided Mann–Whitney U", () => {
  test("hand-computed cases: complete separation, the reverse, ties", () => {
    const r = mannWhitneyLess([1, 2, 3], [4, 5, 6]);
    expect(r.u).toBe(9);
    expect(r.p).toBeCloseTo(1 / 20, 15); // one of the C(6, 3) = 20 orders
    expect(r.exact).toBe(true);
    expect(mannWhitneyLess([4, 5, 6], [1, 2, 3]).p).toBe(1); // U = 0: every order has U ≥ 0
    const t = mannWhitneyLess([1, 2], [2, 3]); // 1<2, 1<3, 2=2 (½), 2<3
    expect(t.u).toBe(3.5);
    expect(t.ties).toBe(1);
    expect(() => mannWhitneyLess([], [1])).toThrow(EmptyBatchError);
  });

  test("the exact p equals a brute-force permutation count over every labelling (untied samples)", () => {
    const rnd = mulberry32(7);
    for (const [n1, n2, shift] of [[4, 5, 0], [5, 4, 0.5], [6, 6, 0.3], [3, 8, -0.2], [7, 5, 1]] as const) {
      const a = Array.from({ length: n1 }, () => rnd()), b = Array.from({ length: n2 }, () => rnd() + shift);
      expect(mannWhitneyLess(a, b).p).toBeCloseTo(brutePermutationP(a, b), 12);
    }
  });

  test("large samples: the normal approximation; standard normal tail against tabulated values", () => {
    expect(standardNormalUpper(0)).toBeCloseTo(0.5, 14);
    expect(standardNormalUpper(1.959963984540054)).toBeCloseTo(0.025, 12);
    expect(standardNormalUpper(3)).toBeCloseTo(0.0013498980316301, 13);
    expect(standardNormalUpper(-1)).toBeCloseTo(0.8413447460685429, 12);
    expect(standardNormalUpper(6)).toBeCloseTo(9.865876450377e-10, 20);
    const rnd = mulberry32(3);
    const a = Array.from({ length: 150 }, () => rnd()), b = Array.from({ length: 150 }, () => rnd() + 0.2);
    const r = mannWhitneyLess(a, b);
    expect(r.exact).toBe(false);
    expect(r.p).toBeLessThan(1e-6);
    const same = mannWhitneyLess(a, Array.from({ length: 150 }, () => rnd()));
    expect(same.p).toBeGreaterThan(0.01);
    // at the largest exact size (100 × 100) the exact p and the continuity-corrected normal one agree
    const x = Array.from({ length: 100 }, () => rnd()), y = Array.from({ length: 100 }, () => rnd() + 0.05);
    const exact = mannWhitneyLess(x, y);
    expect(exact.exact).toBe(true);
    const z = (exact.u - 0.5 - 5000) / Math.sqrt((100 * 100 * 201) / 12);
    expect(Math.abs(exact.p - standardNormalUpper(z))).toBeLessThan(2e-3);
    expect(exact.p).toBeGreaterThan(1e-3);
    expect(exact.p).toBeLessThan(0.999);
  });
});
