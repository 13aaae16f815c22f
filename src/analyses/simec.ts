/**
 * The "simec" job: a chunk of SiMEC (walk in ker g) or SiMExp (walk along non-null eigenvectors of g) steps
 * from a float64 state, entirely in Wasm (assembly/simec.ts) on the model's float64 weights. The engine's
 * batch is a single point (the start, used for validation only); the exact float64 state travels in the
 * options and comes back as an output, so a long path runs as a sequence of chunks (progress and abort
 * between chunks) on any worker. src/analyses/equivalenceClass.ts drives it.
 */
import { OptionError, ShapeError, UnsupportedLayerError } from "../errors.js";
import { denseNet64, uploadDenseNet64 } from "../engine/dense64.js";
import type { Job } from "../engine/job.js";
import { nodeField, type CompiledNetwork } from "../model/compile.js";
import { F_OP, OP_ACT, OP_DENSE } from "../model/opcodes.js";

/** The kernels this job calls (assembly/simec.ts). */
export interface SimecKernels {
  simecWorkSize(d: number, m: number, maxWidth: number, sumOut: number, n: number): number;
  simecStepsF64(
    net: number, alphas: number, layers: number, softmax: number,
    mode: number, route: number, select: number, orient: number,
    steps: number, delta: number, nullTol: number,
    lo: number, hi: number, boxMode: number, target: number, y0: number,
    state: number, pts: number, outs: number, work: number,
  ): number;
}

/** Why a path stopped (index = the kernel's code). */
export const STOP_REASONS = ["steps", "target", "boundary", "noDirection", "nonFinite", "eigenFailure"] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** Slots of the state block after x and the previous direction (assembly/simec.ts). */
export const STATE = { energy: 0, length: 1, pseudoLength: 2, rng: 3, hasPrev: 4, stop: 5, sign: 6 } as const;
export const STATE_EXTRA = 8;
/** The kernel's boxMode codes (assembly/simec.ts). */
export const BOX_MODES = { clamp: 0, stop: 1, slide: 2 } as const;

/** Options of one chunk, as the job receives them (validated by the driver). */
export interface SimecChunkOptions {
  mode: 0 | 1;
  route: 0 | 1;
  select: 0 | 1;
  orient: number;
  steps: number;
  delta: number;
  nullTol: number;
  lo?: number[];
  hi?: number[];
  /** BOX_MODES: 1 stop where a step leaves the box (projected there); 0 continue from the projected point; 2 slide. */
  boxMode: 0 | 1 | 2;
  target: number;
  y0: number[];
  /** x (d), previous direction (d), STATE_EXTRA scalars. */
  state: number[];
}

function sizes(plan: CompiledNetwork, opts: Record<string, unknown>) {
  for (let k = 0; k < plan.nodeCount; k++) {
    const op = nodeField(plan, k, F_OP);
    if (op !== OP_DENSE && op !== OP_ACT)
      throw new UnsupportedLayerError(`float64 path analyses take dense networks; node ${k} (${plan.sources[k].join("+")}) is not dense`);
  }
  const steps = opts.steps as number;
  if (!Number.isInteger(steps) || steps < 0) throw new OptionError(`simec: steps must be a non-negative integer, got ${steps}`);
  const d = plan.inputSize, m = plan.outputSize;
  const state = opts.state as number[] | undefined;
  if (!state || state.length !== 2 * d + STATE_EXTRA) throw new ShapeError(`simec: state must have 2d + ${STATE_EXTRA} = ${2 * d + STATE_EXTRA} values, got ${state?.length}`);
  return { d, m, steps };
}

export const simecJob: Job = {
  layout(plan, opts) {
    const { d, m, steps } = sizes(plan, opts);
    return { points: ["f64", steps * d], outputs: ["f64", steps * m], state: ["f64", 2 * d + STATE_EXTRA], taken: ["i32", 1] };
  },
  meta(plan, opts) {
    const { d, m } = sizes(plan, opts);
    return { d, m };
  },
  run(arena, plan, _X, _count, opts, out, base, spec) {
    if (!spec) throw new OptionError("simec: the job needs the model's float64 weights");
    const o = opts as unknown as SimecChunkOptions;
    const { d, m, steps } = sizes(plan.net, opts);
    const k = arena.kernels<SimecKernels>();
    const net = denseNet64(spec);
    const { table, alphas } = uploadDenseNet64(arena, net);
    const lo = o.lo ? arena.putF64(o.lo) : 0;
    const hi = o.hi ? arena.putF64(o.hi) : 0;
    const y0 = arena.putF64(o.y0.length === m ? o.y0 : new Float64Array(m));
    const state = arena.putF64(o.state);
    const pts = arena.allocF64(Math.max(1, steps * d)); // steps×d
    const outs = arena.allocF64(Math.max(1, steps * m)); // steps×m
    const work = arena.allocF64(k.simecWorkSize(d, m, net.maxWidth, net.sumOut, o.route === 0 ? d : m));
    const taken = k.simecStepsF64(
      table, alphas, net.layers.length, net.softmax ? 1 : 0,
      o.mode, o.route, o.select, o.orient,
      steps, o.delta, o.nullTol, lo, hi, o.boxMode, o.target, y0, state, pts, outs, work,
    );
    (out.points as Float64Array).set(arena.f64(pts, taken * d), base * steps * d);
    (out.outputs as Float64Array).set(arena.f64(outs, taken * m), base * steps * m);
    (out.state as Float64Array).set(arena.f64(state, 2 * d + STATE_EXTRA), base * (2 * d + STATE_EXTRA));
    (out.taken as Int32Array)[base] = taken;
  },
};
