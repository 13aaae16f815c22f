/**
 * ONNX import (`Model.fromOnnx(bytes)`): sequential networks as exported by `torch.onnx.export`, mapped
 * onto Foliate's layers. (Exports that insert Transpose nodes, as tf2onnx does for NHWC models, are refused.)
 *
 * Supported nodes: Gemm (transA = 0, transB 0/1, alpha, beta), MatMul followed by Add (bias), Conv (2D,
 * group 1, dilations 1), MaxPool, AveragePool (count_include_pad = 0 when padded), Flatten and Reshape to
 * [n, -1], Relu, LeakyRelu, Sigmoid, Tanh, Softplus, a final Softmax (→ `head: "softmax"`), Identity, Dropout
 * (inference: the identity), Constant, and Pad with zeros in front of a Conv (PyTorch writes an all-zero
 * Pad before AveragePool; that one is a no-op). The graph must be a chain from its one input to its one
 * output; anything else is a ModelFormatError, and the first unsupported node (in file order) is an
 * UnsupportedLayerError naming its index, name and op type.
 *
 * Layout: ONNX/PyTorch images are channels-first (NCHW); Foliate is channels-last (NHWC). The imported
 * model therefore takes NHWC input: an ONNX input [n, C, H, W] becomes `inputShape` [H, W, C], flattened
 * row-major as (h, w, c). Conv kernels [outC, inC, kh, kw] are transposed to [kh, kw, inC, outC], and the rows
 * of the first dense layer after a Flatten are permuted from PyTorch's (c, h, w) order to Foliate's (h, w, c)
 * order, so the outputs are identical to PyTorch's for the same image (the Jacobian's columns are in the
 * NHWC input order). An image or a CHW-ordered flattening cannot be the model's output (it would come out
 * permuted): such graphs are refused. For C = 1 the flattened input order
 * is the same as PyTorch's (Jacobian columns line up unchanged); for C > 1 a PyTorch input x[c, h, w] sits at
 * Foliate index (h·W + w)·C + c. Dense-only models are unaffected.
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import { windowAxis } from "./shapes.js";
import type { ActivationName, LooseLayer, LooseModelSpec } from "./types.js";
type Layer = LooseLayer;
type DenseLayer = Extract<LooseLayer, { type: "dense" }>;
type Conv2dLayer = Extract<LooseLayer, { type: "conv2d" }>;
import { constantNodeTensor, constTensor, decodeOnnxModel, defaultOpset, int64, NodeAttributes, type ConstTensor, type OnnxNode } from "./onnx-decode.js";

/** ONNX op types the importer maps (in the default domain). */
export const SUPPORTED_ONNX_OPS: readonly string[] = [
  "Gemm", "MatMul", "Add", "Conv", "MaxPool", "AveragePool", "Flatten", "Reshape", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
  "Softplus", "Softmax", "Identity", "Dropout", "Constant", "Pad",
];

const ACTIVATION_OPS: Record<string, ActivationName> = { Relu: "relu", LeakyRelu: "leakyRelu", Sigmoid: "sigmoid", Tanh: "tanh", Softplus: "softplus" };

/**
 * The per-sample tensor flowing along the chain, in ONNX terms. An image is NCHW in ONNX and stored NHWC by
 * Foliate; a flat vector carries `chw` when its ONNX order is (c, h, w) but Foliate's is (h, w, c).
 */
type Flow = { kind: "image"; c: number; h: number; w: number } | { kind: "flat"; d: number; chw?: [number, number, number] };

/**
 * Decode an ONNX model and map it to a Foliate ModelSpec (NHWC, see the module comment).
 * @example
 * const spec = modelFromOnnx(new Uint8Array(await readFile("net.onnx"))); // { inputShape: [14, 14, 1], layers: [...], head: "none" }
 */
