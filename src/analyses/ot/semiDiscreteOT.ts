/**
 * Semi-discrete optimal transport (Gu, Luo, Sun, Yau; the tool of Lei, Luo, Yau, Gu arXiv 1805.10451 and
 * AE-OT): from the uniform measure μ on a box to N target points y_i with mass 1/N each. Brenier's
 * potential is u_h(x) = max_i ⟨x, y_i⟩ + h_i; the heights h minimise the convex energy
 * E(h) = ∫ u_h dμ − Σ h_i/N, whose gradient is ∇E_i = μ(W_i(h)) − 1/N, W_i the power cell where term i wins.
 *
 * Cell measures come from scrambled Sobol' samples (sobol.ts: Joe–Kuo directions, linear matrix scramble +
 * digital shift seeded by `seed`; dimensions up to SOBOL_MAX_DIMENSION = 1024); h follows Adam on ∇E, is
 * re-centred (E is invariant to adding a constant), and when the worst relative cell error has not improved
 * for `patience` steps the sample set doubles (the next Sobol' indices: started from a power of two, every
 * set is again a net) and the step halves. Each step is, per block of samples, a GEMM S = X·Yᵀ (gemmF64) and
 * a row argmax of S + h with cell counts (argmaxRowsF64), both in Wasm; when the scores of all samples fit in
 * `cacheBytes` they are computed once per sample set and each step is the argmax alone.
 *
 * Convergence is never judged on the step's own samples: h is fitted to those points, so their cell counts
 * understate the true error (by the points' integration error, 2–3× `tol` for N = 32 at 8 192 points). When the
 * step's error reaches `tol`, the cell measures are estimated again on R = `checkReplicates` independent
 * Sobol' sets (other scramble seeds, drawn from `seed`): μ̂_i is the mean of the R replicate fractions and its
 * standard error the replicates' standard deviation / √R (randomised QMC: the replicates are i.i.d. and each
 * is unbiased). The check's sample count doubles until max_i SE(N·μ̂_i) ≤ tol/4 (or `maxCheckSamples` is
 * reached); then if max_i |N·μ̂_i − 1| ≤ tol the solver stops converged, else the step's sample set doubles
 * and the steps go on. `maxError`, `maxErrorStdError` and `cellMeasures` are the check's.
 *
 * @example
 * const ot = await semiDiscreteOT([[0.25], [0.75]], { seed: 1 });
 * ot.transport([0.1, 0.9]) // Float64Array [0.25, 0.75]
 */
import { Arena } from "../../engine/arena.js";
import { NonFiniteError, OptionError, ShapeError } from "../../errors.js";
import { mulberry32 } from "../../random.js";
import type { RegionKernels } from "../regions/kernels.js";
import { SobolSequence } from "./sobol.js";

export interface SemiDiscreteOTOptions {
  /** Dimension (needed when targets is a flat Float64Array). */
  dim?: number;
  /** Initial quasi-random samples (default 8192); doubled on stalls up to maxSamples. Powers of two keep the
   * Sobol' balance: 2^m samples form a (t, m, dim)-net. */
  samples?: number;
  maxSamples?: number;
  /** Adam step size (default 0.01 × the box diameter × the targets' spread, see below). */
  lr?: number;
  /** Stop when max_i |N·μ(W_i) − 1| ≤ tol (default 0.02). */
  tol?: number;
  seed?: number;
  maxIterations?: number;
  /** Steps without improvement before the sample set doubles (default 30). */
  patience?: number;
  /** The source box (default [0, 1]^dim). */
  box?: { lo: ArrayLike<number>; hi: ArrayLike<number> };
  /** Rows per GEMM block (default 2048). */
  block?: number;
  /** Cache all scores X·Yᵀ when they take at most this many bytes (default 256 MiB; 0 disables). */
  cacheBytes?: number;
  /** Independent Sobol' replicates of the convergence check (default 8, ≥ 2). */
  checkReplicates?: number;
  /** Points per replicate the check starts from (default 4096) and may grow to (default 2^20), doubling until
   * its standard error is ≤ tol/4. */
  checkSamples?: number;
  maxCheckSamples?: number;
  /** A kernel instance to run on (default: a new one). */
  arena?: Arena;
}

