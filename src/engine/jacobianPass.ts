/**
 * Exact Jacobian of one point from its forward state: products of the layers' linear parts and activation
 * derivatives, assembled in reverse mode (m cotangents from the output side; dense layers skip inactive
 * ReLU units) or in forward mode (d tangents from the input side) when the input is smaller than the output.
 * No finite differences, no autodiff tape.
 */
import type { Arena } from "./arena.js";
import type { CoreKernels } from "./kernels.js";
import type { ForwardState } from "./forwardPass.js";
import { ACT_CODE, type Plan } from "./plan.js";

export interface JacobianWorkspace {
  /** Index of the op whose output is differentiated. */
  target: number;
  /** Output size m and input size d. */
  m: number;
  d: number;
  mode: "reverse" | "forward";
  bufA: number;
  bufB: number;
  work: number;
  ones: number;
  /** Scratch of the conv transposes (the largest conv2dTransposeScratchBytesF32 of the plan's convs). */
  convScratch: number;
}

/** Scratch for Jacobians of op `target`'s output (allocate once per chunk, reuse for every point). */
export function jacobianWorkspace(arena: Arena, plan: Plan, target: number): JacobianWorkspace {
  const m = plan.ops[target].outSize;
  const d = plan.inputSize;
  const mode = d < m ? "forward" : "reverse";
  const rows = mode === "reverse" ? m : d;
  const width = plan.maxWidth;
  const bufA = arena.allocF32(rows * width);
  const bufB = arena.allocF32(rows * width);
  const work = arena.alloc(width * 4 + 16 + rows * width * 4);
  const ones = arena.allocF32(width);
  arena.f32(ones, width).fill(1);
  const k = arena.kernels<CoreKernels>();
  let scratchBytes = 0;
  for (const op of plan.ops) {
    if (op.kind === "conv") scratchBytes = Math.max(scratchBytes, k.conv2dTransposeActiveScratchBytesF32(m, op.geo.c, op.geo.oc, op.geo.kh, op.geo.kw, op.geo.oh, op.geo.ow, 1));
  }
  const convScratch = arena.alloc(scratchBytes);
  return { target, m, d, mode, bufA, bufB, work, ones, convScratch };
}

/**
 * J (m×d f32 row-major) of point p (index within the forward state's chunk). Returns where it is: one of the
 * workspace's buffers (reverse mode: no copy) or `out` (forward mode transposes into it). The result stays
 * valid until the next call with the same workspace; callers may modify it in place.
 */
export function pointJacobian(arena: Arena, plan: Plan, st: ForwardState, p: number, ws: JacobianWorkspace, out: number): number {
  return ws.mode === "reverse" ? reverse(arena, plan, st, p, ws) : forward(arena, plan, st, p, ws, out);
}

function derivAt(st: ForwardState, plan: Plan, l: number, p: number): number {
  return st.deriv[l] ? st.deriv[l] + p * plan.ops[l].outSize * 4 : 0;
}

function reverse(arena: Arena, plan: Plan, st: ForwardState, p: number, ws: JacobianWorkspace): number {
  const k = arena.kernels<CoreKernels>();
  const m = ws.m;
  let g = 0; // current cotangents (m×outSize of op l); 0 = identity, not yet materialized
  let spare = ws.bufA;
  for (let l = ws.target; l >= 0; l--) {
    const op = plan.ops[l];
    const s = derivAt(st, plan, l, p);
    if (op.kind === "dense") {
      const dst = spare;
      k.denseVjpF32(m, op.outSize, op.inSize, g, s || ws.ones, op.kernelT, dst, ws.work);
      spare = g && g !== dst ? g : dst === ws.bufA ? ws.bufB : ws.bufA;
      g = dst;
      continue;
    }
    if (g === 0) {
      k.identityF32(m, spare);
      g = spare;
      spare = g === ws.bufA ? ws.bufB : ws.bufA;
    }
    if (s) k.scaleColumnsF32(m, op.outSize, g, op.outSize, s);
    if (op.kind === "act" || op.kind === "flatten") continue;
    const dst = spare;
    arena.f32(dst, m * op.inSize).fill(0); // the transposes accumulate into their destination
    const q = op.geo;
    if (op.kind === "conv" && s && op.act === ACT_CODE.relu) {
      // g is already scaled by the ReLU's 0/1 derivative: skip the inactive units.
      k.conv2dTransposeActiveF32(m, q.h, q.w, q.c, q.oc, q.kh, q.kw, q.sh, q.sw, 1, 1, q.padT, q.padL, q.oh, q.ow, 1, g, op.kernel, dst, ws.convScratch, s);
    } else if (op.kind === "conv") {
      k.conv2dTransposeF32(m, q.h, q.w, q.c, q.oc, q.kh, q.kw, q.sh, q.sw, 1, 1, q.padT, q.padL, q.oh, q.ow, 1, g, op.kernel, dst, ws.convScratch);
    } else if (op.kind === "maxPool") {
      k.maxPool2dRouteF32(m, op.inSize, op.outSize, st.argmax[l] + p * op.outSize * 4, g, dst, 1);
    } else {
      k.avgPool2dTransposeF32(m, q.h, q.w, q.c, q.kh, q.kw, q.sh, q.sw, q.padT, q.padL, q.padB, q.padR, q.oh, q.ow, q.countIncludePad, g, dst);
    }
    spare = g;
    g = dst;
  }
  return g;
}

function forward(arena: Arena, plan: Plan, st: ForwardState, p: number, ws: JacobianWorkspace, out: number): number {
  const k = arena.kernels<CoreKernels>();
  const d = ws.d;
  let t = ws.bufA; // d tangents as rows: d×size of the current layer
  let spare = ws.bufB;
  k.identityF32(d, t);
  for (let l = 0; l <= ws.target; l++) {
    const op = plan.ops[l];
    let moved = true;
    switch (op.kind) {
      case "dense":
        k.gemmF32(d, op.outSize, op.inSize, t, op.inSize, op.kernel, op.outSize, spare, op.outSize, 0);
        break;
      case "conv": {
        const q = op.geo;
        k.conv2dForwardF32(d, q.h, q.w, q.c, q.oc, q.kh, q.kw, q.sh, q.sw, 1, 1, q.padT, q.padL, q.oh, q.ow, 1, t, op.kernel, 0, spare);
        break;
      }
      case "maxPool":
        k.maxPool2dRouteF32(d, op.inSize, op.outSize, st.argmax[l] + p * op.outSize * 4, t, spare, 0);
        break;
      case "avgPool": {
        const q = op.geo;
        k.avgPool2dForwardF32(d, q.h, q.w, q.c, q.kh, q.kw, q.sh, q.sw, q.padT, q.padL, q.padB, q.padR, q.oh, q.ow, q.countIncludePad, t, spare);
        break;
      }
      default:
        moved = false;
    }
    if (moved) [t, spare] = [spare, t];
    const s = derivAt(st, plan, l, p);
    if (s) k.scaleColumnsF32(d, op.outSize, t, op.outSize, s);
  }
  k.transposeF32(d, ws.m, t, out);
  return out;
}