export function modelFromOnnx(bytes: Uint8Array): LooseModelSpec {
  const model = decodeOnnxModel(bytes);
  const graph = model.graph!;
  const nodes = graph.node!;
  const opset = defaultOpset(model);
  if (opset < 1) throw new ModelFormatError("not a valid ONNX file: the model declares no ai.onnx operator set version (opset_import); is the file truncated?");
  const where = (i: number) => `ONNX node ${i} "${nodes[i].name || "(unnamed)"}" (${nodes[i].opType})`;

  nodes.forEach((node, i) => {
    const domainOk = !node.domain || node.domain === "ai.onnx";
    if (!domainOk || !SUPPORTED_ONNX_OPS.includes(node.opType ?? ""))
      throw new UnsupportedLayerError(
        `${where(i)}${domainOk ? "" : ` in domain "${node.domain}"`} is not supported; Foliate imports ${SUPPORTED_ONNX_OPS.join(", ")}`,
      );
  });

  // Constants: initializers, and the outputs of Constant nodes (decoded when a node asks for them).
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const constantNodes = new Map<string, number>();
  nodes.forEach((n, i) => n.opType === "Constant" && constantNodes.set(n.output?.[0] ?? "", i));
  const isConst = (name: string) => initializers.has(name) || constantNodes.has(name);
  const constant = (name: string): ConstTensor => {
    const t = initializers.get(name);
    if (t) return constTensor(t, name);
    const i = constantNodes.get(name)!;
    return constantNodeTensor(nodes[i], where(i));
  };

  const dataInputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? ""));
  if (dataInputs.length !== 1)
    throw new ModelFormatError(`ONNX graph has ${dataInputs.length} data inputs (${dataInputs.map((v) => v.name).join(", ")}); Foliate imports single-input networks`);
  if ((graph.output ?? []).length !== 1)
    throw new ModelFormatError(`ONNX graph has ${(graph.output ?? []).length} outputs; Foliate imports single-output networks`);
  const inputName = dataInputs[0].name ?? "";
  const outputName = graph.output![0].name ?? "";
  let flow = inputFlow(dataInputs[0]);
  const inputShape = flow.kind === "image" ? [flow.h, flow.w, flow.c] : [flow.d];

  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    if (n.opType === "Constant") return;
    for (const name of n.input ?? []) if (name && !isConst(name)) consumers.set(name, [...(consumers.get(name) ?? []), i]);
  });

  const layers: Layer[] = [];
  let head: "softmax" | "none" = "none";
  let pendingPads: number[] | undefined; // [top, left, bottom, right] from a Pad waiting for its Conv
  const visited = new Set<number>();
  let current = inputName;
  while (current !== outputName) {
    const next = consumers.get(current) ?? [];
    if (next.length === 0) throw new ModelFormatError(`ONNX graph is not a chain: tensor "${current}" is used by no node and is not the graph output "${outputName}"`);
    if (next.length > 1)
      throw new ModelFormatError(`ONNX graph is not a chain: tensor "${current}" feeds ${next.length} nodes (${next.map(where).join("; ")}); Foliate imports sequential networks`);
    const i = next[0];
    const node = nodes[i];
    if (visited.has(i)) throw new ModelFormatError(`ONNX graph has a cycle through ${where(i)}`);
    visited.add(i);
    const inputs = node.input ?? [];
    const others = inputs.filter((name) => name && name !== current && !isConst(name));
    if (others.length > 0 || inputs.filter((n) => n === current).length !== 1)
      throw new ModelFormatError(`ONNX graph is not a chain: ${where(i)} combines "${current}" with the computed tensor(s) ${others.map((n) => `"${n}"`).join(", ") || `"${current}" again`}`);
    if (pendingPads && node.opType !== "Conv")
      throw new UnsupportedLayerError(`${where(i)} follows a Pad with non-zero pads; Foliate folds a Pad only into the Conv right after it`);
    const ctx: NodeContext = { node, where: where(i), attrs: new NodeAttributes(where(i), node), inputs, constant, isConst, opset };

    switch (node.opType) {
      case "Gemm":
      case "MatMul":
        if (inputs[0] !== current) throw new UnsupportedLayerError(`${ctx.where}: the data must be the first input (x · W), got it at position ${inputs.indexOf(current)}`);
        if (flow.kind !== "flat") throw new UnsupportedLayerError(`${ctx.where}: expects a flat [n, d] input; add a Flatten before it`);
        layers.push(denseFromNode(ctx, flow));
        flow = { kind: "flat", d: (layers[layers.length - 1] as DenseLayer).units };
        break;
      case "Add":
        addToBias(ctx, layers[layers.length - 1], flow);
        break;
      case "Conv": {
        if (flow.kind !== "image") throw new UnsupportedLayerError(`${ctx.where}: expects an [n, C, H, W] input, got a flat one`);
        const conv = convFromNode(ctx, flow, pendingPads ?? [0, 0, 0, 0]);
        pendingPads = undefined;
        layers.push(conv.layer);
        flow = conv.flow;
        break;
      }
      case "MaxPool":
      case "AveragePool": {
        if (flow.kind !== "image") throw new UnsupportedLayerError(`${ctx.where}: expects an [n, C, H, W] input, got a flat one`);
        const pool = poolFromNode(ctx, flow);
        layers.push(pool.layer);
        flow = pool.flow;
        break;
      }
      case "Pad":
        pendingPads = padsFromNode(ctx, flow);
        break;
      case "Flatten":
      case "Reshape":
        checkFlattening(ctx, flow);
        if (flow.kind === "image") {
          layers.push({ type: "flatten" });
          const { c, h, w } = flow;
          flow = { kind: "flat", d: c * h * w, ...(c > 1 && h * w > 1 ? { chw: [c, h, w] as [number, number, number] } : {}) };
        }
        break;
      case "Relu":
      case "LeakyRelu":
      case "Sigmoid":
      case "Tanh":
      case "Softplus":
        pushActivation(layers, ACTIVATION_OPS[node.opType], node.opType === "LeakyRelu" ? ctx.attrs.float("alpha", 0.01) : undefined);
        break;
      case "Softmax": {
        const axis = ctx.attrs.int("axis", opset >= 13 ? -1 : 1);
        if (flow.kind !== "flat" || (axis !== 1 && axis !== -1)) throw new UnsupportedLayerError(`${ctx.where}: Softmax is supported over the features of a flat [n, m] tensor (axis 1 or -1), got axis ${axis}`);
        if (node.output?.[0] !== outputName) throw new UnsupportedLayerError(`${ctx.where}: Softmax is supported only as the last node (it becomes the model's softmax head)`);
        requireOnnxOrder(ctx.where, flow);
        head = "softmax";
        break;
      }
      case "Identity":
      case "Dropout":
        break;
      default:
        throw new UnsupportedLayerError(`${ctx.where} cannot appear in the chain`);
    }
    current = node.output?.[0] ?? "";
  }
  if (pendingPads) throw new UnsupportedLayerError(`ONNX graph ends with a Pad; Foliate folds a Pad only into a following Conv`);
  if ((consumers.get(outputName) ?? []).length > 0)
    throw new ModelFormatError(`ONNX graph is not a chain: its output "${outputName}" is also used by ${consumers.get(outputName)!.map(where).join("; ")}`);
  const unused = nodes.findIndex((n, i) => n.opType !== "Constant" && !visited.has(i));
  if (unused >= 0) throw new ModelFormatError(`ONNX graph is not a chain: ${where(unused)} is not on the path from "${inputName}" to "${outputName}"`);
  if (layers.length === 0) throw new ModelFormatError(`ONNX graph has no layers between "${inputName}" and "${outputName}"`);
  requireOnnxOrder(`the graph output "${outputName}"`, flow);
  return { inputShape, layers, head };
}