export interface SemiDiscreteOT {
  dim: number;
  n: number;
  /** Brenier heights h (N), centred. */
  heights: Float64Array;
  /** Cell measures μ(W_i) estimated by the last independent check (N, summing to 1). */
  cellMeasures: Float64Array;
  /** max_i |N·μ̂(W_i) − 1| of the last independent check (never of the step's own samples). */
  maxError: number;
  /** max_i of the standard error of N·μ̂(W_i) in that check (between-replicate spread / √R). */
  maxErrorStdError: number;
  /** Points per replicate in that check (R × this in all). */
  checkSamples: number;
  /** max_i |N·μ(W_i) − 1| on the step's own samples at the end (an underestimate of the true error). */
  stepError: number;
  /** maxError ≤ tol with maxErrorStdError ≤ tol/4. */
  converged: boolean;
  iterations: number;
  /** Samples in the step's final set. */
  samples: number;
  /** Per iteration: max relative cell error. */
  history: Float64Array;
  /** The cell (index of the winning target) of each point of x (count×dim, row-major). */
  cells(x: ArrayLike<number>): Int32Array;
  /** Each point of x mapped to its cell's target (count×dim). */
  transport(x: ArrayLike<number>): Float64Array;
  /** n new latent codes: uniform points of the box (seeded) transported to their targets (n×dim). */
  generate(n: number, seed?: number): Float64Array;
}

