/**
 * Equivalence classes of a network's outputs (Benfenati & Marta, "A singular Riemannian geometry approach to
 * deep neural networks" I–III, arXiv 2201.09656, 2112.10583, 2404.06104):
 * - `equivalenceClass` (SiMEC): walk in ker g, g = Jᵀ G J the pullback of the output metric G (identity for
 *   regression, the Fisher metric diag p − p pᵀ on the logits for a softmax head), so the output stays
 *   constant to first order. For an n → n−1 network (ker g a line) the step follows the smallest eigenvalue's
 *   eigenvector and the class is a curve traced both ways and joined; otherwise each step takes a seeded
 *   random direction among the eigenvalues ≤ nullTol·λmax (a random unit vector of that eigenspace when the
 *   metric is taken through the m×m side, d > 64 and d > m).
 * - `explore` (SiMExp): walk along non-null eigenvectors (for one effective output: the gradient, oriented so
 *   the output moves monotonically in `direction`) until the output has moved by `epsilon`.
 * - `intervalPreimage`: for 2D → 1D networks, the classes of the levels y0 + kε/K, k = −K..K, each reached by
 *   SiMExp from the previous one.
 * The energy Σ δ vᵀ g v (≈ 0 along a class) and pseudo-length Σ δ √(vᵀ g v) monitor the error.
 * Everything runs in float64 in Wasm on the compiled network (any graph: dense, conv, pooling, residual adds,
 * batchNorm), in chunks of steps (the "simec" job) so that progress is reported and an AbortSignal is
 * honoured between chunks (with workers, also by stopping the worker mid-chunk).
 */
import { NonFiniteError, OptionError, ShapeError } from "../errors.js";
import { runtimeOf, type CallOptions, type RuntimeLike } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import { pathNetwork } from "./pathNet.js";
import { BOX_MODES, STATE, STATE_EXTRA, STOP_REASONS, forwardMacs, type SimecChunkOptions, type StopReason } from "./simec.js";

/** Options shared by SiMEC and SiMExp. */
export interface PathOptions extends CallOptions {
  /** Step length δ (default 1e-3). */
  delta?: number;
  /** Most steps per direction (default 1000). */
  steps?: number;
  /** Eigenvalues ≤ nullTol·λmax count as null (default 1e-6). */
  nullTol?: number;
  /** Input box [lo, hi] (a number or one value per coordinate each): every step is projected onto it. */
  box?: [number | ArrayLike<number>, number | ArrayLike<number>];
  /**
   * What a step that leaves the box does: "stop" (default) — the path ends at the projected point
   * (stopReason "boundary"); "clamp" — the path continues from the projected point, as the SiMEC authors
   * clamp their MNIST walks to the data range (a step that cannot move at all still stops); "slide"
   * (SiMEC only; SiMExp clamps) — coordinates a step would carry out of the box are held at their value and
   * the direction is re-projected onto the null space over the remaining coordinates: the path stays in the
   * box and in ker g (the class and its output are kept, unlike "clamp", whose projection moves points off
   * ker g).
   */
  boxMode?: "stop" | "clamp" | "slide";
  /** Trace both directions from x0 and join them (default: true for curves, i.e. a 1-D kernel / 1 output). */
  bothDirections?: boolean;
  /** Seed of the random direction choices (default 0). */
  seed?: number;
  /** Sign of the first step (SiMEC) or of the output change (SiMExp): +1 (default) or −1. */
  direction?: 1 | -1;
  /** Steps per chunk between progress reports (default: sized from the network, ~0.1 s of work each). */
  chunkSteps?: number;
}

export interface ExploreOptions extends PathOptions {
  /** Stop once ‖N(x) − N(x0)‖₂ ≥ epsilon (default: never, run all steps). */
  epsilon?: number;
  /** The output (probability for a softmax head) whose change orients each step, for one effective output (default 0). */
  output?: number;
}

export interface PathResult {
  /** k×d, row-major: the polyline, from one end to the other (x0 at `startIndex`). */
  points: Float64Array;
  /** k×m: the output at each point (probabilities for a softmax head). */
  outputs: Float64Array;
  k: number;
  d: number;
  m: number;
  startIndex: number;
  /** Euclidean length of the polyline. */
  length: number;
  /** Σ δ vᵀ g v over the steps. */
  energy: number;
  /** Σ δ √(vᵀ g v). */
  pseudoLength: number;
  /** max_k ‖N(x_k) − N(x0)‖∞. */
  drift: number;
  /** Why the path stopped: at its end (the forward direction) and at its start (the backward one, if traced). */
  stopReason: StopReason;
  stopReasonStart?: StopReason;
}

interface Walk {
  /** The output at the walk's start (from its first chunk). */
  y0: Float64Array;
  points: Float64Array[];
  outputs: Float64Array[];
  taken: number;
  state: Float64Array;
}

