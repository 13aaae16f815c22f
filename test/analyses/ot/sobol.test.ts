import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SOBOL_MAX_DIMENSION, SobolSequence } from "../../../src/analyses/ot/sobol.js";
import { OptionError, ShapeError } from "../../../src/errors.js";
import { mulberry32 } from "../../../src/random.js";

interface FixtureCase { d: number; start: number; n: number; scale: number; data: string; columns?: number[] }
const fixture: { source: string; cases: FixtureCase[] } = JSON.parse(
  readFileSync(new URL("../../fixtures/sobol/scipy-sobol.json", import.meta.url), "utf8"),
);

/** The stored integers x·scale of a case, n×columns row-major. */
function decode(c: FixtureCase): Uint8Array | Uint32Array {
  const bytes = Buffer.from(c.data, "base64");
  if (c.scale === 256) return new Uint8Array(bytes);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt32LE(4 * i);
  return out;
}

/** Coordinates as the 32-bit integers x·2^32 (exact: the generator makes multiples of 2^−32). */
const ints = (x: Float64Array) => Uint32Array.from(x, (v) => v * 2 ** 32);

/** Per coordinate, whether the first 2^m points put exactly one point in each interval [q/2^m, (q+1)/2^m). */
function isNetPerCoordinate(x: Float64Array, d: number, m: number): boolean {
  const n = 2 ** m;
  for (let k = 0; k < d; k++) {
    const seen = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const q = Math.floor(x[r * d + k] * n);
      if (seen[q]++) return false;
    }
  }
  return true;
}

describe("SobolSequence, unscrambled", () => {
  it(`equals SciPy's Sobol' points bit for bit (${fixture.cases.length} cases, up to dimension 1024 and index 2^32 − 1)`, () => {
    expect(fixture.source).toMatch(/bits=32/);
    for (const c of fixture.cases) {
      const x = new SobolSequence(c.d, 0, { scramble: false }).fill(c.start, c.n);
      const cols = c.columns ?? Array.from({ length: c.d }, (_, k) => k);
      const want = decode(c);
      expect(want.length).toBe(c.n * cols.length);
      let mismatches = 0;
      for (let r = 0; r < c.n; r++) for (let q = 0; q < cols.length; q++) if (x[r * c.d + cols[q]] * c.scale !== want[r * cols.length + q]) mismatches++;
      expect(mismatches, `d ${c.d}, start ${c.start}`).toBe(0);
    }
  });

  it("starts at the origin and is a (0, m, 1)-net in every one of the 1024 dimensions (m ≤ 10)", () => {
    const d = SOBOL_MAX_DIMENSION;
    const x = new SobolSequence(d, 0, { scramble: false }).fill(0, 1024);
    expect(Array.from(x.subarray(0, d)).every((v) => v === 0)).toBe(true);
    for (let m = 0; m <= 10; m++) expect(isNetPerCoordinate(x, d, m), `m ${m}`).toBe(true);
  });
});

