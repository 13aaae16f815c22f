/**
 * engine.jacobian: exact input Jacobians J(x) = ∂output/∂x of logits, log-probabilities, probabilities or
 * any node's output, assembled from each point's activation pattern over the compiled network
 * (analyses/network.ts: reverse mode from the node, or forward mode when the input is smaller).
 */
import type { Runtime, CallOptions } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import type { BatchInput } from "../engine/batch.js";
import { OptionError } from "../errors.js";
import type { Job } from "../engine/job.js";
import { overSubchunks } from "../engine/job.js";
import type { CoreKernels } from "../engine/kernels.js";
import { valueBlock, type CompileOptions, type CompiledNetwork } from "../model/compile.js";
import { compiledNode, forwardChunk, jacobianWorkspace, jacobianWorkspaceBytes, nodeLabel, pointJacobian, pointState, resolveNode } from "./network.js";
import { requireWasmMemory } from "../engine/wasmMemory.js";

/** What is differentiated: the logits, log-softmax, softmax, or the output of node i (after its activation; index or name). */
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

/**
 * Resolve `output` to the compiled node differentiated and the softmax transform (0 none, 1 log-probabilities,
 * 2 probabilities), with the compile options that keep a node folding or fusion would hide.
 */
export function resolveOutput(net: CompiledNetwork, output: unknown): { target: number; transform: 0 | 1 | 2; compileOptions?: CompileOptions } {
  if (output === undefined || output === "logits") return { target: net.outputNode, transform: 0 };
  if (output === "logprobs") return { target: net.outputNode, transform: 1 };
  if (output === "probs") return { target: net.outputNode, transform: 2 };
  if (typeof output === "object" && output !== null && "layer" in output) {
    const { source, compileOptions } = resolveNode(net, (output as { layer: unknown }).layer);
    return { target: compileOptions ? Number.NaN : compiledNode(net, source), transform: 0, compileOptions };
  }
  throw new OptionError(`output must be "logits", "logprobs", "probs" or { layer: index | name }, got ${JSON.stringify(output)}`);
}

/** f64 scratch of the softmax transforms (p: m, the Fisher factor: m×m, one row: d), only when there is one. */
function transformF64s(transform: 0 | 1 | 2, m: number, d: number): number {
  return transform ? m + m * m + d : 0;
}

/** Refuse (OptionError) a node (`output`, resolved to target and transform) whose Jacobian needs more than the 4 GiB Wasm memory per chunk. */
function requireJacobianMemory(net: CompiledNetwork, output: unknown, target: number, transform: 0 | 1 | 2): void {
  const m = valueBlock(net, target).size, d = net.inputSize;
  requireWasmMemory(
    jacobianWorkspaceBytes(net, target) + 8 * transformF64s(transform, m, d),
    (gib) => {
      const layer = typeof output === "object" && output !== null ? (output as { layer: unknown }).layer : undefined;
      return `output.layer ${nodeLabel(net, layer, target)}: the Jacobian of a node with m = ${m} outputs needs ${gib} GiB at d = ${d} ` +
        `(the m×d float32 Jacobian with its tangent or cotangent rows over the network's ${net.valueSize} node outputs)`;
    },
    "choose a narrower node",
  );
}

export const jacobianJob: Job = {
  compile(net, opts) {
    return resolveOutput(net, opts.output).compileOptions;
  },
  layout(net, opts) {
    const { target, transform } = resolveOutput(net, opts.output);
    requireJacobianMemory(net, opts.output, target, transform);
    return { data: ["f32", valueBlock(net, target).size * net.inputSize] };
  },
  meta(net, opts) {
    return { m: valueBlock(net, resolveOutput(net, opts.output).target).size, d: net.inputSize };
  },
  run(arena, up, X, count, opts, out, base) {
    const k = arena.kernels<CoreKernels>();
    const { target, transform } = resolveOutput(up.net, opts.output);
    const d = up.net.inputSize;
    const m = valueBlock(up.net, target).size;
    const outAt = valueBlock(up.net, target).offset * 4;
    const data = out.data as Float32Array; // points×m×d
    overSubchunks(arena, X, count, d, (start, n, input) => {
      const st = forwardChunk(arena, up, input, n);
      const ws = jacobianWorkspace(arena, up, target);
      // the softmax transforms' scratch (transformF64s), for the logits only
      const p = transform ? arena.allocF64(m) : 0;
      const f = transform ? arena.allocF64(m * m) : 0;
      const work = transform ? arena.allocF64(d) : 0;
      for (let i = 0; i < n; i++) {
        const ji = pointJacobian(arena, st, i, ws);
        if (transform) {
          k.fisherFactorF64(m, pointState(st, i).values + outAt, p, f);
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
