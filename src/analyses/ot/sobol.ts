/**
 * Sobol' points: the quasi-random samples of semi-discrete optimal transport. Coordinate k of point i is the
 * binary expansion XOR_{j : bit j of gray(i) set} V_{k,j} / 2^32, gray(i) = i ⊕ (i >> 1), with the 32-bit
 * direction integers V_{k,j} of dimension k built from the Joe–Kuo table (new-joe-kuo-6.21201, vendored for
 * dimensions 1..SOBOL_MAX_DIMENSION in sobolDirections.ts) by the Bratley–Fox recurrence
 *   V_j = V_{j−s} ⊕ (V_{j−s} >> s) ⊕ a_1 V_{j−1} ⊕ … ⊕ a_{s−1} V_{j−s+1},
 * s the degree of the dimension's primitive polynomial x^s + a_1 x^{s−1} + … + a_{s−1} x + 1 and
 * V_j = m_j · 2^{32−j} for the tabulated m_1..m_s (dimension 1 has all m_j = 1: the van der Corput sequence).
 * Points are produced in Gray-code order, one XOR per coordinate per point; point 0 is the origin. Unscrambled,
 * the points equal SciPy's `qmc.Sobol(d, scramble=False, bits=32)` bit for bit (test/fixtures/sobol).
 *
 * Scrambling (the default), seeded: a linear matrix scramble followed by a digital shift (LMS+shift, Matoušek
 * 1998; the scheme SciPy uses). For each dimension k the 32×32 binary generating matrix C_k (column j = the
 * digits of V_{k,j}, first binary digit on top) becomes L_k·C_k, L_k lower triangular with a unit diagonal and
 * uniform random bits below it, and every point of coordinate k is XORed with a uniform random 32-bit integer
 * e_k. L_k is invertible on every leading block, so every (t, m, s)-net property of the unscrambled points is
 * kept (the first 2^m points still put exactly one point in each dyadic interval of width 2^−m of a coordinate,
 * and dimensions 1–2 still form (0, m, 2)-nets), while the points lose their special role of 0 and their
 * alignment. The random bits come from mulberry32(seed), dimension by dimension (e_k, then one 32-bit draw per
 * column of L_k, masked to the digits below the diagonal), so the first k coordinates do not depend on how many dimensions follow. SciPy draws its
 * bits from NumPy's generator: scrambled points match SciPy's in distribution, not in value.
 *
 * The sequence has 2^32 points (indices 0 … 2^32 − 1); coordinates are multiples of 2^−32 in [0, 1).
 *
 * @example
 * new SobolSequence(2, 1, { scramble: false }).fill(0, 4) // Float64Array [0, 0, 0.5, 0.5, 0.75, 0.25, 0.25, 0.75]
 */
import { OptionError, ShapeError } from "../../errors.js";
import { mulberry32 } from "../../random.js";
import { SOBOL_DIMENSIONS, SOBOL_INITIAL_NUMBERS, SOBOL_POLYNOMIALS } from "./sobolDirections.js";

/** The largest dimension the vendored direction-number table covers. */
export const SOBOL_MAX_DIMENSION = SOBOL_DIMENSIONS;
/** Bits per direction integer: the sequence has 2^SOBOL_BITS points. */
export const SOBOL_BITS = 32;
const POINTS = 2 ** SOBOL_BITS;

export interface SobolOptions {
  /** Linear matrix scramble + digital shift, seeded (default true); false gives the plain Joe–Kuo sequence. */
  scramble?: boolean;
}

export class SobolSequence {
  readonly scrambled: boolean;
  /** 32×dim, row-major: entry j·dim + k is direction integer V_{k,j+1} (scrambled when `scrambled`). */
  private readonly directions: Uint32Array;
  /** dim: the digital shift e_k of each coordinate (zeros when not scrambled). */
  private readonly shift: Uint32Array;

