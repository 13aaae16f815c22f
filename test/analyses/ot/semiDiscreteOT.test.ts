import { describe, expect, it } from "vitest";
import { semiDiscreteOT } from "../../../src/analyses/ot/semiDiscreteOT.js";
import { OptionError } from "../../../src/errors.js";
import { mulberry32 } from "../../../src/random.js";

/** Exact area of power cell i in the unit square: clip the square by ⟨x, y_i − y_j⟩ + h_i − h_j ≥ 0. */
function cellArea(Y: number[][], h: Float64Array, i: number): number {
  let poly = [[0, 0], [1, 0], [1, 1], [0, 1]];
  for (let j = 0; j < Y.length && poly.length > 2; j++) {
    if (j === i) continue;
    const a = Y[i][0] - Y[j][0], b = Y[i][1] - Y[j][1], c = h[i] - h[j];
    const f = (p: number[]) => a * p[0] + b * p[1] + c;
    const out: number[][] = [];
    for (let k = 0; k < poly.length; k++) {
      const p = poly[k], q = poly[(k + 1) % poly.length], fp = f(p), fq = f(q);
      if (fp >= 0) out.push(p);
      if ((fp >= 0) !== (fq >= 0)) {
        const r = fp / (fp - fq);
        out.push([p[0] + r * (q[0] - p[0]), p[1] + r * (q[1] - p[1])]);
      }
    }
    poly = out;
  }
  let area = 0;
  for (let k = 0; k < poly.length; k++) {
    const p = poly[k], q = poly[(k + 1) % poly.length];
    area += p[0] * q[1] - q[0] * p[1];
  }
  return area / 2;
}

describe("semiDiscreteOT", () => {
  it("grid targets: the exact power-cell areas of the solution are 1/N within the tolerance", async () => {
    const Y: number[][] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) Y.push([(a + 0.5) / 4 + 0.03 * b, (b + 0.5) / 4]);
    const ot = await semiDiscreteOT(Y, { samples: 8000, tol: 0.02, seed: 2 });
    expect(ot.converged).toBe(true);
    expect(ot.maxError).toBeLessThanOrEqual(0.02);
    const N = Y.length;
    let total = 0;
    for (let i = 0; i < N; i++) {
      const a = cellArea(Y, ot.heights, i);
      total += a;
      // Exact areas differ from the sampled measures by the quasi-Monte-Carlo error only.
      expect(Math.abs(N * a - 1)).toBeLessThan(0.02 + 0.03);
    }
    expect(total).toBeCloseTo(1, 12);
  });

  it("an exact 4×4 grid of targets: heights converge to the closed form −|y|²/2 (cells are the grid squares)", async () => {
    const Y: number[][] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) Y.push([(a + 0.5) / 4, (b + 0.5) / 4]);
    const ot = await semiDiscreteOT(Y, { samples: 8000, tol: 0.01, seed: 6 });
    expect(ot.converged).toBe(true);
    const star = Y.map((y) => -(y[0] ** 2 + y[1] ** 2) / 2);
    const mean = star.reduce((x, y) => x + y, 0) / star.length;
    // A relative cell error of 1% moves a cell wall by ≈ 0.01·(1/4)/2 and the heights by ≈ that × |y_i − y_j|.
    for (let i = 0; i < 16; i++) expect(Math.abs(ot.heights[i] - (star[i] - mean))).toBeLessThan(3e-3);
    for (let i = 0; i < 16; i++) expect(Math.abs(16 * cellArea(Y, ot.heights, i) - 1)).toBeLessThan(0.03);
  });

  it("is cyclically monotone on samples (Σ ⟨T(x_k), x_{k+1} − x_k⟩ ≤ 0 around cycles)", async () => {
    const rnd = mulberry32(5);
    const Y = Array.from({ length: 12 }, () => [rnd() * 2 - 1, rnd() * 2 - 1, rnd() * 2 - 1]);
    const ot = await semiDiscreteOT(Y, { samples: 6000, tol: 0.05, seed: 3 });
    const x = Float64Array.from({ length: 300 * 3 }, () => rnd());
    const T = ot.transport(x);
    for (let trial = 0; trial < 200; trial++) {
      const len = 2 + Math.floor(rnd() * 6);
      const cyc = Array.from({ length: len }, () => Math.floor(rnd() * 300));
      let s = 0;
      for (let q = 0; q < len; q++) {
        const a = cyc[q], b = cyc[(q + 1) % len];
        for (let c = 0; c < 3; c++) s += T[a * 3 + c] * (x[b * 3 + c] - x[a * 3 + c]);
      }
      expect(s).toBeLessThanOrEqual(1e-12);
    }
    // And it is a real transport: the cells' masses are balanced.
    expect(ot.maxError).toBeLessThanOrEqual(0.05);
  });

  it("in 1D equals the quantile map of the targets", async () => {
    const rnd = mulberry32(8);
    const Y = Array.from({ length: 10 }, () => [rnd() * 4 - 2]);
    const ot = await semiDiscreteOT(Y, { samples: 4000, tol: 0.01, seed: 1 });
    expect(ot.converged).toBe(true);
    const sorted = Y.map((y) => y[0]).sort((a, b) => a - b);
    const N = Y.length;
    let checked = 0;
    for (let q = 0; q < 500; q++) {
      const x = (q + 0.5) / 500;
      const frac = x * N - Math.floor(x * N);
      if (frac < 0.02 || frac > 0.98) continue; // within the tolerance of a quantile boundary
      expect(ot.transport([x])[0]).toBe(sorted[Math.floor(x * N)]);
      checked++;
    }
    expect(checked).toBeGreaterThan(400);
  });

  it("generate() returns targets, with frequencies near 1/N; options are validated", async () => {
    const Y = [[0, 0], [1, 0], [0, 1], [1, 1]];
    const ot = await semiDiscreteOT(Y, { samples: 4000, tol: 0.02, seed: 4 });
    const g = ot.generate(8000, 5);
    const counts = new Map<string, number>();
    for (let r = 0; r < 8000; r++) counts.set(`${g[2 * r]},${g[2 * r + 1]}`, (counts.get(`${g[2 * r]},${g[2 * r + 1]}`) ?? 0) + 1);
    expect(counts.size).toBe(4);
    for (const c of counts.values()) expect(Math.abs(c / 2000 - 1)).toBeLessThan(0.08);
    await expect(semiDiscreteOT(new Float64Array(6))).rejects.toThrow(OptionError);
    await expect(semiDiscreteOT(Y, { tol: 0 })).rejects.toThrow(OptionError);
    // Past the vendored Sobol' direction table (dimensions 1..1024).
    await expect(semiDiscreteOT(new Float64Array(1025), { dim: 1025 })).rejects.toThrow(/1\.\.1024/);
  });
});
