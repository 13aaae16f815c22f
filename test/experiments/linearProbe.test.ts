import { describe, expect, test } from "vitest";
import { probeAccuracy, ranks, spearman, trainLinearProbe } from "../../src/experiments/linearProbe.js";
import { gaussian, mulberry32 } from "../../src/random.js";

describe("linear probe and rank correlation", () => {
  test("Spearman equals 1 − 6Σd²/(n(n²−1)) without ties; ties share mean ranks; ±1 for monotone data", () => {
    const rand = mulberry32(2);
    for (let t = 0; t < 10; t++) {
      const n = 4 + t;
      const x = Array.from({ length: n }, () => rand()), y = Array.from({ length: n }, () => rand());
      const rx = ranks(x), ry = ranks(y);
      let d2 = 0;
      for (let i = 0; i < n; i++) d2 += (rx[i] - ry[i]) ** 2;
      expect(spearman(x, y)).toBeCloseTo(1 - (6 * d2) / (n * (n * n - 1)), 12);
    }
    expect(Array.from(ranks([10, 20, 10, 5]))).toEqual([2.5, 4, 2.5, 1]);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [8, 4, 2, 1])).toBeCloseTo(-1, 12);
  });

  test("softmax regression separates Gaussian blobs (held-out accuracy) and is deterministic", () => {
    const g = gaussian(mulberry32(4));
    const make = (n: number) => {
      const F = new Float64Array(n * 5), y = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = i % 3;
        for (let k = 0; k < 5; k++) F[i * 5 + k] = g() * 0.5 + (k === y[i] ? 3 : 0);
      }
      return { F, y };
    };
    const tr = make(90), te = make(60);
    const p = trainLinearProbe(tr.F, tr.y, 3, { steps: 100 });
    expect(probeAccuracy(p, te.F, te.y)).toBeGreaterThan(0.95);
    expect(Array.from(trainLinearProbe(tr.F, tr.y, 3, { steps: 100 }).weights)).toEqual(Array.from(p.weights));
    // random labels: near chance on held-out points
    const r = mulberry32(9);
    const noisy = Uint8Array.from(tr.y, () => Math.floor(3 * r()));
    expect(probeAccuracy(trainLinearProbe(tr.F, noisy, 3, { steps: 100 }), te.F, te.y)).toBeLessThan(0.6);
  });
});
