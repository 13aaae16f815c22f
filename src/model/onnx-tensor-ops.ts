/**
 * ONNX ops on computed tensors that are not windowed: Gemm / MatMul → dense (rows of the first dense after a
 * flattened image permuted from ONNX's (c, h, w) order to Foliate's (h, w, c)), BatchNormalization → batchNorm,
 * Add → add (two computed tensors) or a per-channel bias, Concat on the channel axis → concat,
 * Flatten / Reshape-to-[n, −1] → flatten, the activations, a final Softmax → the softmax head, Identity and
 * Dropout (inference) → nothing; Add/Sub/Mul/Div with a per-channel constant → an exact affine node or a bias.
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import type { ActivationName } from "./types.js";
import type { ConstTensor } from "./onnx-decode.js";
import { channelsOf, describeFlow, flowSize, onnxDims, onnxIndexOf, type DataValue, type Flow, type NodeContext } from "./onnx-graph.js";

/** Gemm (Y = alpha·A·B′ + beta·C) or MatMul (Y = A·W) → dense with kernel [in, out]. */
export function importDense(ctx: NodeContext): void {
  const gemm = ctx.op === "Gemm";
  const x = ctx.g.data(ctx, 0);
  if (x.flow.kind !== "flat") throw new UnsupportedLayerError(`${ctx.where}: expects a flat [n, d] input, got ${describeFlow(x.flow)}; add a Flatten before it`);
  if (gemm && ctx.attrs.int("transA", 0) !== 0) throw new UnsupportedLayerError(`${ctx.where}: attribute transA = 1 is not supported`);
  const transB = gemm ? ctx.attrs.int("transB", 0) : 0;
  const alpha = gemm ? ctx.attrs.float("alpha", 1) : 1;
  const beta = gemm ? ctx.attrs.float("beta", 1) : 1;
  const w = ctx.g.constant(ctx, 1, "weight");
  if (w.dims.length !== 2) throw new UnsupportedLayerError(`${ctx.where}: weight dims [${w.dims}]; Foliate supports a weight matrix`);
  const [rows, cols] = w.dims;
  const [nIn, nOut] = transB ? [cols, rows] : [rows, cols];
  if (nIn !== x.flow.d) throw new ModelFormatError(`${ctx.where}: weight "${ctx.inputs[1]}" dims [${w.dims}]${transB ? " (transB)" : ""} take ${nIn} inputs, the incoming tensor has ${x.flow.d}`);
  const rowOf = onnxIndexOf(x.flow); // Foliate input index → ONNX input index
  const kernel = new Float64Array(nIn * nOut); // in×out, row-major, rows in Foliate's input order
  for (let i = 0; i < nIn; i++) {
    const src = rowOf(i);
    for (let j = 0; j < nOut; j++) kernel[i * nOut + j] = alpha * (transB ? w.values[j * cols + src] : w.values[src * cols + j]);
  }
  const bias = new Float64Array(nOut);
  if (gemm && ctx.inputs[2]) {
    const c = ctx.g.constant(ctx, 2, "bias C");
    const perSample = c.dims.length === 2 && c.dims[0] === 1 ? [c.dims[1]] : c.dims;
    if (!(perSample.length <= 1 && (c.values.length === nOut || c.values.length === 1)))
      throw new UnsupportedLayerError(`${ctx.where}: bias C dims [${c.dims}] do not broadcast to [${nOut}] per sample`);
    for (let j = 0; j < nOut; j++) bias[j] = beta * c.values[c.values.length === 1 ? 0 : j];
  }
  ctx.g.push(ctx, { type: "dense", units: nOut, kernel, bias, activation: "linear" }, [x], { kind: "flat", d: nOut });
}

/** A per-channel (or scalar) constant in ONNX broadcasting against `flow`, as one value per Foliate channel; undefined when it is not one. */
function perChannel(c: ConstTensor, flow: Flow): Float64Array | undefined {
  const dims = onnxDims(flow);
  const n = channelsOf(flow);
  if (c.values.length === 1) return new Float64Array(n).fill(c.values[0]);
  if (c.dims.length > dims.length + 1 || c.values.length !== n) return undefined;
  // Right-aligned broadcasting: the channel axis is ONNX axis 1, i.e. dims.length from the right.
  const aligned = [...Array(dims.length + 1 - c.dims.length).fill(1), ...c.dims];
  if (aligned[0] !== 1 || aligned[1] !== n || aligned.slice(2).some((d) => d !== 1)) {
    // a flat [d] tensor (or [1, d]): every feature is a channel
    if (flow.kind === "flat" && !flow.pooled && aligned[aligned.length - 1] === n && aligned.slice(0, -1).every((d) => d === 1)) return permuted(c.values, flow);
    return undefined;
  }
  return permuted(c.values, flow);
}