const DEFAULT_NULL_TOL = 1e-6;

function boxBound(v: number | ArrayLike<number>, d: number, name: string): number[] {
  const a = typeof v === "number" ? new Array<number>(d).fill(v) : Array.from(v);
  if (a.length !== d) throw new ShapeError(`box ${name} has ${a.length} values, expected 1 or d = ${d}`);
  if (a.some((x) => Number.isNaN(x))) throw new NonFiniteError(`box ${name} contains NaN`);
  return a;
}

function positive(v: number | undefined, fallback: number, name: string, integer = false): number {
  const x = v ?? fallback;
  if (typeof x !== "number" || !(x > 0) || !Number.isFinite(x) || (integer && !Number.isInteger(x)))
    throw new OptionError(`${name} must be a positive ${integer ? "integer" : "finite number"}, got ${v}`);
  return x;
}

/** The run's shared setup: validated options, the start point in float64, the route. */
function setup(model: Model, x0: ArrayLike<number>, opts: PathOptions) {
  const net = pathNetwork(model);
  const d = net.inputSize, m = net.outputSize, softmax = net.head === "softmax";
  if (!x0 || typeof x0.length !== "number" || x0.length !== d) throw new ShapeError(`x0 must have the model's input size d = ${d} values, got ${x0?.length}`);
  const x = Float64Array.from(x0);
  if (x.some((v) => !Number.isFinite(v))) throw new NonFiniteError(`x0 has a non-finite coordinate`);
  const delta = positive(opts.delta, 1e-3, "delta");
  const steps = opts.steps === 0 ? 0 : positive(opts.steps, 1000, "steps", true);
  const nullTol = opts.nullTol ?? DEFAULT_NULL_TOL;
  if (!(nullTol >= 0 && nullTol < 1)) throw new OptionError(`nullTol must be in [0, 1), got ${opts.nullTol}`);
  const lo = opts.box ? boxBound(opts.box[0], d, "lo") : undefined;
  const hi = opts.box ? boxBound(opts.box[1], d, "hi") : undefined;
  if (lo && hi && lo.some((l, i) => l > hi[i])) throw new OptionError(`box: lo must be ≤ hi in every coordinate`);
  if (lo && hi) for (let i = 0; i < d; i++) x[i] = Math.min(Math.max(x[i], lo[i]), hi[i]);
  const boxMode = opts.boxMode ?? "stop";
  if (boxMode !== "stop" && boxMode !== "clamp" && boxMode !== "slide") throw new OptionError(`boxMode must be "stop", "clamp" or "slide", got ${String(opts.boxMode)}`);
  const direction = opts.direction ?? 1;
  if (direction !== 1 && direction !== -1) throw new OptionError(`direction must be 1 or -1, got ${opts.direction}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new OptionError(`seed must be an integer, got ${seed}`);
  const route: 0 | 1 = d <= 64 || d <= m ? 0 : 1;
  /** Outputs that vary independently: C − 1 for a softmax head. */
  const mEff = softmax ? m - 1 : m;
  const perStep = forwardMacs(net) * (m + 2) + (route === 0 ? 7 * d * d * d : 7 * m * m * m + 2 * m * d * Math.min(d, m));
  const chunkSteps = opts.chunkSteps ?? Math.max(16, Math.min(20000, Math.floor(1e8 / perStep)));
  if (!Number.isInteger(chunkSteps) || chunkSteps < 1) throw new OptionError(`chunkSteps must be a positive integer, got ${opts.chunkSteps}`);
  return { d, m, mEff, x, delta, steps, nullTol, lo, hi, boxMode: BOX_MODES[boxMode], direction, seed, route, chunkSteps };
}

type Setup = ReturnType<typeof setup>;

/**
 * Run one direction in chunks of steps; `progress` gets the steps taken after each chunk. `y0`: the output
 * at x0 (for the target test), or undefined: taken from the first chunk (which runs even for 0 steps).
 */
async function walk(engine: RuntimeLike, model: Model, s: Setup, chunk: Omit<SimecChunkOptions, "steps" | "state" | "y0">, y0: Float64Array | undefined, sign: number, seed: number, call: CallOptions, progress: (done: number) => void): Promise<Walk> {
  const { d } = s;
  const state = new Float64Array(2 * d + STATE_EXTRA);
  state.set(s.x);
  state[2 * d + STATE.rng] = seed >>> 0;
  state[2 * d + STATE.sign] = sign;
  const w: Walk = { y0: y0 ?? new Float64Array(s.m), points: [], outputs: [], taken: 0, state };
  const start = [Array.from(s.x)];
  let first = y0 === undefined;
  while (w.taken < s.steps || first) {
    const steps = Math.min(s.chunkSteps, s.steps - w.taken);
    const opts: SimecChunkOptions = { ...chunk, steps, state: Array.from(w.state), ...(first ? {} : { y0: Array.from(w.y0) }) };
    const { out } = await runtimeOf(engine).map("simec", model, start, { signal: call.signal }, opts as unknown as Record<string, unknown>);
    if (first) w.y0 = Float64Array.from(out.start as Float64Array);
    first = false;
    const taken = (out.taken as Int32Array)[0];
    w.points.push((out.points as Float64Array).slice(0, taken * d));
    w.outputs.push((out.outputs as Float64Array).slice(0, taken * s.m));
    w.state = Float64Array.from(out.state as Float64Array);
    w.taken += taken;
    progress(taken);
    if (w.state[2 * d + STATE.stop] !== 0) break;
  }
  return w;
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Join backward (reversed), x0 and forward walks into one polyline. */
function join(s: Setup, fwd: Walk, bwd: Walk | undefined): PathResult {
  const { d, m } = s;
  const y0 = fwd.y0;
  const f = { p: concat(fwd.points), o: concat(fwd.outputs) };
  const b = bwd ? { p: concat(bwd.points), o: concat(bwd.outputs) } : { p: new Float64Array(0), o: new Float64Array(0) };
  const kb = b.p.length / d, kf = f.p.length / d;
  const k = kb + 1 + kf;
  const points = new Float64Array(k * d); // k×d
  const outputs = new Float64Array(k * m); // k×m
  for (let i = 0; i < kb; i++) {
    points.set(b.p.subarray((kb - 1 - i) * d, (kb - i) * d), i * d);
    outputs.set(b.o.subarray((kb - 1 - i) * m, (kb - i) * m), i * m);
  }
  points.set(s.x, kb * d);
  outputs.set(y0, kb * m);
  points.set(f.p, (kb + 1) * d);
  outputs.set(f.o, (kb + 1) * m);
  let drift = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) drift = Math.max(drift, Math.abs(outputs[i * m + j] - y0[j]));
  const sum = (slot: number) => fwd.state[2 * d + slot] + (bwd ? bwd.state[2 * d + slot] : 0);
  const reason = (w: Walk) => STOP_REASONS[w.state[2 * d + STATE.stop]] ?? "steps";
  return {
    points, outputs, k, d, m, startIndex: kb,
    length: sum(STATE.length), energy: sum(STATE.energy), pseudoLength: sum(STATE.pseudoLength), drift,
    stopReason: reason(fwd),
    ...(bwd ? { stopReasonStart: reason(bwd) } : {}),
  };
}

async function run(engine: RuntimeLike, model: Model, x0: ArrayLike<number>, opts: PathOptions, mode: 0 | 1, epsilon: number, output: number): Promise<PathResult> {
  const s = setup(model, x0, opts);
  const curve = mode === 0 ? s.d - Math.min(s.d, s.mEff) === 1 : s.mEff === 1;
  const both = opts.bothDirections ?? (mode === 0 && curve);
  const select: 0 | 1 = curve ? 0 : 1;
  const orient = mode === 1 && s.mEff === 1 ? output : -1;
  if (!Number.isInteger(output) || output < 0 || output >= s.m) throw new OptionError(`output must be an integer in 0..${s.m - 1}, got ${output}`);
  const chunk = { mode, route: s.route, select, orient, delta: s.delta, nullTol: s.nullTol, lo: s.lo, hi: s.hi, boxMode: s.boxMode, target: epsilon };
  const total = s.steps * (both ? 2 : 1);
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(done, total);
  };
  const fwd = await walk(engine, model, s, chunk, undefined, s.direction, s.seed, opts, progress);
  const bwd = both ? await walk(engine, model, s, chunk, fwd.y0, -s.direction, (s.seed ^ 0x9e3779b9) >>> 0, opts, progress) : undefined;
  return join(s, fwd, bwd);
}

/** SiMEC: the equivalence class of x0 (points where the output equals N(x0)), as a polyline. */
export async function equivalenceClass(engine: RuntimeLike, model: Model, x0: ArrayLike<number>, opts: PathOptions = {}): Promise<PathResult> {
  return run(engine, model, x0, opts, 0, 0, 0);
}

/** SiMExp: walk across classes along non-null directions until the output moved by `epsilon`. */
export async function explore(engine: RuntimeLike, model: Model, x0: ArrayLike<number>, opts: ExploreOptions = {}): Promise<PathResult> {
  const epsilon = opts.epsilon ?? 0;
  if (!(epsilon >= 0)) throw new OptionError(`epsilon must be ≥ 0, got ${opts.epsilon}`);
  return run(engine, model, x0, opts, 1, epsilon, opts.output ?? 0);
}