interface NodeContext {
  node: OnnxNode;
  where: string;
  attrs: NodeAttributes;
  inputs: string[];
  constant(name: string): ConstTensor;
  isConst(name: string): boolean;
  opset: number;
}

function inputFlow(input: { name?: string | null; type?: any }): Flow {
  const tensorType = input.type?.tensorType;
  const elem = tensorType?.elemType ?? 0;
  if (elem !== 1 && elem !== 11) throw new UnsupportedLayerError(`ONNX input "${input.name}" has element type ${elem}; expected FLOAT (1) or DOUBLE (11)`);
  const dims: { dimValue?: unknown; dimParam?: string | null }[] = tensorType?.shape?.dim ?? [];
  const sizes = dims.slice(1).map((d) => (d.dimParam ? 0 : int64(d.dimValue as Parameters<typeof int64>[0], `input "${input.name}" dims`)));
  if ((dims.length !== 2 && dims.length !== 4) || sizes.some((s) => !Number.isSafeInteger(s) || s < 1))
    throw new UnsupportedLayerError(
      `ONNX input "${input.name}" must be [n, d] or [n, C, H, W] with fixed sizes after the batch axis, got [${dims.map((d) => d.dimParam || String(d.dimValue ?? "?")).join(", ")}]`,
    );
  return sizes.length === 1 ? { kind: "flat", d: sizes[0] } : { kind: "image", c: sizes[0], h: sizes[1], w: sizes[2] };
}

