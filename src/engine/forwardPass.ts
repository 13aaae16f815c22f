/**
 * The batched forward pass inside one kernel instance: runs every op on `count` points and keeps what the
 * analyses need afterwards — each layer's output, pre-activations and activation derivatives (the diagonal
 * of the activation's Jacobian, exactly 0/1 for ReLU), and max-pool argmax routes. All buffers live in the
 * arena's scratch of the current call; layouts are count×size row-major f32 (argmax i32).
 */
import type { Arena } from "./arena.js";
import type { CoreKernels } from "./kernels.js";
import type { Plan } from "./plan.js";

export interface ForwardState {
  count: number;
  /** count×d input. */
  input: number;
  /** Per op: its output (after activation), count×outSize. */
  out: number[];
  /** Per op: values before its activation (== out when the op has none). */
  pre: number[];
  /** Per op: activation derivative, or 0 when the op has no activation (its Jacobian is the linear part). */
  deriv: number[];
  /** Per op: max-pool argmax (count×outSize i32), or 0. */
  argmax: number[];
}

/** Run the forward pass on `count` points at `input` (count×d f32 already in the arena). */
export function forwardPass(arena: Arena, plan: Plan, input: number, count: number): ForwardState {
  const k = arena.kernels<CoreKernels>();
  const st: ForwardState = { count, input, out: [], pre: [], deriv: [], argmax: [] };
  let x = input;
  for (const op of plan.ops) {
    let z = 0;
    let am = 0;
    const n = op.outSize;
    switch (op.kind) {
      case "dense":
        z = arena.allocF32(count * n);
        k.broadcastRowsF32(count, n, op.bias, z, n);
        k.gemmF32(count, n, op.inSize, x, op.inSize, op.kernel, n, z, n, 1);
        break;
      case "conv": {
        const g = op.geo;
        z = arena.allocF32(count * n);
        k.conv2dForwardF32(count, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.sh, g.sw, 1, 1, g.padT, g.padL, g.oh, g.ow, 1, x, op.kernel, op.bias, z);
        break;
      }
      case "maxPool": {
        const g = op.geo;
        z = arena.allocF32(count * n);
        am = arena.allocI32(count * n);
        k.maxPool2dForwardF32(count, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padT, g.padL, g.oh, g.ow, x, z, am);
        break;
      }
      case "avgPool": {
        const g = op.geo;
        z = arena.allocF32(count * n);
        k.avgPool2dForwardF32(count, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padT, g.padL, g.padB, g.padR, g.oh, g.ow, g.countIncludePad, x, z);
        break;
      }
      case "act":
      case "flatten":
        z = x;
        break;
    }
    let a = z;
    let s = 0;
    if (op.act !== 0) {
      a = arena.allocF32(count * n);
      s = arena.allocF32(count * n);
      k.activationF32(op.act, op.alpha, z, a, s, count * n);
    }
    st.pre.push(z);
    st.out.push(a);
    st.deriv.push(s);
    st.argmax.push(am);
    x = a;
  }
  return st;
}

/**
 * Activation pattern of point p: bits (plan.patternWords u32, zeroed here) for every relu/leakyRelu unit in
 * layer order (1 = pre-activation > 0), and a 64-bit FNV-1a hash over those words and every max-pool argmax
 * (the pooling choices are part of the linear region too). `bits` is an arena pointer.
 */
export function activationPattern(arena: Arena, plan: Plan, st: ForwardState, p: number, bits: number): bigint {
  const k = arena.kernels<CoreKernels>();
  arena.u32(bits, plan.patternWords).fill(0);
  let offset = 0;
  for (let l = 0; l < plan.ops.length; l++) {
    const op = plan.ops[l];
    if (op.patternUnits > 0) {
      k.signBitsF32(op.outSize, st.pre[l] + p * op.outSize * 4, bits, offset);
      offset += op.outSize;
    }
  }
  let h = k.fnv64(bits, plan.patternWords, 0xcbf29ce484222325n);
  for (let l = 0; l < plan.ops.length; l++) {
    if (st.argmax[l]) h = k.fnv64(st.argmax[l] + p * plan.ops[l].outSize * 4, plan.ops[l].outSize, h);
  }
  return BigInt.asUintN(64, h);
}
