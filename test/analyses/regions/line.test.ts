import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import { UnsupportedLayerError, ShapeError } from "../../../src/errors.js";
import { randomCnn, randomMlp } from "../../support/models.js";
import { mulberry32 } from "../../../src/random.js";
import { bitsKey, patternOf } from "./patterns.js";
import type { DenseLayer } from "../../../src/model/types.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

const lerp = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i] - ai));

describe("regionsOnLine", () => {
  it("a 1-hidden-layer network's breakpoints are the hyperplane crossings computed by hand", async () => {
    const model = randomMlp([3, 12, 2], 5);
    const a = [-1.5, 0.3, 0.8], b = [1.2, -0.9, -1.1];
    const L = model.layers[0] as DenseLayer;
    const expected: number[] = [];
    for (let j = 0; j < 12; j++) {
      let za = L.bias[j], zb = L.bias[j];
      for (let i = 0; i < 3; i++) {
        za += a[i] * L.kernel[i * 12 + j];
        zb += b[i] * L.kernel[i * 12 + j];
      }
      const t = za / (za - zb); // z(t) = za + t·(zb − za) = 0
      if (t > 0 && t < 1) expected.push(t);
    }
    expected.sort((x, y) => x - y);
    const r = await engine.regionsOnLine(model, a, b);
    expect(expected.length).toBeGreaterThan(2);
    expect(r.breakpoints.length).toBe(expected.length);
    r.breakpoints.forEach((t, i) => expect(Math.abs(t - expected[i])).toBeLessThan(1e-14));
    expect(r.patterns.length).toBe(expected.length + 1);
  });

  for (const [act, sizes, seed] of [["relu", [4, 16, 16, 16, 3], 11], ["leakyRelu", [3, 12, 12, 12, 12, 4], 12], ["relu", [6, 24, 24, 5], 13]] as const) {
    it(`matches dense sampling of float64 patterns on a random ${act} network ${sizes.join("-")}`, async () => {
      const model = randomMlp([...sizes], seed, act);
      const rnd = mulberry32(seed);
      const a = Array.from({ length: sizes[0] }, () => 3 * (rnd() * 2 - 1));
      const b = Array.from({ length: sizes[0] }, () => 3 * (rnd() * 2 - 1));
      const r = await engine.regionsOnLine(model, a, b);
      const bp = r.breakpoints;
      const bitsTotal = sizes.slice(1, -1).reduce((s, n) => s + n, 0);
      expect(bp.length).toBeGreaterThan(10);
      for (let i = 1; i < bp.length; i++) expect(bp[i]).toBeGreaterThan(bp[i - 1]);
      expect(bp[0]).toBeGreaterThan(0);
      expect(bp[bp.length - 1]).toBeLessThan(1);
      const pieceKeys = Array.from({ length: bp.length + 1 }, (_, k) => bitsKey(r.bits, k, r.patternWords, bitsTotal));
      // Adjacent pieces differ (each breakpoint is a real change of pattern).
      for (let k = 0; k < bp.length; k++) expect(pieceKeys[k + 1]).not.toBe(pieceKeys[k]);
      const N = 6000;
      let piece = 0;
      let prev = "";
      let checked = 0;
      for (let s = 0; s <= N; s++) {
        const t = (s + 0.5) / (N + 1);
        while (piece < bp.length && bp[piece] <= t) piece++;
        const { key } = patternOf(model, lerp(a, b, t));
        // Every sample lies in the piece whose pattern it has.
        expect(key).toBe(pieceKeys[piece]);
        checked++;
        // Every pattern change between consecutive samples is bracketed by a breakpoint.
        if (s > 0 && key !== prev) {
          const t0 = (s - 0.5) / (N + 1);
          expect(bp.some((x) => x > t0 && x <= t)).toBe(true);
        }
        prev = key;
      }
      expect(checked).toBe(N + 1);
    });
  }

  it("piece hashes equal engine.forward's regionHash at a point inside each piece", async () => {
    const model = randomMlp([5, 20, 20, 20, 4], 21);
    const a = [-2, 1, 0.5, -1, 2], b = [2, -1.5, 1, 1.5, -2];
    const r = await engine.regionsOnLine(model, a, b);
    const t = [0, ...r.breakpoints, 1];
    const pts: number[][] = [];
    const which: number[] = [];
    for (let k = 0; k + 1 < t.length; k++) {
      const mid = lerp(a, b, (t[k] + t[k + 1]) / 2);
      // Skip pieces so thin that float32 rounding of the point could change a sign.
      if (patternOf(model, mid).margin < 1e-4) continue;
      pts.push(mid);
      which.push(k);
    }
    expect(pts.length).toBeGreaterThan(0.8 * (t.length - 1));
    const f = await engine.forward(model, pts);
    which.forEach((k, i) => expect(f.regionHash[i]).toBe(r.patterns[k]));
  });

  it("gives each piece's affine output map", async () => {
    const model = randomMlp([3, 10, 10, 2], 31, "relu", "none");
    const a = [1, -1, 0.5], b = [-1, 1, 0];
    const r = await engine.regionsOnLine(model, a, b);
    const t = [0, ...r.breakpoints, 1];
    for (let k = 0; k + 1 < t.length; k++) {
      const tm = 0.3 * t[k] + 0.7 * t[k + 1];
      const { output } = (await import("../../../src/reference/forward.js")).referenceForward(model, lerp(a, b, tm));
      for (let i = 0; i < 2; i++) expect(r.maps[(2 * k) * 2 + i] + tm * r.maps[(2 * k + 1) * 2 + i]).toBeCloseTo(output[i], 10);
    }
  });

  it("CNNs (conv, max-pool, avg-pool): breakpoints bracket every change of pattern or pool argmax; hashes agree with engine.forward", async () => {
    const model = randomCnn(8, 8, 1, 3, 5);
    const rnd = mulberry32(17);
    const a = Array.from({ length: 64 }, () => rnd()), b = Array.from({ length: 64 }, () => rnd());
    const r = await engine.regionsOnLine(model, a, b);
    const bp = r.breakpoints;
    expect(bp.length).toBeGreaterThan(5);
    const N = 4000;
    let piece = 0, prev = "", prevPiece = -1;
    const keyOf = new Map<number, string>();
    for (let s = 0; s <= N; s++) {
      const t = (s + 0.5) / (N + 1);
      while (piece < bp.length && bp[piece] <= t) piece++;
      const { key } = patternOf(model, lerp(a, b, t));
      const known = keyOf.get(piece);
      if (known === undefined) keyOf.set(piece, key);
      else expect(key).toBe(known); // one pattern and argmax per piece
      if (s > 0 && key !== prev) expect(bp.some((x) => x > (s - 0.5) / (N + 1) && x <= t)).toBe(true);
      if (s > 0 && piece === prevPiece + 1 && keyOf.get(prevPiece) !== undefined) expect(key).not.toBe(keyOf.get(prevPiece));
      prev = key;
      prevPiece = piece;
    }
    const t = [0, ...bp, 1];
    const pts: number[][] = [], which: number[] = [];
    for (let k = 0; k + 1 < t.length; k++) {
      const mid = lerp(a, b, (t[k] + t[k + 1]) / 2);
      if (patternOf(model, mid).margin < 1e-4) continue;
      pts.push(mid);
      which.push(k);
    }
    expect(pts.length).toBeGreaterThan(0.7 * (t.length - 1));
    const f = await engine.forward(model, pts);
    which.forEach((k, i) => expect(f.regionHash[i]).toBe(r.patterns[k]));
  });

  it("rejects smooth activations (on lines and planes) with UnsupportedLayerError naming the layer, and wrong point sizes", async () => {
    const tanh = randomMlp([3, 4, 2], 1, "tanh");
    await expect(engine.regionsOnLine(tanh, [0, 0, 0], [1, 1, 1])).rejects.toThrow(UnsupportedLayerError);
    await expect(engine.regionsOnLine(tanh, [0, 0, 0], [1, 1, 1])).rejects.toThrow(/layer 0 has activation tanh/);
    await expect(engine.regionsInPlane(tanh, [0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0, 1])).rejects.toThrow(/layer 0 has activation tanh/);
    await expect(engine.regionsOnLine(randomMlp([3, 4, 2]), [1, 2], [1, 2, 3])).rejects.toThrow(ShapeError);
  });
});