/** Gemm (Y = alpha·A·B' + beta·C) or MatMul (Y = A·W) → a dense layer with kernel [in, out]. */
function denseFromNode(ctx: NodeContext, flow: Extract<Flow, { kind: "flat" }>): DenseLayer {
  const gemm = ctx.node.opType === "Gemm";
  if (!ctx.isConst(ctx.inputs[1] ?? "")) throw new UnsupportedLayerError(`${ctx.where}: the weight "${ctx.inputs[1]}" must be an initializer or Constant`);
  if (gemm && ctx.attrs.int("transA", 0) !== 0) throw new UnsupportedLayerError(`${ctx.where}: transA = 1 is not supported`);
  const transB = gemm ? ctx.attrs.int("transB", 0) : 0;
  const alpha = gemm ? ctx.attrs.float("alpha", 1) : 1;
  const beta = gemm ? ctx.attrs.float("beta", 1) : 1;
  const w = ctx.constant(ctx.inputs[1]);
  if (w.dims.length !== 2) throw new UnsupportedLayerError(`${ctx.where}: weight "${ctx.inputs[1]}" has dims [${w.dims}], expected a matrix`);
  const [rows, cols] = w.dims;
  const [nIn, nOut] = transB ? [cols, rows] : [rows, cols];
  if (nIn !== flow.d) throw new ModelFormatError(`${ctx.where}: weight "${ctx.inputs[1]}" dims [${w.dims}]${transB ? " (transB)" : ""} take ${nIn} inputs, the incoming tensor has ${flow.d}`);
  const rowOf = inputPermutation(flow); // Foliate input index → ONNX input index
  const kernel = new Float64Array(nIn * nOut); // in×out, row-major, rows in Foliate's input order
  for (let i = 0; i < nIn; i++) {
    const src = rowOf(i);
    for (let j = 0; j < nOut; j++) kernel[i * nOut + j] = alpha * (transB ? w.values[j * cols + src] : w.values[src * cols + j]);
  }
  const bias = new Float64Array(nOut);
  const cName = gemm ? ctx.inputs[2] : "";
  if (cName) {
    if (!ctx.isConst(cName)) throw new UnsupportedLayerError(`${ctx.where}: the bias "${cName}" must be an initializer or Constant`);
    const c = ctx.constant(cName);
    const perSample = c.dims.length === 2 && c.dims[0] === 1 ? [c.dims[1]] : c.dims;
    if (!(perSample.length <= 1 && (c.values.length === nOut || c.values.length === 1)))
      throw new UnsupportedLayerError(`${ctx.where}: bias "${cName}" dims [${c.dims}] do not broadcast to [${nOut}] per sample`);
    for (let j = 0; j < nOut; j++) bias[j] = beta * c.values[c.values.length === 1 ? 0 : j];
  }
  return { type: "dense", units: nOut, kernel, bias, activation: "linear" };
}

/** For a flat vector in ONNX (c, h, w) order: the ONNX index of Foliate's (h, w, c)-ordered index i. */
function inputPermutation(flow: Extract<Flow, { kind: "flat" }>): (i: number) => number {
  if (!flow.chw) return (i) => i;
  const [c, h, w] = flow.chw;
  return (i) => {
    const ch = i % c;
    const pixel = (i - ch) / c; // y·W + x
    return ch * h * w + pixel;
  };
}

