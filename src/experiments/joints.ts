/**
 * Seeded discrete joint distributions for the local-geometry experiments: random joints, mixtures with the
 * uniform one (the local regime P = (1 − ε)·uniform + ε·A), and empirical joints of N samples.
 * Every joint is nx×ny, row-major: P[x·ny + y].
 */
import { mulberry32, gaussian } from "../random.js";

/** A random joint: entries uniform in [0, 1), normalised (seed 1 is the P_XY). */
export function randomJoint(nx: number, ny: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const p = Float64Array.from({ length: nx * ny }, () => rand());
  const total = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / total);
}

/**
 * A strongly dependent joint: P_X uniform and P(y|x) ∝ exp(sharpness·g(x, y)) with g standard normal —
 * sharpness 3 puts most of each row's mass on one or two labels (far from independence).
 */
export function peakedJoint(nx: number, ny: number, seed: number, sharpness = 3): Float64Array {
  const g = gaussian(mulberry32(seed));
  const p = new Float64Array(nx * ny);
  for (let x = 0; x < nx; x++) {
    let row = 0;
    for (let y = 0; y < ny; y++) row += p[x * ny + y] = Math.exp(sharpness * g());
    for (let y = 0; y < ny; y++) p[x * ny + y] /= row * nx;
  }
  return p;
}

/** (1 − ε)·uniform + ε·A. */
export function mixWithUniform(a: ArrayLike<number>, epsilon: number): Float64Array {
  const u = 1 / a.length;
  return Float64Array.from(a, (v) => (1 - epsilon) * u + epsilon * v);
}

/** The empirical joint of `samples` draws from P (inverse-CDF sampling, seeded): counts / samples. */
export function empiricalJoint(p: ArrayLike<number>, samples: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const cdf = new Float64Array(p.length);
  let acc = 0;
  for (let i = 0; i < p.length; i++) cdf[i] = acc += p[i];
  const counts = new Float64Array(p.length);
  for (let t = 0; t < samples; t++) {
    const r = rand() * acc;
    let lo = 0;
    let hi = p.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
  }
  return counts.map((c) => c / samples);
}

/** H(Y|X) in nats: the Bayes log-loss of predicting Y from X under P. */
export function conditionalEntropy(p: ArrayLike<number>, nx: number, ny: number): number {
  let h = 0;
  for (let x = 0; x < nx; x++) {
    let px = 0;
    for (let y = 0; y < ny; y++) px += p[x * ny + y];
    for (let y = 0; y < ny; y++) {
      const v = p[x * ny + y];
      if (v > 0) h -= v * Math.log(v / px);
    }
  }
  return h;
}