describe("SobolSequence, scrambled (linear matrix scramble + digital shift)", () => {
  it("is deterministic per seed, differs between seeds and from the plain sequence, and stays in [0, 1)", () => {
    const a = new SobolSequence(12, 7).fill(0, 2048);
    expect(new SobolSequence(12, 7).fill(0, 2048)).toEqual(a);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);
    const b = new SobolSequence(12, 8).fill(0, 2048);
    const plain = new SobolSequence(12, 7, { scramble: false }).fill(0, 2048);
    for (let k = 0; k < 12; k++) {
      let diffSeed = 0, diffPlain = 0;
      for (let r = 0; r < 2048; r++) {
        if (a[r * 12 + k] !== b[r * 12 + k]) diffSeed++;
        if (a[r * 12 + k] !== plain[r * 12 + k]) diffPlain++;
      }
      expect(diffSeed).toBeGreaterThan(2000);
      expect(diffPlain).toBeGreaterThan(2000);
    }
    // The first k coordinates do not depend on how many follow.
    const narrow = new SobolSequence(3, 7).fill(0, 64);
    for (let r = 0; r < 64; r++) for (let k = 0; k < 3; k++) expect(narrow[r * 3 + k]).toBe(a[r * 12 + k]);
  });

  it("is an affine map z = L·y ⊕ e of the plain points, L unit lower triangular (checked on XOR-closed triples)", () => {
    const d = 40, n = 4096;
    const z = ints(new SobolSequence(d, 3).fill(0, n)), y = ints(new SobolSequence(d, 0, { scramble: false }).fill(0, n));
    const inverseGray = (g: number) => { let i = 0; for (; g; g >>>= 1) i ^= g; return i; };
    const gray = (i: number) => i ^ (i >>> 1);
    const rnd = mulberry32(11);
    for (let trial = 0; trial < 300; trial++) {
      const a = Math.floor(rnd() * n), b = Math.floor(rnd() * n), c = inverseGray(gray(a) ^ gray(b));
      for (let k = 0; k < d; k++) {
        expect(y[a * d + k] ^ y[b * d + k] ^ y[c * d + k]).toBe(0); // y(c) = y(a) ⊕ y(b) ...
        expect(z[a * d + k] ^ z[b * d + k] ^ z[c * d + k] ^ z[k]).toBe(0); // ... so L y(a) ⊕ L y(b) ⊕ L y(c) = 0, z(0) = e
        // Lower triangular with a unit diagonal: z(a) ⊕ z(b) = L(y(a) ⊕ y(b)) has its leading bit where y(a) ⊕ y(b) has it.
        expect(Math.clz32(z[a * d + k] ^ z[b * d + k])).toBe(Math.clz32(y[a * d + k] ^ y[b * d + k]));
      }
    }
  });

  it("keeps the (0, m, 1)-net property per coordinate, also for the blocks of 2^m points at multiples of 2^m", () => {
    for (const seed of [1, 2, 99]) {
      const d = 64, x = new SobolSequence(d, seed).fill(0, 4096);
      for (let m = 0; m <= 12; m++) expect(isNetPerCoordinate(x, d, m), `seed ${seed}, m ${m}`).toBe(true);
      // A (t, s)-sequence: points b·2^m … (b+1)·2^m − 1 form a net too.
      const block = new SobolSequence(d, seed).fill(5 * 256, 256);
      expect(isNetPerCoordinate(block, d, 8)).toBe(true);
    }
    const wide = new SobolSequence(SOBOL_MAX_DIMENSION, 5).fill(0, 256);
    expect(isNetPerCoordinate(wide, SOBOL_MAX_DIMENSION, 8)).toBe(true);
  });

  it("dimensions 1–2 form (0, m, 2)-nets: every elementary interval of area 2^−m holds one point", () => {
    /** Whether coordinates k1, k2 of the n = 2^m points put one point in every box of 2^−a × 2^−(m−a), all a. */
    const isNet2 = (x: Float64Array, d: number, m: number, k1: number, k2: number) => {
      for (let a = 0; a <= m; a++) {
        const b = m - a, seen = new Uint8Array(2 ** m);
        for (let r = 0; r < 2 ** m; r++) if (seen[Math.floor(x[r * d + k1] * 2 ** a) * 2 ** b + Math.floor(x[r * d + k2] * 2 ** b)]++) return false;
      }
      return true;
    };
    for (const [seed, scramble] of [[4, true], [5, true], [0, false]] as const) {
      const x = new SobolSequence(5, seed, { scramble }).fill(0, 1024);
      for (let m = 0; m <= 10; m++) expect(isNet2(x, 5, m, 0, 1), `seed ${seed}, m ${m}`).toBe(true);
      // Not a property of every pair: dimensions 1 and 3 have t > 0.
      expect(isNet2(x, 5, 10, 0, 2)).toBe(false);
    }
  });
});

describe("SobolSequence.fill", () => {
  it("in pieces equals one fill, scrambled or not, and writes into out", () => {
    for (const scramble of [true, false]) {
      const s = new SobolSequence(9, 21, { scramble });
      const whole = s.fill(0, 3000);
      const cuts = [0, 1, 2, 7, 64, 65, 1000, 2047, 2048, 3000];
      const pieces = new Float64Array(3000 * 9);
      for (let q = 0; q + 1 < cuts.length; q++) pieces.set(s.fill(cuts[q], cuts[q + 1] - cuts[q]), cuts[q] * 9);
      expect(pieces).toEqual(whole);
      const out = new Float64Array(10 * 9 + 3);
      expect(s.fill(100, 10, out)).toBe(out);
      expect(out.subarray(0, 90)).toEqual(whole.subarray(900, 990));
    }
  });

  it("rejects a dimension outside the table, indices past 2^32 − 1 and a short out", () => {
    for (const d of [0, -1, 1.5, SOBOL_MAX_DIMENSION + 1]) expect(() => new SobolSequence(d, 1)).toThrow(OptionError);
    expect(() => new SobolSequence(SOBOL_MAX_DIMENSION + 1, 1)).toThrow(`1..${SOBOL_MAX_DIMENSION}`);
    const s = new SobolSequence(2, 1);
    expect(() => s.fill(2 ** 32 - 1, 2)).toThrow(OptionError);
    expect(() => s.fill(-1, 2)).toThrow(OptionError);
    expect(() => s.fill(0, 2.5)).toThrow(OptionError);
    expect(s.fill(2 ** 32 - 1, 1).length).toBe(2);
    expect(() => s.fill(0, 4, new Float64Array(7))).toThrow(ShapeError);
    expect(s.fill(0, 0).length).toBe(0);
  });
});
