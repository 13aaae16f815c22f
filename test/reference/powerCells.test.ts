import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../src/random.js";
import { powerCellAreas } from "../../src/reference/powerCells.js";

describe("exact power cells in the plane (reference)", () => {
  it("two targets with h = −|y|²/2 (Voronoi cells): the perpendicular bisector splits the square", () => {
    const Y = Float64Array.of(0.25, 0.5, 0.75, 0.5);
    expect(Array.from(powerCellAreas(Y, Float64Array.of(-0.15625, -0.40625)))).toEqual([0.5, 0.5]);
    // raising h_0 by 0.1 moves the wall −x/2 + 0.25 + 0.1 = 0 to x = 0.7
    expect(powerCellAreas(Y, Float64Array.of(-0.05625, -0.40625))[0]).toBeCloseTo(0.7, 14);
  });

  it("areas sum to 1 and agree with 10⁶-point brute-force Monte Carlo", () => {
    const rnd = mulberry32(3);
    const N = 16;
    const Y = Float64Array.from({ length: 2 * N }, () => rnd());
    const h = Float64Array.from({ length: N }, () => 0.2 * (rnd() - 0.5));
    const exact = powerCellAreas(Y, h);
    expect(exact.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const M = 1_000_000, counts = new Float64Array(N);
    for (let s = 0; s < M; s++) {
      const x = rnd(), y = rnd();
      let best = 0, bestScore = -Infinity;
      for (let i = 0; i < N; i++) {
        const score = x * Y[2 * i] + y * Y[2 * i + 1] + h[i];
        if (score > bestScore) [best, bestScore] = [i, score];
      }
      counts[best]++;
    }
    // binomial standard error √(a(1 − a)/M) ≤ 5e-4; allow 5 of them
    for (let i = 0; i < N; i++) expect(Math.abs(counts[i] / M - exact[i])).toBeLessThan(5 * Math.sqrt(exact[i] * (1 - exact[i]) / M) + 1e-6);
  });
});
