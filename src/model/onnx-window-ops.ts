/**
 * ONNX windowed ops → Foliate nodes: Conv (any pads, strides, dilations and groups; depthwise included),
 * MaxPool (pads, ceil_mode), AveragePool (pads, ceil_mode, count_include_pad), GlobalAveragePool, and a
 * zero Pad folded into the Conv or AveragePool that reads it; ReduceMean over H and W as a global average pool. Kernels [outC, inC/groups, kh, kw] become
 * Foliate's [kh, kw, inC/groups, outC] (NHWC).
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import { padsFor, windowOut } from "./shapes.js";
import type { Pads } from "./types.js";
import { describeFlow, type DataValue, type Flow, type NodeContext } from "./onnx-graph.js";

type Image = Extract<Flow, { kind: "image" }>;

/** The input image of a windowed op, with the pads of a zero Pad in front of it ([0, 0, 0, 0] when none). */
function windowInput(ctx: NodeContext): { x: DataValue & { flow: Image }; padded: Pads | undefined } {
  const v = ctx.g.value(ctx, 0);
  const x = v.kind === "padded" ? v.source : ctx.g.data(ctx, 0);
  if (x.flow.kind !== "image") throw new UnsupportedLayerError(`${ctx.where}: expects an [n, C, H, W] input, got ${describeFlow(x.flow)}`);
  return { x: x as DataValue & { flow: Image }, padded: v.kind === "padded" ? v.pads : undefined };
}

/** A 2-vector attribute (strides, dilations) with positive entries. */
function pair(ctx: NodeContext, attr: string): [number, number] {
  const v = ctx.attrs.ints(attr, [1, 1]);
  if (v.length !== 2 || v.some((s) => !(s >= 1)))
    throw new UnsupportedLayerError(`${ctx.where}: attribute ${attr} [${v}]; Foliate supports 2D windows with positive ${attr}`);
  return [v[0], v[1]];
}

/** Explicit pads [top, left, bottom, right] from `pads` or `auto_pad` (SAME_UPPER/SAME_LOWER/VALID). */
function explicitPads(ctx: NodeContext, x: Image, window: [number, number], strides: [number, number], dilations: [number, number]): Pads {
  const autoPad = ctx.attrs.string("auto_pad", "NOTSET");
  if (autoPad === "NOTSET") {
    const pads = ctx.attrs.ints("pads", [0, 0, 0, 0]);
    if (pads.length !== 4 || pads.some((p) => !(p >= 0)))
      throw new UnsupportedLayerError(`${ctx.where}: attribute pads [${pads}]; Foliate supports four non-negative pads of a 2D window`);
    return [pads[0], pads[1], pads[2], pads[3]];
  }
  if (autoPad === "VALID") return [0, 0, 0, 0];
  if (autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") throw new UnsupportedLayerError(`${ctx.where}: attribute auto_pad "${autoPad}" is not supported`);
  const sizes = [x.h, x.w];
  const pads: Pads = [0, 0, 0, 0];
  for (let a = 0; a < 2; a++) {
    const span = dilations[a] * (window[a] - 1) + 1;
    const total = Math.max((Math.ceil(sizes[a] / strides[a]) - 1) * strides[a] + span - sizes[a], 0);
    const small = Math.floor(total / 2);
    [pads[a], pads[a + 2]] = autoPad === "SAME_UPPER" ? [small, total - small] : [total - small, small];
  }
  return pads;
}

/**
 * The Keras keyword ("valid"/"same", TensorFlow's rule) that places exactly these windows, if one does: the
 * same leading pads and window count on both axes (then every window covers the same input cells). Kept on the
 * node for the version-1 JSON format, which has no explicit pads.
 */
function kerasPadding(x: Image, window: [number, number], strides: [number, number], pads: Pads, out: [number, number], plain: boolean): { padding?: "valid" | "same" } {
  if (!plain) return {};
  for (const padding of ["valid", "same"] as const) {
    const p = padsFor(x.h, x.w, window, strides, padding);
    const oh = windowOut(x.h, window[0], strides[0], p[0], p[2]);
    const ow = windowOut(x.w, window[1], strides[1], p[1], p[3]);
    if (p[0] === pads[0] && p[1] === pads[1] && oh === out[0] && ow === out[1]) return { padding };
  }
  return {};
}

const addPads = (a: Pads, b: Pads): Pads => [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]];