/** Per-feature values in ONNX order → Foliate order (a flattened image's features are permuted). */
function permuted(values: Float64Array, flow: Flow): Float64Array {
  const at = onnxIndexOf(flow);
  return Float64Array.from({ length: values.length }, (_, i) => values[at(i)]);
}

/** BatchNormalization (inference) → batchNorm with the running statistics. */
export function importBatchNorm(ctx: NodeContext): void {
  const x = ctx.g.data(ctx, 0);
  if (ctx.attrs.int("training_mode", 0) !== 0) throw new UnsupportedLayerError(`${ctx.where}: attribute training_mode = 1; Foliate imports inference batch normalization`);
  if (ctx.outputs.slice(1).some(Boolean)) throw new UnsupportedLayerError(`${ctx.where}: the running-statistics outputs (training mode) are not supported`);
  const n = channelsOf(x.flow);
  const [gamma, beta, mean, variance] = (["scale", "B", "input_mean", "input_var"] as const).map((what, k) => {
    const t = ctx.g.constant(ctx, k + 1, what);
    if (t.values.length !== n) throw new ModelFormatError(`${ctx.where}: ${what} dims [${t.dims}], expected the ${n} channels of ${describeFlow(x.flow)}`);
    return permuted(t.values, x.flow);
  });
  const epsilon = ctx.attrs.float("epsilon", 1e-5);
  ctx.g.push(ctx, { type: "batchNorm", gamma, beta, mean, variance, epsilon }, [x], x.flow);
}

const sameFlow = (a: Flow, b: Flow) => describeFlow(a) === describeFlow(b) && (a.kind !== "flat" || b.kind !== "flat" || String(a.chw) === String(b.chw));

/** Add: two computed tensors of one shape → add; a computed tensor plus a per-channel constant → a bias. */
export function importAdd(ctx: NodeContext): void {
  if (ctx.inputs.length !== 2) throw new ModelFormatError(`${ctx.where}: Add takes two inputs, got ${ctx.inputs.length}`);
  if (ctx.g.isConstant(ctx, 0) || ctx.g.isConstant(ctx, 1)) return importConstantAffine(ctx);
  const [a, b] = [ctx.g.data(ctx, 0), ctx.g.data(ctx, 1)];
  if (!sameFlow(a.flow, b.flow))
    throw new UnsupportedLayerError(`${ctx.where}: adds ${describeFlow(a.flow)} and ${describeFlow(b.flow)}; Foliate adds computed tensors of one shape (no broadcasting)`);
  ctx.g.push(ctx, { type: "add", activation: "linear" }, [a, b], a.flow);
}

/**
 * Add, Sub, Mul or Div of a computed tensor and a scalar or per-channel constant (input normalization,
 * biases): y = γ·x + β per channel, as an exact affine batchNorm node (μ = 0, σ² = 1, ε = 0). An Add or
 * Sub of a constant right after a dense/conv with no other consumer folds into its bias later. Div uses
 * γ = 1/c (one rounding of x/c differs by at most an ulp).
 */