export async function semiDiscreteOT(targets: Float64Array | readonly (readonly number[])[], opts: SemiDiscreteOTOptions = {}): Promise<SemiDiscreteOT> {
  const flat = targets instanceof Float64Array;
  const d = flat ? opts.dim : (targets as number[][])[0]?.length;
  if (!d || !Number.isInteger(d) || d < 1) throw new OptionError(`semiDiscreteOT: expected targets as number[][] or a flat Float64Array with opts.dim, got dim ${d}`);
  const Y = flat ? (targets as Float64Array) : Float64Array.from((targets as number[][]).flat()); // N×d, row-major
  if (Y.length % d !== 0) throw new ShapeError(`semiDiscreteOT: ${Y.length} target values are not a multiple of dim ${d}`);
  const N = Y.length / d;
  if (N < 1) throw new ShapeError(`semiDiscreteOT: no targets`);
  for (let i = 0; i < Y.length; i++) if (!Number.isFinite(Y[i])) throw new NonFiniteError(`semiDiscreteOT: target value ${i} is ${Y[i]}`);
  const lo = Float64Array.from(opts.box?.lo ?? new Array(d).fill(0)), hi = Float64Array.from(opts.box?.hi ?? new Array(d).fill(1));
  if (lo.length !== d || hi.length !== d) throw new ShapeError(`semiDiscreteOT: box needs ${d} bounds per side`);
  for (let k = 0; k < d; k++) if (!(hi[k] > lo[k])) throw new OptionError(`semiDiscreteOT: box dimension ${k} must have lo < hi`);
  let B = opts.samples ?? 8192;
  const maxSamples = opts.maxSamples ?? 16 * B;
  const tol = opts.tol ?? 0.02;
  const maxIterations = opts.maxIterations ?? 2000;
  const patience = opts.patience ?? 30;
  const block = opts.block ?? 2048;
  const cacheBytes = opts.cacheBytes ?? 256 * 1024 * 1024;
  if (!Number.isInteger(B) || B < 1) throw new OptionError(`semiDiscreteOT: samples must be a positive integer, got ${B}`);
  if (!(tol > 0)) throw new OptionError(`semiDiscreteOT: tol must be > 0, got ${tol}`);
  const R = opts.checkReplicates ?? 8;
  let M = opts.checkSamples ?? 4096;
  const maxM = opts.maxCheckSamples ?? 2 ** 20;
  if (!Number.isInteger(R) || R < 2) throw new OptionError(`semiDiscreteOT: checkReplicates must be an integer ≥ 2 (a standard error needs two replicates), got ${R}`);
  if (!Number.isInteger(M) || M < 1 || !(maxM >= M)) throw new OptionError(`semiDiscreteOT: expected 1 ≤ checkSamples ≤ maxCheckSamples, got ${M} and ${maxM}`);
  // Default step: a fraction of the spread of the scores ⟨x, y⟩ over the box, the scale h lives on.
  let spread = 0;
  for (let k = 0; k < d; k++) {
    let mn = Infinity, mx = -Infinity;
    for (let i = 0; i < N; i++) {
      mn = Math.min(mn, Y[i * d + k]);
      mx = Math.max(mx, Y[i * d + k]);
    }
    spread += (hi[k] - lo[k]) * Math.max(mx - mn, 1e-12);
  }
  let lr = opts.lr ?? 0.01 * spread;
  const seed = opts.seed ?? 1;
  const sobol = new SobolSequence(d, seed); // before the arena: a dimension past the table throws first
  const arena = opts.arena ?? (await Arena.create());
  const k = arena.kernels<RegionKernels>();

  // Persistent buffers for the life of the solver: Yᵀ (d×N) and h (N).
  const yt = arena.allocF64(d * N);
  const ytv = arena.f64(yt, d * N);
  for (let i = 0; i < N; i++) for (let c = 0; c < d; c++) ytv[c * N + i] = Y[i * d + c];
  const hp = arena.allocF64(N);
  const base = arena.mark();
  const toBox = (x: Float64Array, count: number) => {
    for (let r = 0; r < count; r++) for (let c = 0; c < d; c++) x[r * d + c] = lo[c] + (hi[c] - lo[c]) * x[r * d + c];
    return x;
  };

  const h = new Float64Array(N);
  const m1 = new Float64Array(N), m2 = new Float64Array(N);
  const history: number[] = [];
  let samplesPtr = 0, scoresPtr = 0, cached = false;
  const setSamples = (count: number) => {
    arena.release(base);
    samplesPtr = arena.putF64(toBox(sobol.fill(0, count), count)); // count×d
    cached = count * N * 8 <= cacheBytes;
    scoresPtr = arena.allocF64((cached ? count : Math.min(block, count)) * N);
    if (cached) k.gemmF64(count, N, d, samplesPtr, d, yt, N, scoresPtr, N, 0);
  };
  setSamples(B);
  /** Cell fractions of the step's own samples (the gradient of E). */
  const measure = (): Float64Array => {
    arena.f64(hp, N).set(h);
    return arena.scoped(() => {
      const counts = arena.allocI32(N);
      const cells = arena.allocI32(Math.min(block, B));
      arena.i32(counts, N).fill(0);
      for (let s = 0; s < B; s += block) {
        const rows = Math.min(block, B - s);
        let sc = scoresPtr + s * N * 8;
        if (!cached) {
          sc = scoresPtr;
          k.gemmF64(rows, N, d, samplesPtr + s * d * 8, d, yt, N, sc, N, 0);
        }
        k.argmaxRowsF64(rows, N, sc, N, hp, cells, counts);
      }
      const cv = arena.i32(counts, N);
      return Float64Array.from(cv, (c) => c / B);
    });
  };
  // The independent check: R scrambles the step never sees (seeds drawn from `seed`, apart from its own).
  const checkRnd = mulberry32((seed ^ 0x6a09e667) >>> 0);
  const checkSobol = Array.from({ length: R }, () => new SobolSequence(d, Math.floor(checkRnd() * 2 ** 32)));
  /** Cell fractions of M points of each replicate (R×N, row-major). */
  const replicateFractions = (): Float64Array => {
    arena.f64(hp, N).set(h);
    return arena.scoped(() => {
      const frac = new Float64Array(R * N); // R×N
      const counts = arena.allocI32(N), cells = arena.allocI32(block);
      const xp = arena.allocF64(block * d), sc = arena.allocF64(block * N);
      for (let r = 0; r < R; r++) {
        arena.i32(counts, N).fill(0);
        for (let s = 0; s < M; s += block) {
          const rows = Math.min(block, M - s);
          arena.f64(xp, rows * d).set(toBox(checkSobol[r].fill(s, rows), rows));
          k.gemmF64(rows, N, d, xp, d, yt, N, sc, N, 0);
          k.argmaxRowsF64(rows, N, sc, N, hp, cells, counts);
        }
        const cv = arena.i32(counts, N);
        for (let i = 0; i < N; i++) frac[r * N + i] = cv[i] / M;
      }
      return frac;
    });
  };
  /** max_i |N·μ̂_i − 1| and max_i SE(N·μ̂_i) over the replicates, M doubled until the SE is ≤ tol/4. */
  const check = () => {
    for (;;) {
      const frac = replicateFractions();
      const mu = new Float64Array(N);
      let maxError = 0, maxSe = 0;
      for (let i = 0; i < N; i++) {
        let mean = 0, ss = 0;
        for (let r = 0; r < R; r++) mean += frac[r * N + i] / R;
        for (let r = 0; r < R; r++) ss += (frac[r * N + i] - mean) ** 2;
        mu[i] = mean;
        maxError = Math.max(maxError, Math.abs(N * mean - 1));
        maxSe = Math.max(maxSe, (N * Math.sqrt(ss / (R - 1))) / Math.sqrt(R));
      }
      if (maxSe <= tol / 4 || 2 * M > maxM) return { mu, maxError, maxSe };
      M *= 2;
    }
  };

  let w = measure();
  let err = maxRelError(w, N);
  let best = err, since = 0, it = 0;
  let stepTol = tol; // lowered when a check finds the step's samples overstate convergence
  let checked: ReturnType<typeof check> | null = null;
  const b1 = 0.9, b2 = 0.999;
  for (;;) {
    while (err > stepTol && it < maxIterations) {
      it++;
      for (let i = 0; i < N; i++) {
        const g = w[i] - 1 / N;
        m1[i] = b1 * m1[i] + (1 - b1) * g;
        m2[i] = b2 * m2[i] + (1 - b2) * g * g;
        h[i] -= (lr * (m1[i] / (1 - b1 ** it))) / (Math.sqrt(m2[i] / (1 - b2 ** it)) + 1e-12);
      }
      let mean = 0;
      for (let i = 0; i < N; i++) mean += h[i] / N;
      for (let i = 0; i < N; i++) h[i] -= mean;
      w = measure();
      err = maxRelError(w, N);
      history.push(err);
      checked = null;
      if (err < best) {
        best = err;
        since = 0;
      } else if (++since >= patience) {
        since = 0;
        lr *= 0.5;
        if (2 * B <= maxSamples) {
          B *= 2;
          setSamples(B);
          w = measure();
          err = maxRelError(w, N);
          best = err;
        }
      }
    }
    checked ??= check();
    if (err > stepTol || (checked.maxError <= tol && checked.maxSe <= tol / 4) || 2 * B > maxSamples) break;
    // The step's points balance the cells but independent points do not: more points, and a tighter step.
    B *= 2;
    setSamples(B);
    w = measure();
    err = maxRelError(w, N);
    best = err;
    since = 0;
    stepTol = Math.max(tol / 4, stepTol / 2);
  }
  arena.release(base);

  const cells = (x: ArrayLike<number>): Int32Array => {
    if (x.length % d !== 0) throw new ShapeError(`cells/transport: ${x.length} values are not a multiple of dim ${d}`);
    const n = x.length / d;
    arena.f64(hp, N).set(h);
    return arena.scoped(() => {
      const out = new Int32Array(n);
      for (let s = 0; s < n; s += block) {
        const rows = Math.min(block, n - s);
        const xp = arena.allocF64(rows * d);
        arena.f64(xp, rows * d).set(Array.prototype.slice.call(x, s * d, (s + rows) * d) as number[]);
        const sc = arena.allocF64(rows * N), ip = arena.allocI32(rows), cp = arena.allocI32(N);
        arena.i32(cp, N).fill(0);
        k.gemmF64(rows, N, d, xp, d, yt, N, sc, N, 0);
        k.argmaxRowsF64(rows, N, sc, N, hp, ip, cp);
        out.set(arena.i32(ip, rows), s);
      }
      return out;
    });
  };
  const transport = (x: ArrayLike<number>): Float64Array => {
    const c = cells(x);
    const out = new Float64Array(c.length * d);
    for (let r = 0; r < c.length; r++) out.set(Y.subarray(c[r] * d, c[r] * d + d), r * d);
    return out;
  };
  const generate = (n: number, seed = 1): Float64Array => {
    const rnd = mulberry32(seed);
    const x = new Float64Array(n * d);
    for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) x[r * d + c] = lo[c] + (hi[c] - lo[c]) * rnd();
    return transport(x);
  };
  return {
    dim: d, n: N, heights: h, cellMeasures: checked.mu, maxError: checked.maxError, maxErrorStdError: checked.maxSe, checkSamples: M,
    stepError: err, converged: checked.maxError <= tol && checked.maxSe <= tol / 4, iterations: it, samples: B,
    history: Float64Array.from(history), cells, transport, generate,
  };
}

function maxRelError(w: Float64Array, N: number): number {
  let e = 0;
  for (let i = 0; i < N; i++) e = Math.max(e, Math.abs(N * w[i] - 1));
  return e;
}
