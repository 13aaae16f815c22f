/**
 * regionsInPlane through max-pool layers: the argmax cells of every window split the polygons. References:
 * engine.forward's region hashes (which include each window's argmax) at located sample points, the float64
 * reference forward pass, and a closed-form case.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import type { RegionsInPlaneResult } from "../../../src/analyses/regions/plane.js";
import { Model } from "../../../src/model/model.js";
import { referenceForward } from "../../../src/reference/forward.js";
import { mulberry32 } from "../../../src/random.js";
import { randomWeights } from "../../support/models.js";
import { patternOf, expectTiling, tieModel } from "./patterns.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

/** The polygons containing (s, t) (edges are shared, so a point on one belongs to both). */
function containing(r: RegionsInPlaneResult, s: number, t: number): number[] {
  const found: number[] = [];
  for (let p = 0; p < r.count; p++) {
    const i0 = r.vertexStart[p], i1 = r.vertexStart[p + 1];
    let inside = true;
    for (let i = i0; i < i1 && inside; i++) {
      const j = i + 1 < i1 ? i + 1 : i0;
      const ex = r.vertices[2 * j] - r.vertices[2 * i], ey = r.vertices[2 * j + 1] - r.vertices[2 * i + 1];
      inside = ex * (t - r.vertices[2 * i + 1]) - ey * (s - r.vertices[2 * i]) >= -1e-12;
    }
    if (inside) found.push(p);
  }
  return found;
}

function value(r: RegionsInPlaneResult, p: number, i: number, s: number, t: number): number {
  const m = (p * r.outputSize + i) * 3;
  return r.maps[m] * s + r.maps[m + 1] * t + r.maps[m + 2];
}