/** Add of a constant right after MatMul / Gemm / Conv (no activation yet): folded into that layer's bias. */
function addToBias(ctx: NodeContext, last: Layer | undefined, flow: Flow): void {
  const cName = ctx.inputs.find((n) => n && ctx.isConst(n));
  if (!cName) throw new ModelFormatError(`${ctx.where}: Add of two computed tensors (a residual connection) makes the graph not a chain`);
  if (!last || (last.type !== "dense" && last.type !== "conv2d") || last.activation !== "linear")
    throw new UnsupportedLayerError(`${ctx.where}: Add is supported only as the bias right after a MatMul, Gemm or Conv`);
  const c = ctx.constant(cName);
  const n = last.bias.length;
  const size = c.values.length;
  const dims = c.dims.filter((d, k) => !(k === 0 && d === 1 && c.dims.length === (flow.kind === "image" ? 4 : 2))); // drop a batch axis of 1
  const ok =
    size === 1 ||
    (flow.kind === "flat" && dims.length === 1 && size === n) ||
    (flow.kind === "image" && dims.length === 3 && size === n && dims[1] === 1 && dims[2] === 1);
  if (!ok) throw new UnsupportedLayerError(`${ctx.where}: constant "${cName}" dims [${c.dims}] is not a per-${flow.kind === "image" ? "channel [C, 1, 1]" : "feature [m]"} bias of size ${n}`);
  for (let j = 0; j < n; j++) last.bias[j] += c.values[size === 1 ? 0 : j];
}

/** Conv [outC, inC, kh, kw] → NHWC conv2d with kernel [kh, kw, inC, outC]. `extraPads` come from a preceding Pad. */
function convFromNode(ctx: NodeContext, flow: Extract<Flow, { kind: "image" }>, extraPads: number[]): { layer: Conv2dLayer; flow: Flow } {
  const wName = ctx.inputs[1] ?? "";
  if (!ctx.isConst(wName)) throw new UnsupportedLayerError(`${ctx.where}: the kernel "${wName}" must be an initializer or Constant`);
  const w = ctx.constant(wName);
  if (w.dims.length !== 4) throw new UnsupportedLayerError(`${ctx.where}: kernel dims [${w.dims}]: only 2D convolutions are supported`);
  const [outC, inC, kh, kw] = w.dims;
  if (ctx.attrs.int("group", 1) !== 1) throw new UnsupportedLayerError(`${ctx.where}: group = ${ctx.attrs.int("group", 1)}; only group = 1 is supported`);
  if (ctx.attrs.ints("dilations", [1, 1]).some((d) => d !== 1)) throw new UnsupportedLayerError(`${ctx.where}: dilations [${ctx.attrs.ints("dilations", [])}]; only 1 is supported`);
  if (inC !== flow.c) throw new ModelFormatError(`${ctx.where}: kernel dims [${w.dims}] take ${inC} channels, the incoming tensor has ${flow.c}`);
  const ks = ctx.attrs.ints("kernel_shape", [kh, kw]);
  if (ks[0] !== kh || ks[1] !== kw) throw new ModelFormatError(`${ctx.where}: kernel_shape [${ks}] disagrees with the kernel dims [${w.dims}]`);
  const win = windowing(ctx, flow, [kh, kw], extraPads, false);
  const kernel = new Float64Array(kh * kw * inC * outC); // kh×kw×inC×outC, row-major
  for (let o = 0; o < outC; o++)
    for (let c = 0; c < inC; c++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) kernel[((y * kw + x) * inC + c) * outC + o] = w.values[((o * inC + c) * kh + y) * kw + x];
  const bias = new Float64Array(outC);
  const bName = ctx.inputs[2];
  if (bName) {
    if (!ctx.isConst(bName)) throw new UnsupportedLayerError(`${ctx.where}: the bias "${bName}" must be an initializer or Constant`);
    const b = ctx.constant(bName);
    if (b.values.length !== outC) throw new ModelFormatError(`${ctx.where}: bias "${bName}" dims [${b.dims}], expected [${outC}]`);
    bias.set(b.values);
  }
  const layer: Conv2dLayer = { type: "conv2d", filters: outC, kernelSize: [kh, kw], strides: win.strides, padding: win.padding, kernel, bias, activation: "linear" };
  return { layer, flow: { kind: "image", c: outC, h: win.out[0], w: win.out[1] } };
}

