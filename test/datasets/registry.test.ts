import { describe, expect, test } from "vitest";
import { loadDataset } from "../../src/datasets/registry.js";
import { glyphs } from "../../src/datasets/glyphs.js";
import { toy2d, TOY2D } from "../../src/datasets/toy2d.js";
import { FoliateError } from "../../src/errors.js";

describe("bundled datasets", () => {
  test("toy sets are seeded, balanced and shaped n×2", () => {
    for (const name of TOY2D) {
      const a = toy2d(name, 101, 5), b = toy2d(name, 101, 5), c = toy2d(name, 101, 6);
      expect(a.X).toEqual(b.X);
      expect(a.X).not.toEqual(c.X);
      expect(a.X.length).toBe(202);
      const ones = a.labels.reduce((s, l) => s + l, 0);
      expect(ones).toBe(50); // i % 2
      expect(a.X.every(Number.isFinite)).toBe(true);
    }
  });

  test("xor: without noise, the class is the sign of x·y", () => {
    const s = toy2d("xor", 200, 3, 0);
    for (let i = 0; i < s.n; i++) expect(s.X[2 * i] * s.X[2 * i + 1] < 0 ? 1 : 0).toBe(s.labels[i]);
  });

  test("circles: without noise, class 0 lies on radius 0.4 and class 1 on radius 1", () => {
    const s = toy2d("circles", 50, 3, 0);
    for (let i = 0; i < s.n; i++) expect(Math.hypot(s.X[2 * i], s.X[2 * i + 1])).toBeCloseTo(s.labels[i] ? 1 : 0.4, 5);
  });

  test("glyphs: 8×8×1 images in [0, 1]; without noise the ten class means are distinct", () => {
    const s = glyphs(200, 1, 0);
    expect(s.shape).toEqual([8, 8, 1]);
    expect(s.X.every((v) => v >= 0 && v <= 1)).toBe(true);
    const ink = Array.from({ length: 10 }, (_, c) => {
      let sum = 0;
      for (let i = c; i < s.n; i += 10) for (let p = 0; p < 64; p++) sum += s.X[i * 64 + p] > 0 ? 1 : 0;
      return sum / 20;
    });
    // ink pixel counts are 2 × the glyph's cell count: "1" has 8 cells, "8" has 13
    expect(ink[1]).toBe(16);
    expect(ink[8]).toBe(26);
  });

  test("names: name[:split][:N]; splits differ; bad names are typed errors", () => {
    const a = loadDataset("moons:test:30");
    expect(a.name).toBe("moons:test:30");
    expect(a.n).toBe(30);
    expect(loadDataset("moons:train:30").X).not.toEqual(a.X);
    expect(loadDataset("glyphs").n).toBe(1000);
    expect(() => loadDataset("cifar")).toThrow(FoliateError);
    expect(() => loadDataset("moons:val")).toThrow(/neither a split/);
  });
});

describe("mnist", () => {
  test("balanced, deterministic, disjoint splits, 28×28×1 in [0, 1]", () => {
    const a = loadDataset("mnist:test:30"), b = loadDataset("mnist:test:30"), t = loadDataset("mnist:train:30");
    expect(a.shape).toEqual([28, 28, 1]);
    expect(a.X).toEqual(b.X);
    expect(Array.from(a.labels.slice(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(a.X.every((v) => v >= 0 && v <= 1)).toBe(true);
    // no test image equals a train image of the same class
    for (let i = 0; i < 30; i++) expect(a.X.subarray(i * 784, (i + 1) * 784)).not.toEqual(t.X.subarray(i * 784, (i + 1) * 784));
    expect(() => loadDataset("mnist:test:100000")).toThrow(/has \d+ images; asked for 100000/);
  });
});