/** Conv → conv2d with explicit pads, strides, dilations and groups. */
export function importConv(ctx: NodeContext): void {
  const { x, padded } = windowInput(ctx);
  const w = ctx.g.constant(ctx, 1, "kernel");
  if (w.dims.length !== 4) throw new UnsupportedLayerError(`${ctx.where}: kernel dims [${w.dims}]; Foliate supports 2D convolutions (kernel_shape of length 2)`);
  const [outC, inPerGroup, kh, kw] = w.dims;
  const groups = ctx.attrs.int("group", 1);
  if (!(groups >= 1) || x.flow.c % groups !== 0 || outC % groups !== 0 || inPerGroup !== x.flow.c / groups)
    throw new ModelFormatError(`${ctx.where}: attribute group = ${groups} with kernel dims [${w.dims}] does not fit the ${x.flow.c} input channels`);
  const ks = ctx.attrs.ints("kernel_shape", [kh, kw]);
  if (ks[0] !== kh || ks[1] !== kw) throw new ModelFormatError(`${ctx.where}: attribute kernel_shape [${ks}] disagrees with the kernel dims [${w.dims}]`);
  const strides = pair(ctx, "strides");
  const dilations = pair(ctx, "dilations");
  const pads = addPads(explicitPads(ctx, x.flow, [kh, kw], strides, dilations), padded ?? [0, 0, 0, 0]);
  const kernel = new Float64Array(kh * kw * inPerGroup * outC); // kh×kw×(inC/groups)×outC, row-major
  for (let o = 0; o < outC; o++)
    for (let c = 0; c < inPerGroup; c++)
      for (let y = 0; y < kh; y++)
        for (let z = 0; z < kw; z++) kernel[((y * kw + z) * inPerGroup + c) * outC + o] = w.values[((o * inPerGroup + c) * kh + y) * kw + z];
  const bias = new Float64Array(outC);
  if (ctx.inputs[2]) {
    const b = ctx.g.constant(ctx, 2, "bias");
    if (b.values.length !== outC) throw new ModelFormatError(`${ctx.where}: bias dims [${b.dims}], expected [${outC}]`);
    bias.set(b.values);
  }
  const oh = windowOut(x.flow.h, kh, strides[0], pads[0], pads[2], dilations[0]);
  const ow = windowOut(x.flow.w, kw, strides[1], pads[1], pads[3], dilations[1]);
  const plain = groups === 1 && dilations[0] === 1 && dilations[1] === 1;
  const keyword = kerasPadding(x.flow, [kh, kw], strides, pads, [oh, ow], plain);
  const layer = { type: "conv2d" as const, filters: outC, kernelSize: [kh, kw] as [number, number], strides, dilations, groups, pads, ...keyword, kernel, bias, activation: "linear" as const };
  ctx.g.push(ctx, layer, [x], { kind: "image", c: outC, h: oh, w: ow });
}

/** MaxPool / AveragePool → maxPool2d / avgPool2d with explicit pads, ceil mode and count_include_pad. */
export function importPool(ctx: NodeContext): void {
  const max = ctx.op === "MaxPool";
  const { x, padded } = windowInput(ctx);
  const ks = ctx.attrs.ints("kernel_shape", []);
  if (ks.length !== 2) throw new UnsupportedLayerError(`${ctx.where}: attribute kernel_shape [${ks}]; Foliate supports 2D pooling`);
  const window: [number, number] = [ks[0], ks[1]];
  const dilations = pair(ctx, "dilations");
  if (dilations[0] !== 1 || dilations[1] !== 1) throw new UnsupportedLayerError(`${ctx.where}: attribute dilations [${dilations}]; Foliate's pooling takes dilations 1`);
  if (max && ctx.outputs.length > 1 && ctx.outputs[1]) throw new UnsupportedLayerError(`${ctx.where}: the Indices output is not supported`);
  const strides = pair(ctx, "strides");
  const ceilMode = ctx.attrs.int("ceil_mode", 0) === 1;
  let countIncludePad = !max && ctx.attrs.int("count_include_pad", 0) === 1;
  let pads = explicitPads(ctx, x.flow, window, strides, [1, 1]);
  if (padded) {
    if (max) throw new UnsupportedLayerError(`${ctx.where}: reads a zero Pad; Foliate's MaxPool padding never wins the max, a zero-padded input's can (attribute pads of the Pad)`);
    if (pads.some((p) => p > 0) && !countIncludePad)
      throw new UnsupportedLayerError(`${ctx.where}: attribute count_include_pad = 0 with pads of its own after a zero Pad mixes two divisor rules`);
    const both = addPads(pads, padded);
    for (let a = 0; a < 2; a++) {
      const size = a === 0 ? x.flow.h : x.flow.w;
      const viaPad = windowOut(size + padded[a] + padded[a + 2], window[a], strides[a], pads[a], pads[a + 2], 1, ceilMode);
      if (viaPad !== windowOut(size, window[a], strides[a], both[a], both[a + 2], 1, ceilMode))
        throw new UnsupportedLayerError(`${ctx.where}: attribute ceil_mode = 1 after a zero Pad gives a window count that Foliate's pads cannot reproduce`);
    }
    pads = both;
    countIncludePad = true;
  }
  const oh = windowOut(x.flow.h, window[0], strides[0], pads[0], pads[2], 1, ceilMode);
  const ow = windowOut(x.flow.w, window[1], strides[1], pads[1], pads[3], 1, ceilMode);
  const keyword = kerasPadding(x.flow, window, strides, pads, [oh, ow], !countIncludePad || pads.every((p) => p === 0));
  const layer = { type: max ? ("maxPool2d" as const) : ("avgPool2d" as const), poolSize: window, strides, pads, ceilMode, countIncludePad, ...keyword };
  ctx.g.push(ctx, layer, [x], { kind: "image", c: x.flow.c, h: oh, w: ow });
}