  constructor(readonly dim: number, seed = 1, { scramble = true }: SobolOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1 || dim > SOBOL_MAX_DIMENSION) {
      throw new OptionError(`Sobol: dimension must be an integer in 1..${SOBOL_MAX_DIMENSION} (the vendored Joe–Kuo direction-number table), got ${dim}`);
    }
    this.scrambled = scramble;
    this.directions = new Uint32Array(SOBOL_BITS * dim);
    this.shift = new Uint32Array(dim);
    const rnd = mulberry32(seed);
    const u32 = () => rnd() * POINTS; // mulberry32 returns a 32-bit integer / 2^32: exact
    const v = new Uint32Array(SOBOL_BITS), lower = new Uint32Array(SOBOL_BITS);
    let offset = 0; // of dimension k's m_1..m_s in SOBOL_INITIAL_NUMBERS
    for (let k = 0; k < dim; k++) {
      offset += directionIntegers(k, offset, v);
      if (scramble) {
        this.shift[k] = u32();
        // Column l of L_k: the unit diagonal digit l (bit 31 − l) and random digits below it (lower bits).
        for (let l = 0; l < SOBOL_BITS; l++) lower[l] = (0x80000000 >>> l) | (u32() & (0x7fffffff >>> l));
        for (let j = 0; j < SOBOL_BITS; j++) v[j] = multiplyLower(lower, v[j]);
      }
      for (let j = 0; j < SOBOL_BITS; j++) this.directions[j * dim + k] = v[j];
    }
  }

  /** Points start … start+count−1 as count×dim f64, row-major, in [0, 1). */
  fill(start: number, count: number, out = new Float64Array(count * this.dim)): Float64Array {
    const d = this.dim;
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > POINTS) {
      throw new OptionError(`Sobol: points start … start+count−1 must lie in 0 … 2^${SOBOL_BITS}−1, got start ${start}, count ${count}`);
    }
    if (out.length < count * d) throw new ShapeError(`Sobol: out holds ${out.length} values, expected at least ${count}×${d}`);
    if (count === 0) return out;
    // The state x = (point start) as 32-bit integers: shift ⊕ the directions of the set bits of gray(start).
    const x = Uint32Array.from(this.shift);
    const gray = (start ^ (start >>> 1)) >>> 0;
    for (let j = 0; j < SOBOL_BITS; j++) {
      if (((gray >>> j) & 1) === 0) continue;
      for (let k = 0, o = j * d; k < d; k++) x[k] ^= this.directions[o + k];
    }
    for (let r = 0; ; ) {
      for (let k = 0, o = r * d; k < d; k++) out[o + k] = x[k] / POINTS;
      if (++r === count) return out;
      // gray(i) ⊕ gray(i−1) has the single bit ctz(i) set: one direction per coordinate per step.
      const i = start + r;
      const o = (31 - Math.clz32(i & -i)) * d;
      for (let k = 0; k < d; k++) x[k] ^= this.directions[o + k];
    }
  }
}

/**
 * The 32 direction integers of dimension k (0-based) into v (v[j] = V_{j+1}); offset is where dimension k's
 * initial numbers start in SOBOL_INITIAL_NUMBERS. Returns the degree s (how many initial numbers it read).
 */
function directionIntegers(k: number, offset: number, v: Uint32Array): number {
  const poly = SOBOL_POLYNOMIALS[k];
  const s = 31 - Math.clz32(poly); // degree; 0 for dimension 1 (poly 1)
  if (s === 0) {
    for (let j = 0; j < SOBOL_BITS; j++) v[j] = 0x80000000 >>> j; // m_j = 1
    return 0;
  }
  for (let j = 0; j < Math.min(s, SOBOL_BITS); j++) v[j] = SOBOL_INITIAL_NUMBERS[offset + j] * 2 ** (31 - j); // m_{j+1}·2^{31−j}
  for (let j = s; j < SOBOL_BITS; j++) {
    let w = v[j - s] ^ (v[j - s] >>> s);
    for (let q = 1; q < s; q++) if ((poly >>> (s - q)) & 1) w ^= v[j - q];
    v[j] = w;
  }
  return s;
}

/** L·v over GF(2) for a lower-triangular L given by its columns (column l belongs to digit l = bit 31 − l). */
function multiplyLower(columns: Uint32Array, v: number): number {
  let w = 0;
  for (let l = 0; l < SOBOL_BITS; l++) if ((v >>> (31 - l)) & 1) w ^= columns[l];
  return w >>> 0;
}
