import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binomial, complexityBounds, hyperplaneRegions } from "../../../src/analyses/regions/bounds.js";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import { OptionError } from "../../../src/errors.js";
import { randomMlp } from "../../support/models.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

describe("complexityBounds", () => {
  it("Lemma 4.4: binomial sums by hand", () => {
    expect(binomial(10, 3)).toBe(120n);
    expect(hyperplaneRegions(2, 3)).toBe(7n); // 1 + 3 + 3
    expect(hyperplaneRegions(2, 4)).toBe(11n); // 1 + 4 + 6
    expect(hyperplaneRegions(3, 2)).toBe(4n); // d ≥ n: 2^n
    expect(hyperplaneRegions(1, 5)).toBe(6n);
  });

  it("closed forms for small architectures", () => {
    const b = complexityBounds([2, 3, 1]);
    expect(b.serra2018.value).toBe(7n);
    expect(b.montufar2017.value).toBe(7n);
    expect(b.lei2020Hidden.value).toBe(7n);
    expect(b.lei2020.value).toBe(7n * 2n); // C(3, 1) = 2
    expect(b.trivial.value).toBe(8n);
    // Two hidden layers of 2 on 1 input: Montúfar 2017: (1+2)(1+2) = 9; Serra: j_1 ≤ 1, j_2 ≤ min(1, 2−j_1, 2):
    // j_1=0: j_2∈{0,1} → 1·(1+2) = 3; j_1=1: j_2∈{0,1} → 2·(1+2) = 6; total 9. Lei: C(1,2)·C(2,2)·C(2,1) = 3·4·2.
    const c = complexityBounds([1, 2, 2, 1]);
    expect(c.montufar2017.value).toBe(9n);
    expect(c.serra2018.value).toBe(9n);
    expect(c.lei2020.value).toBe(24n);
    expect(c.montufar2014Lower!.value).toBe(2n ** 1n * 3n);
    // Bottleneck: [2, 1, 4]: j_1 ≤ 1 → d ≤ min(2, 1 − j_1) → Serra = 1·(1+4) + 1·(1) = 6 (j_1 = 1 leaves d = 0).
    const d = complexityBounds([2, 1, 4, 3]);
    expect(d.serra2018.value).toBe(6n);
    expect(d.montufar2017.value).toBe(2n * 5n);
    expect(d.serra2018Lower).toBeNull();
  });

  it("Serra et al.'s lower bound meets their upper bound for one-dimensional inputs (their abstract: exact for n_0 = 1)", () => {
    // Independent of how either formula was written: for n_0 = 1 the upper bound's DP keeps d = 1 at every layer
    // (Π_l (n_l + 1)), and the lower bound is Π_{l<L} (n_l + 1) · (n_L + 1); the two must coincide.
    for (const widths of [[1, 3, 1], [1, 3, 4, 1], [1, 5, 3, 7, 2], [1, 8, 8, 8, 8, 10]]) {
      const b = complexityBounds(widths);
      const hidden = widths.slice(1, -1);
      const product = hidden.reduce((p, n) => p * BigInt(n + 1), 1n);
      expect(b.serra2018.value).toBe(product);
      expect(b.serra2018Lower!.value).toBe(product);
      expect(b.montufar2014Lower!.value <= product).toBe(true);
    }
    // For n_0 ≥ 2 the lower bound stays strictly below the upper one on these widths.
    const b = complexityBounds([2, 6, 6, 6, 1]);
    expect(b.serra2018Lower!.value).toBe(4n ** 2n * 4n ** 2n * (1n + 6n + 15n));
    expect(b.serra2018Lower!.value < b.serra2018.value).toBe(true);
  });

  it("large architectures stay exact (BigInt) with a log10", () => {
    const b = complexityBounds([784, 256, 256, 10]);
    expect(b.trivial.log10).toBeCloseTo(512 * Math.log10(2), 6);
    expect(b.serra2018.value <= b.montufar2017.value).toBe(true);
    expect(b.montufar2017.value <= b.trivial.value).toBe(true);
    expect(() => complexityBounds([3, 4])).toThrow(OptionError);
  });

  it("the exact count of random 2-input networks never exceeds the bounds (and the lower bounds hold below them)", async () => {
    for (const [sizes, seed] of [[[2, 6, 6, 2], 1], [[2, 8, 4, 3], 2], [[2, 5, 5, 5, 2], 3]] as const) {
      const model = randomMlp([...sizes], seed);
      const r = await engine.regionsInPlane(model, [0, 0], [1, 0], [0, 1], [-50, 50, -50, 50]);
      const b = complexityBounds([...sizes]);
      const count = BigInt(r.count);
      for (const key of ["lei2020", "lei2020Hidden", "montufar2017", "serra2018", "trivial"] as const) expect(count <= b[key].value).toBe(true);
      expect(b.serra2018.value <= b.lei2020Hidden.value).toBe(true);
      if (b.montufar2014Lower) expect(b.montufar2014Lower.value <= b.serra2018.value).toBe(true);
    }
  });
});