function poolFromNode(ctx: NodeContext, flow: Extract<Flow, { kind: "image" }>): { layer: Layer; flow: Flow } {
  const max = ctx.node.opType === "MaxPool";
  const ks = ctx.attrs.ints("kernel_shape", []);
  if (ks.length !== 2) throw new UnsupportedLayerError(`${ctx.where}: kernel_shape [${ks}]; only 2D pooling is supported`);
  if (ctx.attrs.ints("dilations", [1, 1]).some((d) => d !== 1)) throw new UnsupportedLayerError(`${ctx.where}: dilations are not supported`);
  if (max && (ctx.node.output ?? []).filter(Boolean).length > 1) throw new UnsupportedLayerError(`${ctx.where}: the Indices output is not supported`);
  const win = windowing(ctx, flow, ks as [number, number], [0, 0, 0, 0], !max && ctx.attrs.int("count_include_pad", 0) === 1);
  return { layer: { type: max ? "maxPool2d" : "avgPool2d", poolSize: [ks[0], ks[1]], strides: win.strides, padding: win.padding }, flow: { kind: "image", c: flow.c, h: win.out[0], w: win.out[1] } };
}

/**
 * Map ONNX windowing (pads / auto_pad / strides / ceil_mode) onto Foliate's "valid" (no padding) or "same"
 * (TensorFlow: out = ceil(size / stride), extra padding after). Possible when, on both axes, the padding
 * before and the number of windows agree (then every window covers the same input positions).
 */
function windowing(ctx: NodeContext, flow: Extract<Flow, { kind: "image" }>, k: [number, number], extraPads: number[], countIncludePad: boolean) {
  const strides = ctx.attrs.ints("strides", [1, 1]) as [number, number];
  if (strides.length !== 2 || strides.some((s) => s < 1)) throw new ModelFormatError(`${ctx.where}: strides [${strides}] must be two positive integers`);
  const autoPad = ctx.attrs.string("auto_pad", "NOTSET");
  const ceil = ctx.attrs.int("ceil_mode", 0) === 1;
  const sizes = [flow.h, flow.w];
  let pads = ctx.attrs.ints("pads", [0, 0, 0, 0]); // [top, left, bottom, right]
  if (pads.length !== 4 || pads.some((p) => p < 0)) throw new ModelFormatError(`${ctx.where}: pads [${pads}] must be four non-negative integers`);
  if (autoPad === "VALID") pads = [0, 0, 0, 0];
  else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = [0, 0, 0, 0];
    for (let a = 0; a < 2; a++) {
      const total = Math.max((Math.ceil(sizes[a] / strides[a]) - 1) * strides[a] + k[a] - sizes[a], 0);
      const small = Math.floor(total / 2);
      [pads[a], pads[a + 2]] = autoPad === "SAME_UPPER" ? [small, total - small] : [total - small, small];
    }
  } else if (autoPad !== "NOTSET") throw new UnsupportedLayerError(`${ctx.where}: auto_pad "${autoPad}" is not supported`);
  pads = pads.map((p, j) => p + extraPads[j]);
  if (countIncludePad && pads.some((p) => p > 0))
    throw new UnsupportedLayerError(`${ctx.where}: count_include_pad = 1 with pads [${pads}]; Foliate's average pooling excludes the padding (use count_include_pad=False)`);

  const out: number[] = [];
  const fits = { valid: true, same: true };
  for (let a = 0; a < 2; a++) {
    const span = sizes[a] + pads[a] + pads[a + 2] - k[a];
    if (span < 0) throw new ModelFormatError(`${ctx.where}: window ${k[a]} is larger than the padded input (${sizes[a]} + pads) along ${a ? "W" : "H"}`);
    out.push((ceil ? Math.ceil(span / strides[a]) : Math.floor(span / strides[a])) + 1);
    const valid = windowAxis(sizes[a], k[a], strides[a], "valid");
    const same = windowAxis(sizes[a], k[a], strides[a], "same");
    fits.valid &&= pads[a] === 0 && valid.out === out[a];
    fits.same &&= pads[a] === same.padBefore && same.out === out[a];
  }
  const padding = fits.valid ? "valid" : fits.same ? "same" : undefined;
  if (!padding) {
    const sameBefore = [0, 1].map((a) => windowAxis(sizes[a], k[a], strides[a], "same").padBefore);
    throw new UnsupportedLayerError(
      `${ctx.where}: pads [top ${pads[0]}, left ${pads[1]}, bottom ${pads[2]}, right ${pads[3]}] with window ${k[0]}×${k[1]}, strides ${strides[0]}×${strides[1]}` +
        `${ceil ? ", ceil_mode" : ""} on a ${sizes[0]}×${sizes[1]} input give a ${out[0]}×${out[1]} output that matches neither Foliate's "valid" padding (none)` +
        ` nor its "same" padding (TensorFlow style: pad before = ${sameBefore[0]} (H), ${sameBefore[1]} (W), the rest after)`,
    );
  }
  return { padding: padding as "valid" | "same", strides: [strides[0], strides[1]] as [number, number], out };
}