/** GlobalAveragePool → globalAvgPool2d (Foliate's output is flat [C]; ONNX's [C, 1, 1]). */
export function importGlobalAveragePool(ctx: NodeContext): void {
  const x = ctx.g.data(ctx, 0);
  if (x.flow.kind !== "image") throw new UnsupportedLayerError(`${ctx.where}: expects an [n, C, H, W] input, got ${describeFlow(x.flow)}`);
  ctx.g.push(ctx, { type: "globalAvgPool2d" }, [x], { kind: "flat", d: x.flow.c, pooled: true });
}

/** ReduceMean over the spatial axes (2, 3) of an image, as `x.mean((2, 3))` exports: a globalAvgPool2d. */
export function importReduceMean(ctx: NodeContext): void {
  const x = ctx.g.data(ctx, 0);
  const axes = ctx.attrs.ints("axes", []).map((a) => (a < 0 ? a + 4 : a)).sort();
  if (x.flow.kind !== "image" || axes.length !== 2 || axes[0] !== 2 || axes[1] !== 3)
    throw new UnsupportedLayerError(`${ctx.where}: attribute axes [${ctx.attrs.ints("axes", [])}] on ${describeFlow(x.flow)}; Foliate takes ReduceMean over the spatial axes [2, 3] of an image`);
  const keepdims = ctx.attrs.int("keepdims", 1) === 1;
  ctx.g.push(ctx, { type: "globalAvgPool2d" }, [x], { kind: "flat", d: x.flow.c, ...(keepdims ? { pooled: true } : {}) });
}

/** Pad with zeros on H and W: remembered and folded into the Conv / AveragePool that reads it. All-zero pads: identity. */
export function importPad(ctx: NodeContext): void {
  const x = ctx.g.data(ctx, 0);
  const mode = ctx.attrs.string("mode", "constant");
  const pads = ctx.opset >= 11 ? Array.from(ctx.g.constant(ctx, 1, "pads").values) : ctx.attrs.ints("pads", []);
  const value = ctx.opset >= 11 ? (ctx.inputs[2] ? (ctx.g.constant(ctx, 2, "constant_value").values[0] ?? 0) : 0) : ctx.attrs.float("value", 0);
  if (pads.every((p) => p === 0)) {
    ctx.g.define(ctx.outputs[0], x);
    return;
  }
  if (mode !== "constant") throw new UnsupportedLayerError(`${ctx.where}: attribute mode "${mode}"; Foliate folds only zero (constant) padding`);
  if (value !== 0) throw new UnsupportedLayerError(`${ctx.where}: constant_value ${value}; Foliate folds only zero padding`);
  if (x.flow.kind !== "image" || pads.length !== 8 || pads.some((p, j) => p < 0 || (j % 4 < 2 && p !== 0)))
    throw new UnsupportedLayerError(`${ctx.where}: pads [${pads}] on ${describeFlow(x.flow)}; Foliate folds non-negative zero padding of H and W of an image`);
  ctx.g.define(ctx.outputs[0], { kind: "padded", source: x, pads: [pads[2], pads[3], pads[6], pads[7]], by: ctx.where });
}
