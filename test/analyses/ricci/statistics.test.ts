// Student t distribution, incomplete beta and Pearson p-values against table values and closed forms.
import { describe, expect, it } from "vitest";
import { lnGamma, pearson, pearsonPValue, regularizedIncompleteBeta, studentTCdf } from "../../../src/analyses/ricci/statistics.js";

describe("statistics", () => {
  it("ln Γ matches factorials and Γ(1/2) = √π", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(6)).toBeCloseTo(Math.log(120), 12);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lnGamma(20.5)).toBeCloseTo(40.8315009745308, 10); // ln(19.5·18.5·…·0.5·√π)
  });

  it("I_x(a,b) closed forms: I_x(1,1) = x, I_x(a,1) = x^a, I_x(1,b) = 1 − (1−x)^b, symmetry", () => {
    for (const x of [0.01, 0.3, 0.5, 0.77, 0.999]) {
      expect(regularizedIncompleteBeta(x, 1, 1)).toBeCloseTo(x, 13);
      expect(regularizedIncompleteBeta(x, 3.5, 1)).toBeCloseTo(x ** 3.5, 13);
      expect(regularizedIncompleteBeta(x, 1, 4)).toBeCloseTo(1 - (1 - x) ** 4, 13);
      expect(regularizedIncompleteBeta(x, 2.5, 7) + regularizedIncompleteBeta(1 - x, 7, 2.5)).toBeCloseTo(1, 13);
    }
  });

  it("t CDF: closed forms for ν = 1 (Cauchy) and ν = 2", () => {
    for (const t of [-30, -2.5, -0.3, 0, 0.7, 4, 100]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
    }
  });

  it("t CDF: two-sided critical values from the t table", () => {
    // [ν, t_{0.975}, t_{0.995}] (e.g. Abramowitz & Stegun Table 26.10)
    const table: [number, number, number][] = [
      [1, 12.706, 63.657], [2, 4.303, 9.925], [4, 2.776, 4.604], [5, 2.571, 4.032], [10, 2.228, 3.169], [30, 2.042, 2.75],
    ];
    for (const [nu, t95, t99] of table) {
      expect(studentTCdf(t95, nu)).toBeCloseTo(0.975, 4);
      expect(studentTCdf(t99, nu)).toBeCloseTo(0.995, 4);
      expect(studentTCdf(-t95, nu)).toBeCloseTo(0.025, 4);
    }
    expect(studentTCdf(1.96, 1e7)).toBeCloseTo(0.9750021048517795, 6); // → normal
  });

  it("Pearson r and its p-value", () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 15);
    expect(pearson([1, 2, 3], [3, 3, 3])).toBeNaN();
    // r = 0.5 over m = 10 pairs: t = 0.5·√(8/0.75) = 1.63299, ν = 8, two-sided p = 0.1411133 (scipy t.sf)
    expect(pearsonPValue(0.5, 10)).toBeCloseTo(0.14111328125, 9);
    // hand: x = [1,2,3,4,5], y = [2,1,4,3,5] → r = 0.8, t = 0.8·√(3/0.36) = 2.3094, ν = 3, p = 0.1040880 (scipy t.sf)
    const r = pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]);
    expect(r).toBeCloseTo(0.8, 14);
    expect(pearsonPValue(r, 5)).toBeCloseTo(0.10408803866182778, 9);
    expect(pearsonPValue(-1, 5)).toBe(0);
    expect(pearsonPValue(0.3, 2)).toBeNaN();
  });
});