/** Pad with zeros on H and W only (opset ≥ 11: pads as the second input; before: attributes). All-zero → no-op. */
function padsFromNode(ctx: NodeContext, flow: Flow): number[] | undefined {
  const mode = ctx.attrs.string("mode", "constant");
  const padsName = ctx.inputs[1];
  const pads = ctx.opset >= 11 || padsName ? (padsName ? Array.from(ctx.constant(padsName).values) : []) : ctx.attrs.ints("pads", []);
  const valueName = ctx.inputs[2];
  const value = valueName ? (ctx.constant(valueName).values[0] ?? 0) : ctx.attrs.float("value", 0);
  if (pads.every((p) => p === 0)) return undefined;
  if (flow.kind !== "image" || pads.length !== 8 || mode !== "constant" || value !== 0 || pads.some((p, j) => p < 0 || (j % 4 < 2 && p !== 0)))
    throw new UnsupportedLayerError(`${ctx.where}: Pad (mode ${mode}, value ${value}, pads [${pads}]) is supported only as zero padding of H and W before a Conv`);
  return [pads[2], pads[3], pads[6], pads[7]];
}

/** Flatten (axis 1) or Reshape to [n, -1] / [0, -1] / [n, d]: per sample, everything becomes one vector. */
function checkFlattening(ctx: NodeContext, flow: Flow): void {
  const size = flow.kind === "image" ? flow.c * flow.h * flow.w : flow.d;
  const rank = flow.kind === "image" ? 4 : 2;
  if (ctx.node.opType === "Flatten") {
    const axis = ctx.attrs.int("axis", 1);
    if (axis !== 1 && axis !== 1 - rank) throw new UnsupportedLayerError(`${ctx.where}: Flatten with axis ${axis}; only axis 1 (keep the batch axis) is supported`);
    return;
  }
  const shapeName = ctx.inputs[1] ?? "";
  if (!ctx.isConst(shapeName)) throw new UnsupportedLayerError(`${ctx.where}: the target shape "${shapeName}" is computed in the graph; export with a constant shape or use Flatten`);
  const target = Array.from(ctx.constant(shapeName).values);
  const allowZero = ctx.attrs.int("allowzero", 0) === 1;
  const ok = target.length === 2 && ((target[0] === 0 && !allowZero) || target[0] === -1) && (target[1] === -1 || target[1] === size) && !(target[0] === -1 && target[1] === -1);
  if (!ok) throw new UnsupportedLayerError(`${ctx.where}: Reshape to [${target}] is not supported; only [n, -1] style flattening ([0, -1], [-1, ${size}]) is`);
}

/** An activation fuses into the dense/conv layer right before it when that one has none; else it is its own layer. */
function pushActivation(layers: Layer[], activation: ActivationName, alpha: number | undefined): void {
  const last = layers[layers.length - 1];
  const extra = alpha === undefined ? {} : { alpha };
  if (last && (last.type === "dense" || last.type === "conv2d") && last.activation === "linear") Object.assign(last, { activation, ...extra });
  else layers.push({ type: "activation", activation, ...extra });
}

/** The model's output must be in ONNX's order: an NCHW image or a CHW-ordered vector would come out permuted. */
function requireOnnxOrder(what: string, flow: Flow): void {
  const permuted = flow.kind === "image" ? flow.c > 1 && flow.h * flow.w > 1 : flow.chw !== undefined;
  if (permuted)
    throw new UnsupportedLayerError(
      `${what}: a channels-first feature map (or its flattening) as the model output would come out in Foliate's channels-last order; end the network with a Gemm/MatMul`,
    );
}