describe("regionsInPlane with max-pooling", () => {
  // 4×4×1 image → conv 3×3 same (2 filters, relu) → maxPool 2×2 → flatten → dense 3 relu → dense 2.
  const cnn = new Model({
    inputShape: [4, 4, 1], head: "softmax",
    layers: [
      { type: "conv2d", filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: "same", kernel: randomWeights(81, 18, 0.6), bias: randomWeights(82, 2, 0.3), activation: "relu" },
      { type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" },
      { type: "flatten" },
      { type: "dense", units: 3, kernel: randomWeights(83, 8 * 3, 0.5), bias: randomWeights(84, 3, 0.1), activation: "relu" },
      { type: "dense", units: 2, kernel: randomWeights(85, 6, 0.5), bias: randomWeights(86, 2, 0.1), activation: "linear" },
    ],
  });
  const rnd = mulberry32(31);
  const o = Array.from({ length: 16 }, () => rnd() - 0.5), u = Array.from({ length: 16 }, () => rnd() - 0.5), v = Array.from({ length: 16 }, () => rnd() - 0.5);
  const at = (s: number, t: number) => o.map((oi, i) => oi + s * u[i] + t * v[i]);
  const extent = [-2, 2, -2, 2] as const;
  let r: RegionsInPlaneResult;
  beforeAll(async () => {
    r = await engine.regionsInPlane(cnn, o, u, v, extent);
  });

  it("polygons tile the slice: positive areas summing to its area, one polygon per pattern", () => {
    expect(r.count).toBeGreaterThan(30);
    expectTiling(r, 16);
  });

  it("every located sample point has its polygon's hash in engine.forward; affine maps match the float64 forward", async () => {
    const rs = mulberry32(32);
    const pts: number[][] = [], st: [number, number][] = [], owner: number[] = [];
    let ties = 0;
    for (let q = 0; q < 3000; q++) {
      const s = -2 + 4 * rs(), t = -2 + 4 * rs();
      const x = at(s, t);
      if (patternOf(cnn, x).margin < 1e-4) continue; // float32 forward could fall on the other side
      const ps = containing(r, s, t);
      expect(ps.length).toBe(1);
      pts.push(x);
      st.push([s, t]);
      owner.push(ps[0]);
      // Windows whose inputs tie exactly (dead relus): the lower scan index must win, as in engine.forward.
      const conv = referenceForward(cnn, x).layerOutputs[0]; // 4×4×2
      for (const base of [0, 4, 16, 20]) for (const ch of [0, 1]) {
        const w = [base, base + 2, base + 8, base + 10].map((i) => conv[i + ch]);
        if (w.filter((z) => z === Math.max(...w)).length > 1) ties++;
      }
    }
    expect(pts.length).toBeGreaterThan(2500);
    expect(ties).toBeGreaterThan(100);
    const f = await engine.forward(cnn, pts);
    owner.forEach((p, i) => expect(f.regionHash[i]).toBe(r.patterns[p]));
    for (let i = 0; i < pts.length; i += 7) {
      const out = referenceForward(cnn, pts[i]).output;
      for (let c = 0; c < 2; c++) expect(value(r, owner[i], c, st[i][0], st[i][1])).toBeCloseTo(out[c], 9);
    }
    expect(new Set(owner).size).toBeGreaterThan(0.5 * r.count);
  });

  it("dense sampling meets no pattern outside the partition and never more patterns than polygons", async () => {
    const rs = mulberry32(33), n = 4000;
    const X = new Float64Array(n * 16); // n×16, row-major
    for (let q = 0; q < n; q++) X.set(at(-2 + 4 * rs(), -2 + 4 * rs()), q * 16);
    const f = await engine.forward(cnn, X);
    const seen = new Set(f.regionHash), known = new Set(r.patterns);
    expect(seen.size).toBeLessThanOrEqual(r.count);
    let foreign = 0;
    for (const h of seen) if (!known.has(h)) foreign++;
    // float32 rounding at a boundary can name a region of the neighbouring side in a sliver: none expected here.
    expect(foreign).toBe(0);
  });

  it("closed form: one max-pool over two affine units cuts the rectangle along their tie line", async () => {
    // 1×2×1 image (x0, x1) → conv 1×2 same, linear: e0 = x0 + 3·x1, e1 = x1 (right cell padded) → maxPool 1×2
    // → dense 1→2 [1, −1]. argmax 0 where e0 > e1, i.e. s + 2t > 0: the line from (−1, 0.5) to the corner (2, −1).
    const m = tieModel();
    const rr = await engine.regionsInPlane(m, [0, 0], [1, 0], [0, 1], [-1, 2, -1, 1]);
    expect(rr.count).toBe(2);
    const f = await engine.forward(m, [[1, 0], [0, -0.5]]); // argmax 0, argmax 1
    const upper = rr.patterns.indexOf(f.regionHash[0]), lower = rr.patterns.indexOf(f.regionHash[1]);
    expect(new Set([upper, lower])).toEqual(new Set([0, 1]));
    expect(rr.areas[upper]).toBeCloseTo(3.75, 12);
    expect(rr.areas[lower]).toBeCloseTo(2.25, 12); // the triangle (−1, −1), (2, −1), (−1, 0.5)
    expect(rr.vertexStart[lower + 1] - rr.vertexStart[lower]).toBe(3);
    // On the upper piece the pooled value is x0 + 3·x1, on the lower piece x1; the outputs are ±pooled.
    const maps = (p: number) => Array.from(rr.maps.subarray(p * 6, p * 6 + 6)).map((x) => x + 0);
    expect(maps(upper)).toEqual([1, 3, 0, -1, -3, 0]);
    expect(maps(lower)).toEqual([0, 1, 0, 0, -1, 0]);
  });

  it("a window that never splits leaves the partition as it was: equal inputs tie to the first cell", async () => {
    // Both pooled inputs are the same affine function (a 1×1 conv of a 1×2 image with equal pixels along u):
    // e0 ≡ e1 on the whole slice, so one polygon whose hash is engine.forward's (argmax = the first cell).
    const m = new Model({
      inputShape: [1, 2, 1], head: "softmax",
      layers: [
        { type: "conv2d", filters: 1, kernelSize: [1, 1], strides: [1, 1], padding: "valid", kernel: Float64Array.from([2]), bias: Float64Array.from([0.5]), activation: "relu" },
        { type: "maxPool2d", poolSize: [1, 2], strides: [1, 2], padding: "valid" },
        { type: "flatten" },
        { type: "dense", units: 2, kernel: Float64Array.from([1, -1]), bias: Float64Array.from([0, 0]), activation: "linear" },
      ],
    });
    const rr = await engine.regionsInPlane(m, [0, 0], [1, 1], [0.5, 0.5], [-1, 1, -1, 1]);
    // The relu line 2·(s + t/2) + 0.5 = 0 cuts the square; each side keeps a single argmax cell.
    expect(rr.count).toBe(2);
    const f = await engine.forward(m, [[0.5, 0.5], [-0.8, -0.8]]);
    expect(new Set(rr.patterns)).toEqual(new Set(f.regionHash));
  });
});