export function importConstantAffine(ctx: NodeContext): void {
  if (ctx.inputs.length !== 2) throw new ModelFormatError(`${ctx.where}: ${ctx.op} takes two inputs, got ${ctx.inputs.length}`);
  const k = [0, 1].find((j) => ctx.g.isConstant(ctx, j));
  if (k === undefined)
    throw new UnsupportedLayerError(`${ctx.where}: ${ctx.op} of two computed tensors is not supported (Foliate takes ${ctx.op} with a scalar or per-channel constant)`);
  const x = ctx.g.data(ctx, 1 - k);
  const c = ctx.g.constant(ctx, k, "constant operand");
  const v = perChannel(c, x.flow);
  if (!v) throw new UnsupportedLayerError(`${ctx.where}: constant operand dims [${c.dims}] on ${describeFlow(x.flow)}; Foliate takes a scalar or a per-channel constant (broadcasting)`);
  const n = v.length;
  const ones = () => new Float64Array(n).fill(1);
  let gamma: Float64Array = ones();
  let beta: Float64Array = new Float64Array(n);
  let bias: Float64Array | undefined;
  if (ctx.op === "Add") beta = bias = v;
  else if (ctx.op === "Sub" && k === 1) beta = bias = v.map((t) => -t);
  else if (ctx.op === "Sub") [gamma, beta] = [gamma.fill(-1), v];
  else if (ctx.op === "Mul") gamma = v;
  else if (ctx.op === "Div" && k === 1) gamma = v.map((t) => 1 / t);
  else throw new UnsupportedLayerError(`${ctx.where}: a constant divided by a computed tensor is not supported`);
  const layer = { type: "batchNorm" as const, gamma, beta, mean: new Float64Array(n), variance: ones(), epsilon: 0 };
  ctx.g.push(ctx, layer, [x], x.flow, bias);
}

/** Concat of computed tensors on the channel axis → concat; of constants (shape arithmetic) → a constant. */
export function importConcat(ctx: NodeContext): void {
  if (ctx.inputs.every((_, k) => ctx.g.isConstant(ctx, k))) return concatConstants(ctx);
  const xs = ctx.inputs.map((_, k) => ctx.g.data(ctx, k));
  const first = xs[0].flow;
  const rank = onnxDims(first).length + 1;
  const axis = ctx.attrs.int("axis", 1);
  if (axis !== 1 && axis !== 1 - rank) throw new UnsupportedLayerError(`${ctx.where}: attribute axis = ${axis}; Foliate concatenates on the channel axis (1)`);
  for (const x of xs) {
    const f = x.flow;
    const ok = f.kind === first.kind && (f.kind === "image" ? first.kind === "image" && f.h === first.h && f.w === first.w : !f.chw && first.kind === "flat" && !first.chw && !!f.pooled === !!first.pooled);
    if (!ok) throw new UnsupportedLayerError(`${ctx.where}: concatenates ${xs.map((v) => describeFlow(v.flow)).join(" and ")}; Foliate concatenates channels of tensors whose other axes agree`);
  }
  const c = xs.reduce((a, x) => a + channelsOf(x.flow), 0);
  const flow: Flow = first.kind === "image" ? { kind: "image", c, h: first.h, w: first.w } : { kind: "flat", d: c, ...(first.pooled ? { pooled: true } : {}) };
  ctx.g.push(ctx, { type: "concat" }, xs, flow);
}

/** Concat of 1-D constants on axis 0 (the shape idiom `Concat(Unsqueeze(batch), [-1])`). */
function concatConstants(ctx: NodeContext): void {
  const ts = ctx.inputs.map((_, k) => ctx.g.constant(ctx, k, "input"));
  const axis = ctx.attrs.int("axis", 0);
  if (ts.some((t) => t.dims.length !== 1) || (axis !== 0 && axis !== -1))
    throw new UnsupportedLayerError(`${ctx.where}: attribute axis = ${axis} on constants of dims ${ts.map((t) => `[${t.dims}]`).join(", ")}; Foliate folds Concat of 1-D constants`);
  const values = Float64Array.from(ts.flatMap((t) => Array.from(t.values)));
  ctx.g.define(ctx.outputs[0], { kind: "const", tensor: { dims: [values.length], values } });
}

/** The flat view of a computed tensor: an image becomes a flatten node (ONNX order (c, h, w) remembered). */
function flatten(ctx: NodeContext, x: DataValue): void {
  if (x.flow.kind === "flat") {
    ctx.g.define(ctx.outputs[0], { kind: "data", node: x.node, flow: { kind: "flat", d: x.flow.d, ...(x.flow.chw ? { chw: x.flow.chw } : {}) } });
    return;
  }
  const { c, h, w } = x.flow;
  const flow: Flow = { kind: "flat", d: c * h * w, ...(c > 1 && h * w > 1 ? { chw: [c, h, w] as [number, number, number] } : {}) };
  ctx.g.push(ctx, { type: "flatten" }, [x], flow);
}

