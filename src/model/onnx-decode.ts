/**
 * The protobuf side of ONNX import: decoding a ModelProto, reading node attributes and turning
 * initializers / Constant tensors into float64 arrays, with every size checked before allocation.
 *
 * Decoder: `onnx-proto` (`onnx.ModelProto.decode`). It is static code generated from ONNX's own onnx.proto by
 * protobufjs, so the field numbers are the authoritative ones (no hand-written schema to get wrong), and
 * decoding needs no runtime code generation (`new Function`), so it also runs under a strict
 * Content-Security-Policy in browsers, where protobufjs reflection (`Root.fromJSON(...).lookupType`) would
 * not. Malformed or truncated protobuf bytes make it throw; we rethrow as ModelFormatError.
 */
import onnxProto from "onnx-proto";
import { ModelFormatError, NonFiniteError, UnsupportedLayerError } from "../errors.js";
import { LIMITS } from "./types.js";

const { onnx } = onnxProto;
export type OnnxModel = onnxProto.onnx.IModelProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
type Int64 = number | { low: number; high: number; unsigned?: boolean } | null | undefined;

/** A decoded constant (initializer or Constant node output): values in row-major order. */
export interface ConstTensor {
  dims: number[];
  values: Float64Array; // prod(dims), row-major
}

