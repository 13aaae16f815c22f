/**
 * Scrambled Halton points: the quasi-random samples of semi-discrete optimal transport. Coordinate k of
 * point i is the radical inverse of i in the k-th prime base p_k with every digit passed through a random
 * permutation of {0..p_k−1} (one permutation per base and digit position, drawn from a seeded mulberry32;
 * Braaten–Weller / Owen-style digit scrambling, with the permutation fixing no special role for 0 so the
 * infinite tail of zero digits is scrambled too, approximated by 4 extra digits).
 *
 * Why Halton and not Sobol: Sobol needs a direction-number table (Joe–Kuo) per dimension; Foliate supports
 * any dimension up to MAX_DIMENSION without embedding and verifying such a table, and the sequence is
 * extensible (doubling the sample set takes the next indices). Unscrambled Halton points are strongly
 * correlated between large prime bases (points fall on lines in 2D projections); scrambling the digits
 * removes that while keeping the low discrepancy of each coordinate (every base-p_k elementary interval
 * still receives its share of points).
 *
 * @example
 * const h = new ScrambledHalton(2, 1); h.fill(0, 4) // Float64Array 4×2 in [0, 1)
 */
import { OptionError } from "../../errors.js";
import { mulberry32 } from "../../random.js";

export const MAX_DIMENSION = 256;

function primes(count: number): number[] {
  const out: number[] = [];
  for (let n = 2; out.length < count; n++) if (out.every((p) => p * p > n || n % p !== 0)) out.push(n);
  return out;
}

/** Digits per coordinate: enough for 2^53 precision in base p, plus the scrambled tail. */
const digitsFor = (p: number) => Math.ceil(53 / Math.log2(p)) + 1;

export class ScrambledHalton {
  private readonly bases: number[];
  /** Per dimension, per digit position: a permutation of 0..p−1. */
  private readonly perms: Uint16Array[][];

  constructor(readonly dim: number, seed: number) {
    if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIMENSION) throw new OptionError(`scrambled Halton: dimension must be an integer in 1..${MAX_DIMENSION}, got ${dim}`);
    this.bases = primes(dim);
    const rnd = mulberry32(seed);
    this.perms = this.bases.map((p) =>
      Array.from({ length: digitsFor(p) }, () => {
        const perm = Uint16Array.from({ length: p }, (_, i) => i);
        for (let i = p - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        return perm;
      }),
    );
  }

  /** Points first … first+count−1 as count×dim f64, row-major, in [0, 1). */
  fill(first: number, count: number, out = new Float64Array(count * this.dim)): Float64Array {
    for (let k = 0; k < this.dim; k++) {
      const p = this.bases[k], perms = this.perms[k], nd = perms.length;
      for (let r = 0; r < count; r++) {
        let i = first + r, f = 1 / p, x = 0;
        for (let q = 0; q < nd; q++) {
          x += perms[q][i % p] * f;
          i = Math.floor(i / p);
          f /= p;
        }
        out[r * this.dim + k] = Math.min(x, 1 - Number.EPSILON);
      }
    }
    return out;
  }
}
