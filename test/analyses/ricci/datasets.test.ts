// The seeded 3-D data sets follow their documented formulas and are reproducible.
import { describe, expect, it } from "vitest";
import { nestedBlobs, sineSheets, twoClassSpiral } from "../../../src/analyses/ricci/datasets.js";
import { OptionError } from "../../../src/errors.js";

describe("synthetic data sets", () => {
  it("are deterministic per seed, balanced and interleaved", () => {
    for (const make of [nestedBlobs, twoClassSpiral, sineSheets]) {
      const a = make(101, 3);
      expect(Array.from(make(101, 3).X)).toEqual(Array.from(a.X));
      expect(Array.from(make(101, 4).X)).not.toEqual(Array.from(a.X));
      expect(a.X.length).toBe(303);
      expect(Array.from(a.y.subarray(0, 4))).toEqual([0, 1, 0, 1]);
    }
    expect(() => nestedBlobs(1, 0)).toThrow(OptionError);
  });

  it("two blobs: class 1 inside a ball of radius 0.35 at (±0.5, 0, 0), class 0 in the cube outside both", () => {
    const { X, y, n } = nestedBlobs(2000, 7);
    let left = 0;
    for (let i = 0; i < n; i++) {
      const [a, b, c] = [X[3 * i], X[3 * i + 1], X[3 * i + 2]];
      const dl = Math.hypot(a + 0.5, b, c);
      const dr = Math.hypot(a - 0.5, b, c);
      expect(Math.max(Math.abs(a), Math.abs(b), Math.abs(c))).toBeLessThanOrEqual(1);
      if (y[i] === 1) {
        expect(Math.min(dl, dr)).toBeLessThanOrEqual(0.35 + 1e-6);
        if (dl < dr) left++;
      } else expect(Math.min(dl, dr)).toBeGreaterThan(0.35 - 1e-6);
    }
    expect(left / (n / 2)).toBeGreaterThan(0.45); // the coin picks either ball
    expect(left / (n / 2)).toBeLessThan(0.55);
  });

  it("spiral: noiseless points lie on r = θ/(3.5π) with θ ∈ [π/2, 3.5π] (class 1 rotated by π); sines: z = 0.5 sin 2πx ± 0.2", () => {
    const s = twoClassSpiral(500, 2, 0);
    for (let i = 0; i < 500; i++) {
      const [x, yy] = [s.X[3 * i], s.X[3 * i + 1]];
      const r = Math.hypot(x, yy);
      // θ ≡ atan2 − π·class (mod 2π), and θ = 3.5π·r
      const theta = 3.5 * Math.PI * r;
      expect(theta).toBeGreaterThanOrEqual(Math.PI / 2 - 1e-4);
      const phase = theta + Math.PI * s.y[i];
      expect(Math.abs(x - r * Math.cos(phase))).toBeLessThan(1e-4);
      expect(Math.abs(yy - r * Math.sin(phase))).toBeLessThan(1e-4);
    }
    const w = sineSheets(200, 2, 0);
    for (let i = 0; i < 200; i++) {
      const want = 0.5 * Math.sin(2 * Math.PI * w.X[3 * i]) + (w.y[i] ? 0.2 : -0.2);
      expect(w.X[3 * i + 2]).toBeCloseTo(want, 5);
    }
  });
});
