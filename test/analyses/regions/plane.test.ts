import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import { OptionError } from "../../../src/errors.js";
import { referenceForward } from "../../../src/reference/forward.js";
import { mulberry32 } from "../../../src/random.js";
import { randomMlp } from "../../support/models.js";
import { bitsKey, patternOf, expectTiling } from "./patterns.js";
import type { RegionsInPlaneResult } from "../../../src/analyses/regions/plane.js";
import { Model } from "../../../src/model/model.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

function contains(r: RegionsInPlaneResult, p: number, s: number, t: number): boolean {
  const i0 = r.vertexStart[p], i1 = r.vertexStart[p + 1];
  for (let i = i0; i < i1; i++) {
    const j = i + 1 < i1 ? i + 1 : i0;
    const ex = r.vertices[2 * j] - r.vertices[2 * i], ey = r.vertices[2 * j + 1] - r.vertices[2 * i + 1];
    if (ex * (t - r.vertices[2 * i + 1]) - ey * (s - r.vertices[2 * i]) < -1e-12) return false;
  }
  return true;
}

/** Pairs of polygons sharing an edge piece of positive length (brute force). */
function neighbours(r: RegionsInPlaneResult): [number, number][] {
  const edges: { p: number; ax: number; ay: number; bx: number; by: number }[] = [];
  for (let p = 0; p < r.count; p++) {
    for (let i = r.vertexStart[p]; i < r.vertexStart[p + 1]; i++) {
      const j = i + 1 < r.vertexStart[p + 1] ? i + 1 : r.vertexStart[p];
      edges.push({ p, ax: r.vertices[2 * i], ay: r.vertices[2 * i + 1], bx: r.vertices[2 * j], by: r.vertices[2 * j + 1] });
    }
  }
  const pairs = new Set<string>();
  for (let e = 0; e < edges.length; e++) {
    const E = edges[e];
    const dx = E.bx - E.ax, dy = E.by - E.ay, len = Math.hypot(dx, dy);
    if (len < 1e-9) continue;
    for (let f = e + 1; f < edges.length; f++) {
      const F = edges[f];
      if (F.p === E.p) continue;
      const c1 = (dx * (F.ay - E.ay) - dy * (F.ax - E.ax)) / len, c2 = (dx * (F.by - E.ay) - dy * (F.bx - E.ax)) / len;
      if (Math.abs(c1) > 1e-9 || Math.abs(c2) > 1e-9) continue;
      const u1 = (dx * (F.ax - E.ax) + dy * (F.ay - E.ay)) / len, u2 = (dx * (F.bx - E.ax) + dy * (F.by - E.ay)) / len;
      const overlap = Math.min(len, Math.max(u1, u2)) - Math.max(0, Math.min(u1, u2));
      if (overlap > 1e-7) pairs.add(E.p < F.p ? `${E.p},${F.p}` : `${F.p},${E.p}`);
    }
  }
  return [...pairs].map((k) => k.split(",").map(Number) as [number, number]);
}

