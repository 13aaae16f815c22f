/**
 * engine.jacobian: exact input Jacobians J(x) = ∂output/∂x of logits, log-probabilities, probabilities or
 * any layer's output, assembled from each point's activation pattern (see engine/jacobianPass.ts).
 */
import type { Runtime, CallOptions } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import type { BatchInput } from "../engine/batch.js";
import { OptionError } from "../errors.js";
import { forwardPass } from "../engine/forwardPass.js";
import { jacobianWorkspace, pointJacobian } from "../engine/jacobianPass.js";
import type { Job } from "../engine/job.js";
import { overSubchunks } from "../engine/job.js";
import type { CoreKernels } from "../engine/kernels.js";
import type { Plan } from "../engine/plan.js";

/** What is differentiated: the logits, log-softmax, softmax, or the output of layer i (after its activation). */
export type JacobianOutput = "logits" | "logprobs" | "probs" | { layer: number | string };

export interface JacobianOptions {
  output?: JacobianOutput;
  /** Write the result into this n×m×d array instead of allocating one (reuse across calls). */
  out?: Float32Array;
}

export interface JacobianResult {
  /** n×m×d, row-major: data[(i·m + r)·d + t] = ∂output_r/∂x_t at point i. */
  data: Float32Array;
  shape: [n: number, m: number, d: number];
}

/** Resolve `output` to the op index and the softmax transform (0 none, 1 log-probabilities, 2 probabilities). */
export function resolveOutput(plan: Plan, output: unknown): { target: number; transform: 0 | 1 | 2 } {
  const last = plan.ops.length - 1;
  if (output === undefined || output === "logits") return { target: last, transform: 0 };
  if (output === "logprobs") return { target: last, transform: 1 };
  if (output === "probs") return { target: last, transform: 2 };
  if (typeof output === "object" && output !== null && "layer" in output) {
    const i = (output as { layer: unknown }).layer;
    if (!Number.isInteger(i) || (i as number) < 0 || (i as number) > last)
      throw new OptionError(`output.layer must be an integer layer index in 0..${last}, got ${String(i)}`);
    return { target: i as number, transform: 0 };
  }
  throw new OptionError(`output must be "logits", "logprobs", "probs" or { layer: i }, got ${JSON.stringify(output)}`);
}

export const jacobianJob: Job = {
  layout(plan, opts) {
    const { target } = resolveOutput(plan, opts.output);
    return { data: ["f32", plan.ops[target].outSize * plan.inputSize] };
  },
  meta(plan, opts) {
    return { m: plan.ops[resolveOutput(plan, opts.output).target].outSize, d: plan.inputSize };
  },
  run(arena, plan, X, count, opts, out, base) {
    const k = arena.kernels<CoreKernels>();
    const { target, transform } = resolveOutput(plan, opts.output);
    const d = plan.inputSize;
    const m = plan.ops[target].outSize;
    const data = out.data as Float32Array; // points×m×d
    overSubchunks(arena, X, count, d, (start, n, input) => {
      const st = forwardPass(arena, plan, input, n);
      const ws = jacobianWorkspace(arena, plan, target);
      const J = arena.allocF32(m * d); // m×d, for forward mode
      const p = arena.allocF64(m);
      const f = arena.allocF64(m * m);
      const work = arena.allocF64(d);
      for (let i = 0; i < n; i++) {
        const ji = pointJacobian(arena, plan, st, i, ws, J);
        if (transform) {
          k.fisherFactorF64(m, st.out[target] + i * m * 4, p, f);
          k.softmaxJacobianF32(m, d, ji, p, transform, work);
        }
        data.set(arena.f32(ji, m * d), (base + start + i) * m * d);
      }
    });
  },
};

/** Exact input Jacobians of a batch, n×m×d. */
export async function jacobian(rt: Runtime, model: Model, X: BatchInput, opts: JacobianOptions & CallOptions = {}): Promise<JacobianResult> {
  const output = layerByName(model, opts.output);
  const { out, meta, n } = await rt.map("jacobian", model, X, opts, { output }, opts.out ? { data: opts.out } : undefined);
  return { data: out.data as Float32Array, shape: [n, meta.m as number, model.inputSize] };
}

/** `{ layer: "name" }` → `{ layer: index }` (OptionError naming the model's nodes when no node has that name). */
function layerByName(model: Model, output: JacobianOutput | undefined): JacobianOutput | undefined {
  if (typeof output === "object" && output !== null && typeof output.layer === "string") return { layer: model.nodeIndex(output.layer, "output.layer") };
  return output;
}
