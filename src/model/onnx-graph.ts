/**
 * The state of an ONNX import while its nodes are walked in file order (ONNX requires topological order):
 * what every ONNX tensor is (a constant, a per-sample tensor computed from the model input, or a zero-padded
 * one waiting for its Conv/AveragePool), and the Foliate nodes made so far.
 *
 * Layout: ONNX tensors are channels-first; Foliate's are channels-last. A computed tensor's `Flow` says what
 * ONNX sees per sample and how Foliate stores it (see `Flow`).
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import type { ConstTensor, NodeAttributes, OnnxNode } from "./onnx-decode.js";
import type { LooseLayer, Pads } from "./types.js";

/**
 * A per-sample computed tensor as ONNX sees it and Foliate stores it:
 * - image: ONNX [C, H, W], Foliate [H, W, C];
 * - flat: ONNX [d] (or [d, 1, 1] when `pooled`, the output of GlobalAveragePool), Foliate [d]; `chw` when
 *   it is a flattened image, whose ONNX order is (c, h, w) and Foliate's (h, w, c).
 */
export type Flow = { kind: "image"; c: number; h: number; w: number } | { kind: "flat"; d: number; chw?: [number, number, number]; pooled?: boolean };

/** A tensor computed from the model input: the output of Foliate node `node` (INPUT: the input itself). */
export interface DataValue {
  kind: "data";
  node: number;
  flow: Flow;
}

/** What an ONNX tensor name stands for during the import. */
export type OnnxValue =
  | DataValue
  | { kind: "const"; tensor: ConstTensor }
  /** A computed image zero-padded by a Pad node: only a Conv or AveragePool may read it (the pads fold into theirs). */
  | { kind: "padded"; source: DataValue; pads: Pads; by: string };

/**
 * The symbolic batch size in constant shape tensors (the output of Shape on a computed tensor): NaN, so
 * that any arithmetic on it stays visibly unknown.
 */
export const BATCH = Number.NaN;

/** A Foliate node made by the import, with the name it should get and whether it is an Add of a constant. */
export interface MadeNode {
  layer: LooseLayer;
  name: string;
  /** An Add of a per-channel constant (kept as an exact affine batchNorm unless folded into a bias). */
  biasAdd?: Float64Array;
}

/** One ONNX node being imported. */
export interface NodeContext {
  node: OnnxNode;
  op: string;
  /** `ONNX node 3 "/layer1/Add" (Add)`, the prefix of every message about this node. */
  where: string;
  attrs: NodeAttributes;
  inputs: string[];
  outputs: string[];
  opset: number;
  /** The name the Foliate node made from this ONNX node gets (PyTorch module path when there is one). */
  name: string;
  g: ImportState;
}

export class ImportState {
  readonly nodes: MadeNode[] = [];
  private readonly values = new Map<string, OnnxValue>();
  head: "softmax" | "none" = "none";

  constructor(
    /** The data input's fixed batch size, or BATCH when it is symbolic. */
    readonly batch: number,
  ) {}

  define(name: string, value: OnnxValue): void {
    if (name) this.values.set(name, value);
  }

  /** The value of input k of the node; a missing tensor is a ModelFormatError. */
  value(ctx: NodeContext, k: number): OnnxValue {
    const name = ctx.inputs[k] ?? "";
    const v = name ? this.values.get(name) : undefined;
    if (!v) throw new ModelFormatError(`${ctx.where}: input ${k} "${name}" is produced by no earlier node, initializer or graph input`);
    return v;
  }

  /** Input k as a computed tensor (not a constant, not a pending Pad). */
  data(ctx: NodeContext, k = 0): DataValue {
    const v = this.value(ctx, k);
    if (v.kind === "data") return v;
    if (v.kind === "padded")
      throw new UnsupportedLayerError(`${ctx.where}: reads the output of ${v.by}; a non-zero Pad is supported only right before a Conv or an AveragePool`);
    throw new UnsupportedLayerError(`${ctx.where}: input ${k} "${ctx.inputs[k]}" is a constant; ${ctx.op} is supported on tensors computed from the model input`);
  }

  /** Input k as a constant (initializer, Constant, or folded shape arithmetic); `what` names its role. */
  constant(ctx: NodeContext, k: number, what: string): ConstTensor {
    const v = this.value(ctx, k);
    if (v.kind !== "const")
      throw new UnsupportedLayerError(`${ctx.where}: the ${what} (input ${k} "${ctx.inputs[k]}") is computed in the graph; Foliate needs it as an initializer or Constant`);
    return v.tensor;
  }

  /** True when input k is present and constant. */
  isConstant(ctx: NodeContext, k: number): boolean {
    const name = ctx.inputs[k] ?? "";
    return name !== "" && this.values.get(name)?.kind === "const";
  }

  /** Append a Foliate node reading `inputs` and define the ONNX node's first output as its value. */
  push(ctx: NodeContext, layer: LooseLayer, inputs: DataValue[], flow: Flow, biasAdd?: Float64Array): DataValue {
    const made: MadeNode = { layer: { ...layer, inputs: inputs.map((v) => v.node) } as LooseLayer, name: ctx.name, biasAdd };
    this.nodes.push(made);
    const value: DataValue = { kind: "data", node: this.nodes.length - 1, flow };
    this.define(ctx.outputs[0], value);
    return value;
  }
}

/** Number of values of a flow per sample. */
export function flowSize(f: Flow): number {
  return f.kind === "image" ? f.c * f.h * f.w : f.d;
}

/** The per-sample ONNX dims of a flow ([C, H, W], [d] or [d, 1, 1]). */
export function onnxDims(f: Flow): number[] {
  return f.kind === "image" ? [f.c, f.h, f.w] : f.pooled ? [f.d, 1, 1] : [f.d];
}

/** How a flow is described in messages: `[n, 16, 32, 32]`. */
export function describeFlow(f: Flow): string {
  return `[n, ${onnxDims(f).join(", ")}]`;
}

/** The number of channels (ONNX axis 1) of a flow. */
export function channelsOf(f: Flow): number {
  return f.kind === "image" ? f.c : f.d;
}

/** For a flat vector in ONNX (c, h, w) order: the ONNX index of Foliate's (h, w, c)-ordered index i. */
export function onnxIndexOf(flow: Flow): (i: number) => number {
  if (flow.kind !== "flat" || !flow.chw) return (i) => i;
  const [c, h, w] = flow.chw;
  return (i) => {
    const ch = i % c;
    const pixel = (i - ch) / c; // y·W + x
    return ch * h * w + pixel;
  };
}