describe("regionsInPlane", () => {
  const model = randomMlp([2, 10, 10, 10, 3], 3);
  const bitsTotal = 30;
  let r: RegionsInPlaneResult;
  beforeAll(async () => {
    r = await engine.regionsInPlane(model, [0, 0], [1, 0], [0, 1], [-2, 2, -1.5, 1.5]);
  });

  it("polygons tile the slice: positive areas summing to the slice area", () => {
    expect(r.count).toBeGreaterThan(50);
    expectTiling(r, 12);
  });

  it("every sampled point lies in the polygon whose pattern it has; hashes agree with engine.forward", async () => {
    const rnd = mulberry32(4);
    const keys = Array.from({ length: r.count }, (_, p) => bitsKey(r.bits, p, r.patternWords, bitsTotal));
    const pts: number[][] = [];
    const owner: number[] = [];
    let tested = 0;
    for (let q = 0; q < 1500; q++) {
      const s = -2 + 4 * rnd(), t = -1.5 + 3 * rnd();
      const { key, margin } = patternOf(model, [s, t]);
      if (margin < 1e-9) continue;
      const p = keys.indexOf(key);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(contains(r, p, s, t)).toBe(true);
      tested++;
      if (margin > 1e-4) {
        pts.push([s, t]);
        owner.push(p);
      }
    }
    expect(tested).toBeGreaterThan(1400);
    const f = await engine.forward(model, pts);
    owner.forEach((p, i) => expect(f.regionHash[i]).toBe(r.patterns[p]));
  });

  it("neighbours differ in exactly one neuron's sign", () => {
    const pairs = neighbours(r);
    expect(pairs.length).toBeGreaterThan(r.count);
    for (const [p, q] of pairs) {
      let diff = 0;
      for (let w = 0; w < r.patternWords; w++) {
        let x = r.bits[p * r.patternWords + w] ^ r.bits[q * r.patternWords + w];
        while (x) {
          diff += x & 1;
          x >>>= 1;
        }
      }
      expect(diff).toBe(1);
    }
  });

  it("affine maps and predicted classes agree with the float64 forward pass; boundary segments are ties", () => {
    const C = r.outputSize;
    for (let p = 0; p < r.count; p += 3) {
      const i0 = r.vertexStart[p], i1 = r.vertexStart[p + 1];
      let cs = 0, ct = 0;
      for (let i = i0; i < i1; i++) {
        cs += r.vertices[2 * i] / (i1 - i0);
        ct += r.vertices[2 * i + 1] / (i1 - i0);
      }
      const out = referenceForward(model, [cs, ct]).output;
      for (let i = 0; i < C; i++) expect(r.maps[(p * C + i) * 3] * cs + r.maps[(p * C + i) * 3 + 1] * ct + r.maps[(p * C + i) * 3 + 2]).toBeCloseTo(out[i], 9);
      expect(r.predicted[p]).toBe(out.indexOf(Math.max(...out)));
    }
    expect(r.boundary.length).toBeGreaterThan(0);
    for (let g = 0; g < r.boundary.length; g += 4) {
      const out = [...referenceForward(model, [(r.boundary[g] + r.boundary[g + 2]) / 2, (r.boundary[g + 1] + r.boundary[g + 3]) / 2]).output].sort((x, y) => y - x);
      expect(out[0] - out[1]).toBeLessThan(1e-9);
    }
    const polyPoints = r.boundaryPolylines.reduce((n, l) => n + l.length / 2 - 1, 0);
    expect(polyPoints).toBe(r.boundary.length / 4);
  });

  it("class cells: convex pieces of one polygon each, tiling the slice, whose class is engine.forward's argmax at every sampled point", async () => {
    const cc = r.classCells;
    let area = 0, mixed = 0;
    for (let c = 0; c < cc.count; c++) {
      const i0 = cc.vertexStart[c], i1 = cc.vertexStart[c + 1];
      let a = 0;
      for (let i = i0; i < i1; i++) {
        const j = i + 1 < i1 ? i + 1 : i0;
        a += (cc.vertices[2 * i] * cc.vertices[2 * j + 1] - cc.vertices[2 * j] * cc.vertices[2 * i + 1]) / 2;
        // each vertex lies in its polygon
        expect(contains(r, cc.polygon[c], cc.vertices[2 * i], cc.vertices[2 * i + 1])).toBe(true);
      }
      expect(a).toBeGreaterThan(0);
      area += a;
    }
    expect(Math.abs(area - 12)).toBeLessThan(1e-9);
    // polygons split by the boundary: more cells than polygons, as many extra as the boundary makes
    for (let p = 0; p < r.count; p++) if (new Set(Array.from({ length: cc.count }, (_, c) => c).filter((c) => cc.polygon[c] === p).map((c) => cc.predicted[c])).size > 1) mixed++;
    expect(mixed).toBeGreaterThan(0);
    expect(cc.count).toBeGreaterThanOrEqual(r.count + mixed);
    // the colour at sampled points: the cell holding the point has forward's class
    const asRegions = { vertexStart: cc.vertexStart, vertices: cc.vertices } as RegionsInPlaneResult;
    const rnd = mulberry32(31);
    const pts: number[][] = [];
    for (let q = 0; q < 3000; q++) pts.push([-2 + 4 * rnd(), -1.5 + 3 * rnd()]);
    const f = await engine.forward(model, pts);
    let checked = 0, wrongByPolygonColour = 0;
    for (let q = 0; q < pts.length; q++) {
      const pr = Array.from(f.probs.subarray(3 * q, 3 * q + 3));
      const sorted = [...pr].sort((x, y) => y - x);
      if (sorted[0] - sorted[1] < 1e-5) continue; // float32 forward: too close to the boundary to tell
      const cls = pr.indexOf(sorted[0]);
      const cells = Array.from({ length: cc.count }, (_, c) => c).filter((c) => contains(asRegions, c, pts[q][0], pts[q][1]));
      expect(cells.length).toBeGreaterThan(0);
      for (const c of cells) expect(cc.predicted[c]).toBe(cls);
      if (r.predicted[cc.polygon[cells[0]]] !== cls) wrongByPolygonColour++;
      checked++;
    }
    expect(checked).toBeGreaterThan(2900);
    // the old colouring (one class per polygon, at its centroid) is wrong at some of these points
    expect(wrongByPolygonColour).toBeGreaterThan(0);
  });

  it("n lines in general position give 1 + n + C(n, 2) regions", async () => {
    for (const n of [1, 3, 7, 12]) {
      const m = randomMlp([2, n, 2], 40 + n);
      const L = m.layers[0] as { kernel: Float64Array; bias: Float64Array };
      let reach = 1;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
        const [a1, b1, c1, a2, b2, c2] = [L.kernel[i], L.kernel[n + i], L.bias[i], L.kernel[j], L.kernel[n + j], L.bias[j]];
        const det = a1 * b2 - a2 * b1;
        reach = Math.max(reach, Math.abs((-c1 * b2 + c2 * b1) / det), Math.abs((-a1 * c2 + a2 * c1) / det));
      }
      const e = 2 * reach;
      const rr = await engine.regionsInPlane(m, [0, 0], [1, 0], [0, 1], [-e, e, -e, e]);
      expect(rr.count).toBe(1 + n + (n * (n - 1)) / 2);
    }
  });

  it("leakyRelu networks: tiling, distinct hashes, sampled membership", async () => {
    const leaky = randomMlp([2, 12, 12, 3], 19, "leakyRelu", "softmax", 0.1);
    const rr = await engine.regionsInPlane(leaky, [0, 0], [1, 0], [0, 1], [-2, 2, -2, 2]);
    expect(Math.abs(rr.areas.reduce((a, b) => a + b, 0) - 16)).toBeLessThan(1e-9);
    expect(new Set(rr.patterns).size).toBe(rr.count);
    const keys = Array.from({ length: rr.count }, (_, i) => bitsKey(rr.bits, i, rr.patternWords, 24));
    const rnd = mulberry32(20);
    for (let q = 0; q < 300; q++) {
      const s = 4 * rnd() - 2, t = 4 * rnd() - 2;
      const { key, margin } = patternOf(leaky, [s, t]);
      if (margin < 1e-9) continue;
      const p = keys.indexOf(key);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(contains(rr, p, s, t)).toBe(true);
      const out = referenceForward(leaky, [s, t]).output;
      for (let i = 0; i < 3; i++) expect(rr.maps[(p * 3 + i) * 3] * s + rr.maps[(p * 3 + i) * 3 + 1] * t + rr.maps[(p * 3 + i) * 3 + 2]).toBeCloseTo(out[i], 9);
    }
  });

  it("handles conv2d and avgPool2d layers (unrolled): tiling and sampled membership on a 5×5×1 slice", async () => {
    const { randomWeights } = await import("../../support/models.js");
    const cnn = new Model({
      inputShape: [5, 5, 1], head: "softmax",
      layers: [
        { type: "conv2d", filters: 3, kernelSize: [3, 3], strides: [1, 1], padding: "same", kernel: randomWeights(71, 27, 0.5), bias: randomWeights(72, 3, 0.1), activation: "relu" },
        { type: "avgPool2d", poolSize: [2, 2], strides: [2, 2], padding: "same" },
        { type: "flatten" },
        { type: "dense", units: 4, kernel: randomWeights(73, 27 * 4, 0.3), bias: randomWeights(74, 4, 0.1), activation: "relu" },
        { type: "dense", units: 2, kernel: randomWeights(75, 8, 0.5), bias: randomWeights(76, 2, 0.1), activation: "linear" },
      ],
    });
    const rnd = mulberry32(12);
    const o = Array.from({ length: 25 }, () => rnd() - 0.5), u = Array.from({ length: 25 }, () => rnd() - 0.5), v = Array.from({ length: 25 }, () => rnd() - 0.5);
    const rr = await engine.regionsInPlane(cnn, o, u, v, [-3, 3, -3, 3]);
    expect(rr.count).toBeGreaterThan(20);
    expect(Math.abs(rr.areas.reduce((a, b) => a + b, 0) - 36)).toBeLessThan(1e-9);
    const keys = Array.from({ length: rr.count }, (_, i) => bitsKey(rr.bits, i, rr.patternWords, 75 + 4));
    for (let q = 0; q < 300; q++) {
      const s = 6 * rnd() - 3, t = 6 * rnd() - 3;
      const { key, margin } = patternOf(cnn, o.map((oi, i) => oi + s * u[i] + t * v[i]));
      if (margin < 1e-9) continue;
      const p = keys.indexOf(key);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(contains(rr, p, s, t)).toBe(true);
    }
  });

  it("works on slices of higher-dimensional inputs and validates its arguments", async () => {
    const m = randomMlp([6, 16, 16, 4], 8);
    const rr = await engine.regionsInPlane(m, [0.1, 0.2, 0.3, 0, 0, 0], [1, 0, 0, 1, 0, 0], [0, 1, 0, 0, -1, 0], [-1, 1, -1, 1]);
    const area = rr.areas.reduce((a, b) => a + b, 0);
    expect(Math.abs(area - 4)).toBeLessThan(1e-9);
    const rnd = mulberry32(9);
    for (let q = 0; q < 200; q++) {
      const s = 2 * rnd() - 1, t = 2 * rnd() - 1;
      const x = [0.1 + s, 0.2 + t, 0.3, s, -t, 0];
      const { key, margin } = patternOf(m, x);
      if (margin < 1e-9) continue;
      const p = Array.from({ length: rr.count }, (_, i) => bitsKey(rr.bits, i, rr.patternWords, 32)).indexOf(key);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(contains(rr, p, s, t)).toBe(true);
    }
    await expect(engine.regionsInPlane(m, new Float64Array(6), new Float64Array(6), new Float64Array(6), [1, 0, 0, 1])).rejects.toThrow(OptionError);
    expect(m).toBeInstanceOf(Model);
  });
});
