/**
 * The "simec" job: a chunk of SiMEC (walk in ker g) or SiMExp (walk along non-null eigenvectors of g) steps
 * from a float64 state, entirely in Wasm (assembly/simec.ts) on the compiled network's float64 kernels
 * (assembly/graph/network.ts: netForward, netVjp), so it runs on any graph the compiler takes (dense, conv,
 * pooling, residual adds, batchNorm, concat). The engine's batch is a single point (the start, used for
 * validation only); the exact float64 state travels in the options and comes back as an output, so a long
 * path runs as a sequence of chunks (progress and abort between chunks) on any worker.
 * src/analyses/equivalenceClass.ts drives it.
 */
import { OptionError, ShapeError } from "../errors.js";
import type { Arena } from "../engine/arena.js";
import type { Job } from "../engine/job.js";
import type { CompiledNetwork } from "../model/compile.js";
import * as O from "../model/opcodes.js";

/** The kernels this job calls (assembly/simec.ts, assembly/simecLayout.ts). */
export interface SimecKernels {
  simecWorkBytes(net: number, route: number): number;
  simecStepsF64(desc: number): number;
  simecSlots(): number;
}

/** Why a path stopped (index = the kernel's code). */
export const STOP_REASONS = ["steps", "target", "boundary", "noDirection", "nonFinite", "eigenFailure"] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** Slots of the state block after x and the previous direction (assembly/simecLayout.ts S_*). */
export const STATE = { energy: 0, length: 1, pseudoLength: 2, rng: 3, hasPrev: 4, stop: 5, sign: 6 } as const;
export const STATE_EXTRA = 8;
/** The kernel's boxMode codes (assembly/simecLayout.ts SW_BOX_MODE, assembly/simecBox.ts). */
export const BOX_MODES = { clamp: 0, stop: 1, slide: 2 } as const;

/** Slots of the packed walk descriptor (assembly/simecLayout.ts SW_*; the same numbers), f64 each. */
export const SW = {
  net: 0, softmax: 1, mode: 2, route: 3, select: 4, orient: 5, steps: 6, delta: 7, nullTol: 8, lo: 9, hi: 10,
  boxMode: 11, target: 12, y0: 13, state: 14, points: 15, outputs: 16, start: 17, work: 18,
} as const;
export const SW_SLOTS = 19;

/** Write a walk descriptor (SW_SLOTS f64) into the arena; returns its pointer. */
export function putWalkDescriptor(arena: Arena, slots: Partial<Record<keyof typeof SW, number>>): number {
  const v = new Float64Array(SW_SLOTS);
  for (const [k, x] of Object.entries(slots)) v[SW[k as keyof typeof SW]] = x;
  return arena.putF64(v);
}

/** Multiply-adds of one forward pass (the per-step cost of a walk is about (m + 2) of these). */
export function forwardMacs(net: CompiledNetwork): number {
  let macs = 0;
  for (let k = 0; k < net.nodeCount; k++) {
    const f = (x: number) => net.table[k * O.NODE_STRIDE + x];
    const op = f(O.F_OP), out = f(O.F_OUT_SIZE);
    if (op === O.OP_DENSE) macs += f(O.F_IN_SIZE) * out;
    else if (op === O.OP_CONV) macs += out * f(O.F_KH) * f(O.F_KW) * (f(O.F_C) / f(O.F_GROUPS));
    else if (op === O.OP_MAXPOOL || op === O.OP_AVGPOOL) macs += out * f(O.F_KH) * f(O.F_KW);
    else macs += Math.max(out, f(O.F_IN_SIZE));
  }
  return macs;
}

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
  /** The reference output of the target test (m values); absent: the output at the chunk's start. */
  y0?: number[];
  /** x (d), previous direction (d), STATE_EXTRA scalars. */
  state: number[];
}

function sizes(geometry: { inputSize: number; outputSize: number }, opts: Record<string, unknown>) {
  const steps = opts.steps as number;
  if (!Number.isInteger(steps) || steps < 0) throw new OptionError(`simec: steps must be a non-negative integer, got ${steps}`);
  const d = geometry.inputSize, m = geometry.outputSize;
  const state = opts.state as number[] | undefined;
  if (!state || state.length !== 2 * d + STATE_EXTRA) throw new ShapeError(`simec: state must have 2d + ${STATE_EXTRA} = ${2 * d + STATE_EXTRA} values, got ${state?.length}`);
  const y0 = opts.y0 as number[] | undefined;
  if (y0 && y0.length !== m) throw new ShapeError(`simec: y0 must have m = ${m} values, got ${y0.length}`);
  return { d, m, steps };
}

export const simecJob: Job = {
  layout(geometry, opts) {
    const { d, m, steps } = sizes(geometry, opts);
    return { points: ["f64", steps * d], outputs: ["f64", steps * m], state: ["f64", 2 * d + STATE_EXTRA], start: ["f64", m], taken: ["i32", 1] };
  },
  meta(geometry, opts) {
    const { d, m } = sizes(geometry, opts);
    return { d, m };
  },
  run(arena, up, _X, _count, opts, out, base) {
    // `up`: the compiled network this kernel instance uploaded once and keeps (chunks carry no weights)
    const o = opts as unknown as SimecChunkOptions;
    const net = up.net;
    const { d, m, steps } = sizes(net, opts);
    const k = arena.kernels<SimecKernels>();
    const start = arena.allocF64(m);
    const state = arena.putF64(o.state);
    const pts = arena.allocF64(Math.max(1, steps * d)); // steps×d
    const outs = arena.allocF64(Math.max(1, steps * m)); // steps×m
    const desc = putWalkDescriptor(arena, {
      net: up.f64, softmax: net.head === "softmax" ? 1 : 0, mode: o.mode, route: o.route, select: o.select, orient: o.orient,
      steps, delta: o.delta, nullTol: o.nullTol, lo: o.lo ? arena.putF64(o.lo) : 0, hi: o.hi ? arena.putF64(o.hi) : 0,
      boxMode: o.boxMode, target: o.target, y0: o.y0 ? arena.putF64(o.y0) : start, state, points: pts, outputs: outs, start,
      work: arena.alloc(k.simecWorkBytes(up.f64, o.route)),
    });
    const taken = k.simecStepsF64(desc);
    (out.points as Float64Array).set(arena.f64(pts, taken * d), base * steps * d);
    (out.outputs as Float64Array).set(arena.f64(outs, taken * m), base * steps * m);
    (out.state as Float64Array).set(arena.f64(state, 2 * d + STATE_EXTRA), base * (2 * d + STATE_EXTRA));
    (out.start as Float64Array).set(arena.f64(start, m), base * m);
    (out.taken as Int32Array)[base] = taken;
  },
};