/** Decode ONNX protobuf bytes; throws ModelFormatError for anything that is not a ModelProto with a graph. */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw new ModelFormatError(`ONNX import expects the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0) throw new ModelFormatError("ONNX import: the file is empty");
  let model: OnnxModel;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFormatError(
      `not a valid ONNX file: protobuf decoding failed (${(e as Error).message}); the ${bytes.length} bytes are truncated or not an ONNX ModelProto`,
    );
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0)
    throw new ModelFormatError(`not a valid ONNX file: the ${bytes.length} bytes decode to a ModelProto without a graph of nodes`);
  return model;
}

/** The version of the default ("" / "ai.onnx") operator set, or 0 when the file does not say. */
export function defaultOpset(model: OnnxModel): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
  return entry ? int64(entry.version as Int64, "opset version") : 0;
}

/** An int64 from protobufjs (a number, or a Long when the `long` package is installed) as a safe integer. */
export function int64(v: Int64, what: string): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === "number" ? v : v.high * 4294967296 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new ModelFormatError(`ONNX ${what}: ${n} is not a representable integer`);
  return n;
}

/** Reads the attributes of one node by name, with the ONNX defaults given by the caller. */
export class NodeAttributes {
  private readonly byName = new Map<string, onnxProto.onnx.IAttributeProto>();
  constructor(private readonly where: string, node: OnnxNode) {
    for (const a of node.attribute ?? []) this.byName.set(a.name ?? "", a);
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? int64(a.i as Int64, `${this.where} attribute ${name}`) : fallback;
  }
  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? float32Literal(a.f ?? 0) : fallback;
  }
  ints(name: string, fallback: number[]): number[] {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map((v) => int64(v as Int64, `${this.where} attribute ${name}`)) : fallback;
  }
  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }
  tensor(name: string): OnnxTensor | undefined {
    return this.byName.get(name)?.t ?? undefined;
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
}

/**
 * ONNX stores float attributes (LeakyRelu alpha, Gemm alpha/beta) as float32: 0.1 arrives as
 * 0.10000000149011612. Return the shortest decimal that rounds to the same float32, which is the value the
 * author wrote in PyTorch (negative_slope=0.1) in every practical case.
 */
export function float32Literal(f: number): number {
  const target = Math.fround(f);
  for (let digits = 1; digits <= 9; digits++) {
    const v = Number(target.toPrecision(digits));
    if (Math.fround(v) === target) return v;
  }
  return target;
}

const DATA_TYPE_NAMES: Record<number, string> = {
  0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING", 9: "BOOL",
  10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16",
};
const FLOAT = 1, INT32 = 6, INT64 = 7, DOUBLE = 11;

/**
 * The values of an initializer or Constant tensor: FLOAT / DOUBLE from raw_data (little-endian) or
 * float_data / double_data; INT64 / INT32 (shapes, pads) likewise. Declared dims are checked against the
 * stored length before anything is allocated. Float values must be finite.
 */
export function constTensor(t: OnnxTensor, name: string): ConstTensor {
  const dims = (t.dims ?? []).map((d) => int64(d as Int64, `tensor "${name}" dims`));
  let count = 1;
  for (const d of dims) {
    if (d < 0) throw new ModelFormatError(`ONNX tensor "${name}": negative dimension in dims [${dims}]`);
    count *= d;
  }
  if (count > LIMITS.maxParameters)
    throw new ModelFormatError(`ONNX tensor "${name}": dims [${dims}] hold ${count} values, above the limit of ${LIMITS.maxParameters}`);
  if (t.dataLocation === 1)
    throw new UnsupportedLayerError(`ONNX tensor "${name}" is stored in an external data file; export with the weights inside the .onnx file`);
  const type = t.dataType ?? 0;
  const itemSize = type === FLOAT || type === INT32 ? 4 : type === DOUBLE || type === INT64 ? 8 : 0;
  if (itemSize === 0)
    throw new UnsupportedLayerError(
      `ONNX tensor "${name}" has data type ${DATA_TYPE_NAMES[type] ?? type}; Foliate reads FLOAT and DOUBLE weights (and INT64/INT32 shapes)`,
    );
  const raw = t.rawData;
  const typed: ArrayLike<number | Int64> | null | undefined =
    type === FLOAT ? t.floatData : type === DOUBLE ? t.doubleData : type === INT32 ? t.int32Data : t.int64Data;
  const stored = raw && raw.length > 0 ? raw.length / itemSize : (typed?.length ?? 0);
  if (stored !== count)
    throw new ModelFormatError(
      `ONNX tensor "${name}": dims [${dims}] declare ${count} values of ${DATA_TYPE_NAMES[type]}, the file stores ${raw && raw.length > 0 ? `${raw.length} bytes` : `${stored} values`}`,
    );
  const values = new Float64Array(count); // row-major
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      if (type === FLOAT) values[i] = view.getFloat32(4 * i, true);
      else if (type === DOUBLE) values[i] = view.getFloat64(8 * i, true);
      else if (type === INT32) values[i] = view.getInt32(4 * i, true);
      else values[i] = safeBigInt(view.getBigInt64(8 * i, true), name);
    }
  } else {
    for (let i = 0; i < count; i++) {
      const v = typed![i];
      values[i] = typeof v === "number" ? v : int64(v as Int64, `tensor "${name}"`);
    }
  }
  if (type === FLOAT || type === DOUBLE) {
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new NonFiniteError(`ONNX tensor "${name}": value ${values[bad]} at flat index ${bad}; weights must be finite`);
  }
  return { dims, values };
}

function safeBigInt(v: bigint, name: string): number {
  if (v > 9007199254740991n || v < -9007199254740991n)
    throw new ModelFormatError(`ONNX tensor "${name}": INT64 value ${v} is not a representable integer`);
  return Number(v);
}

/** Output of a Constant node (attribute `value`, `value_float(s)` or `value_int(s)`). */
export function constantNodeTensor(node: OnnxNode, where: string): ConstTensor {
  const attrs = new NodeAttributes(where, node);
  const t = attrs.tensor("value");
  if (t) return constTensor(t, node.output?.[0] ?? where);
  const a = (node.attribute ?? [])[0];
  if (a && a.name === "value_float") return { dims: [], values: Float64Array.of(a.f ?? 0) };
  if (a && a.name === "value_int") return { dims: [], values: Float64Array.of(int64(a.i as Int64, where)) };
  if (a && a.name === "value_floats") return { dims: [a.floats?.length ?? 0], values: Float64Array.from(a.floats ?? []) };
  if (a && a.name === "value_ints") {
    const v = (a.ints ?? []).map((x) => int64(x as Int64, where));
    return { dims: [v.length], values: Float64Array.from(v) };
  }
  throw new UnsupportedLayerError(`${where}: Constant with attribute ${attrs.names().join(", ") || "(none)"} is not supported (expected value, value_float(s) or value_int(s))`);
}
