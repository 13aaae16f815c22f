/**
 * Constant folding of the shape arithmetic PyTorch writes around a Reshape (`x.view(x.size(0), -1)` exports
 * as Shape → Gather → Unsqueeze → Concat → Reshape): Constant, Shape (the batch size stays symbolic,
 * `BATCH`), Gather and Unsqueeze of constants. Nothing here makes a Foliate node.
 */
import { UnsupportedLayerError } from "../errors.js";
import { constantNodeTensor, type ConstTensor } from "./onnx-decode.js";
import { BATCH, onnxDims, type NodeContext } from "./onnx-graph.js";

const defineConst = (ctx: NodeContext, tensor: ConstTensor) => ctx.g.define(ctx.outputs[0], { kind: "const", tensor });

export function importConstant(ctx: NodeContext): void {
  defineConst(ctx, constantNodeTensor(ctx.node, ctx.where));
}

/** Shape of a computed tensor: [batch, ...per-sample ONNX dims] (opset 15 start/end slice it). */
export function importShape(ctx: NodeContext): void {
  const v = ctx.g.value(ctx, 0);
  if (v.kind === "padded") throw new UnsupportedLayerError(`${ctx.where}: reads the output of ${v.by}; a non-zero Pad is supported only right before a Conv or an AveragePool`);
  const dims = v.kind === "const" ? v.tensor.dims : [BATCH, ...onnxDims(v.flow)];
  const r = dims.length;
  const clamp = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const values = dims.slice(clamp(ctx.attrs.int("start", 0)), clamp(ctx.attrs.int("end", r)));
  defineConst(ctx, { dims: [values.length], values: Float64Array.from(values) });
}

/** Gather of a constant (rank ≤ 1 after the gathered axis 0) with constant indices. */
export function importGather(ctx: NodeContext): void {
  if (!ctx.g.isConstant(ctx, 0))
    throw new UnsupportedLayerError(`${ctx.where}: Gather of a tensor computed from the model input is not supported (Foliate folds Gather in shape arithmetic only)`);
  const data = ctx.g.constant(ctx, 0, "data");
  const idx = ctx.g.constant(ctx, 1, "indices");
  const axis = ctx.attrs.int("axis", 0);
  if (data.dims.length !== 1 || (axis !== 0 && axis !== -1) || idx.dims.length > 1)
    throw new UnsupportedLayerError(`${ctx.where}: attribute axis = ${axis} on constant dims [${data.dims}] with indices dims [${idx.dims}]; Foliate folds Gather of a 1-D constant`);
  const n = data.values.length;
  const values = Float64Array.from(idx.values, (i) => {
    const j = i < 0 ? i + n : i;
    if (!(j >= 0 && j < n)) throw new UnsupportedLayerError(`${ctx.where}: index ${i} is outside the ${n} values of the gathered constant`);
    return data.values[j];
  });
  defineConst(ctx, { dims: idx.dims, values });
}

/** Unsqueeze of a constant: axes (an input from opset 13, an attribute before) become dims of size 1. */
export function importUnsqueeze(ctx: NodeContext): void {
  if (!ctx.g.isConstant(ctx, 0))
    throw new UnsupportedLayerError(`${ctx.where}: Unsqueeze of a tensor computed from the model input is not supported (Foliate folds Unsqueeze in shape arithmetic only)`);
  const t = ctx.g.constant(ctx, 0, "data");
  const axes = ctx.opset >= 13 ? Array.from(ctx.g.constant(ctx, 1, "axes").values) : ctx.attrs.ints("axes", []);
  const r = t.dims.length + axes.length;
  const at = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  if (at.size !== axes.length || [...at].some((a) => !(a >= 0 && a < r))) throw new UnsupportedLayerError(`${ctx.where}: axes [${axes}] are not distinct axes of a rank-${r} result`);
  const dims: number[] = [];
  let k = 0;
  for (let a = 0; a < r; a++) dims.push(at.has(a) ? 1 : t.dims[k++]);
  defineConst(ctx, { dims, values: t.values });
}
