/**
 * Statistics of the Ricci coefficient: Pearson correlation, its two-sided p-value by Student's t, and Fisher's z.
 *
 * p-value of r over m pairs: t = r·√((m−2)/(1−r²)) with ν = m − 2 degrees of freedom, and
 *   P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, 1/2)      (Abramowitz & Stegun 26.7.1 / DLMF 8.17 with 26.5.27),
 * where I_x(a, b) is the regularized incomplete beta function, evaluated by its continued fraction
 *   I_x(a,b) = x^a (1−x)^b / (a B(a,b)) · 1/(1+ d₁/(1+ d₂/(1+ …))),   DLMF 8.17.22,
 *   d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)),  d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)),
 * with modified Lentz iteration, used directly for x < (a+1)/(a+b+2) and through I_x(a,b) = 1 − I_{1−x}(b,a)
 * otherwise (where it converges fast). ln Γ by the Lanczos approximation (g = 7, 9 terms; ~1e-15 relative).
 */

/** Pearson correlation of two equal-length series; NaN if fewer than 2 values or either is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const m = x.length;
  if (m !== y.length) throw new RangeError(`pearson: series of lengths ${m} and ${y.length}`);
  if (m < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < m; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= m;
  my /= m;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < m; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x); // reflection
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of I_x(a,b) (DLMF 8.17.22) by the modified Lentz method. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)); // even step d_{2m}
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)); // odd step d_{2m+1}
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) return h;
  }
  return h; // not reached for the a, b of a t test
}

/** Regularized incomplete beta function I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || !(x >= 0 && x <= 1)) return NaN;
  if (x === 0 || x === 1) return x;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Student's t cumulative distribution P(T ≤ t) with ν > 0 degrees of freedom. */
export function studentTCdf(t: number, nu: number): number {
  if (Number.isNaN(t) || !(nu > 0)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), nu / 2, 0.5); // P(T ≥ |t|)
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided p-value of a Pearson r over m pairs (H0: ρ = 0): 0 when |r| = 1, NaN when m < 3 or r is NaN. */
export function pearsonPValue(r: number, m: number): number {
  if (Number.isNaN(r) || m < 3) return NaN;
  const nu = m - 2;
  if (Math.abs(r) >= 1) return 0;
  const t = r * Math.sqrt(nu / (1 - r * r));
  return regularizedIncompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
}