/** Flatten with axis 1: per sample, everything becomes one vector. */
export function importFlatten(ctx: NodeContext): void {
  const x = ctx.g.data(ctx, 0);
  const rank = onnxDims(x.flow).length + 1;
  const axis = ctx.attrs.int("axis", 1);
  if (axis !== 1 && axis !== 1 - rank) throw new UnsupportedLayerError(`${ctx.where}: attribute axis = ${axis}; Foliate flattens per sample (axis 1)`);
  flatten(ctx, x);
}

/** Reshape to [n, −1] / [0, −1] / [batch, d] (the target may come from Shape–Gather–Unsqueeze–Concat): a flattening. */
export function importReshape(ctx: NodeContext): void {
  const x = ctx.g.data(ctx, 0);
  const target = Array.from(ctx.g.constant(ctx, 1, "target shape").values);
  const size = flowSize(x.flow);
  const allowZero = ctx.attrs.int("allowzero", 0) === 1;
  const batch = target[0];
  const keepsBatch = Number.isNaN(batch) || batch === -1 || (batch === 0 && !allowZero) || (batch === ctx.g.batch && !Number.isNaN(ctx.g.batch));
  const flat = target.length === 2 && keepsBatch && (target[1] === -1 || target[1] === size) && !(batch === -1 && target[1] === -1);
  if (!flat)
    throw new UnsupportedLayerError(
      `${ctx.where}: target shape [${target.map((v) => (Number.isNaN(v) ? "batch" : v))}] on ${describeFlow(x.flow)}; Foliate supports Reshape that flattens per sample ([n, -1], [0, -1], [n, ${size}])`,
    );
  flatten(ctx, x);
}

const ACTIVATION_OPS: Record<string, ActivationName> = { Relu: "relu", LeakyRelu: "leakyRelu", Sigmoid: "sigmoid", Tanh: "tanh", Softplus: "softplus" };

/** Relu, LeakyRelu (alpha, ONNX default 0.01), Sigmoid, Tanh, Softplus → an activation node (fused later when it can be). */
export function importActivation(ctx: NodeContext): void {
  const x = ctx.g.data(ctx, 0);
  const activation = ACTIVATION_OPS[ctx.op];
  const extra = activation === "leakyRelu" ? { alpha: ctx.attrs.float("alpha", 0.01) } : {};
  ctx.g.push(ctx, { type: "activation", activation, ...extra }, [x], x.flow);
}

/** A final Softmax over the features → the model's softmax head (the logits stay the output). */
export function importSoftmax(ctx: NodeContext, graphOutput: string): void {
  const x = ctx.g.data(ctx, 0);
  const axis = ctx.attrs.int("axis", ctx.opset >= 13 ? -1 : 1);
  if (x.flow.kind !== "flat" || x.flow.pooled || (axis !== 1 && axis !== -1))
    throw new UnsupportedLayerError(`${ctx.where}: attribute axis = ${axis} on ${describeFlow(x.flow)}; Foliate supports Softmax over the features of a flat [n, m] tensor`);
  if (ctx.outputs[0] !== graphOutput) throw new UnsupportedLayerError(`${ctx.where}: Softmax is supported only as the last node (it becomes the model's softmax head)`);
  if (x.flow.chw) throw new UnsupportedLayerError(`${ctx.where}: Softmax over a flattened channels-first feature map would come out in Foliate's channels-last order`);
  ctx.g.head = "softmax";
  ctx.g.define(ctx.outputs[0], x);
}

/** Identity (any value) and Dropout at inference (the identity; its mask output must be unused). */
export function importIdentity(ctx: NodeContext): void {
  const v = ctx.g.value(ctx, 0);
  if (ctx.op === "Dropout") {
    if (ctx.outputs[1]) throw new UnsupportedLayerError(`${ctx.where}: the mask output is not supported (Dropout is the identity at inference)`);
    if (ctx.inputs[2] && ctx.g.constant(ctx, 2, "training_mode").values[0] !== 0)
      throw new UnsupportedLayerError(`${ctx.where}: training_mode = true; Foliate imports inference (Dropout is the identity)`);
    if (ctx.opset < 7 && ctx.attrs.int("is_test", 0) === 0) throw new UnsupportedLayerError(`${ctx.where}: attribute is_test = 0 (training); Foliate imports inference`);
  }
  ctx.g.define(ctx.outputs[0], v);
}

