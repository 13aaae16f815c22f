/**
 * Hand-built ONNX files for tests: a tiny description → ModelProto bytes, encoded with onnx-proto (the same
 * generated code the importer decodes with, so field numbers cannot drift between the two).
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export interface TestTensor {
  dims: number[];
  values: number[];
  /** "raw" (default): little-endian raw_data; "typed": float_data / double_data / int64_data. */
  storage?: "raw" | "typed";
  /** ONNX data type: 1 FLOAT (default), 11 DOUBLE, 7 INT64, 10 FLOAT16 ... */
  dataType?: number;
  external?: boolean;
}

export interface TestNode {
  op: string;
  inputs: string[];
  outputs?: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, number | number[] | string | TestTensor>;
  /** Attributes written as FLOAT instead of INT (alpha, beta, value). */
  floatAttrs?: string[];
}

export interface TestGraph {
  /** Data input dims, batch first ("n" is a named dimension). */
  input: (number | "n")[];
  outputName?: string;
  nodes: TestNode[];
  initializers?: Record<string, TestTensor>;
  opset?: number;
}

export function tensorProto(name: string, t: TestTensor): onnxProto.onnx.ITensorProto {
  const dataType = t.dataType ?? 1;
  const base: onnxProto.onnx.ITensorProto = { name, dims: t.dims, dataType };
  if (t.external) return { ...base, dataLocation: 1, externalData: [{ key: "location", value: "weights.bin" }] };
  if (t.storage === "typed") {
    if (dataType === 11) return { ...base, doubleData: t.values };
    if (dataType === 7) return { ...base, int64Data: t.values };
    return { ...base, floatData: t.values };
  }
  const size = dataType === 11 || dataType === 7 ? 8 : dataType === 10 ? 2 : 4;
  const raw = new Uint8Array(t.values.length * size);
  const view = new DataView(raw.buffer);
  t.values.forEach((v, i) => {
    if (dataType === 11) view.setFloat64(8 * i, v, true);
    else if (dataType === 7) view.setBigInt64(8 * i, BigInt(v), true);
    else if (dataType === 10) view.setUint16(2 * i, 0x3c00, true);
    else view.setFloat32(4 * i, v, true);
  });
  return { ...base, rawData: raw };
}

function attribute(name: string, v: number | number[] | string | TestTensor, asFloat: boolean): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === "string") return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === "number") return asFloat ? { name, type: T.FLOAT, f: v } : { name, type: T.INT, i: v };
  return { name, type: T.TENSOR, t: tensorProto(name, v) };
}

/** Encode a graph x → nodes → y (the last node's first output is the graph output unless outputName says). */
export function buildOnnx(g: TestGraph): Uint8Array {
  const last = g.nodes[g.nodes.length - 1];
  const outputName = g.outputName ?? last.outputs?.[0] ?? "y";
  const dim = (d: number | "n") => (d === "n" ? { dimParam: "n" } : { dimValue: d });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: "foliate-test",
    opsetImport: [{ domain: "", version: g.opset ?? 13 }],
    graph: {
      name: "test",
      node: g.nodes.map((n, i) => ({
        opType: n.op,
        name: n.name ?? `node${i}_${n.op}`,
        domain: n.domain ?? "",
        input: n.inputs,
        output: n.outputs ?? [i === g.nodes.length - 1 ? outputName : `t${i}`],
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v, (n.floatAttrs ?? ["alpha", "beta"]).includes(k))),
      })),
      initializer: Object.entries(g.initializers ?? {}).map(([name, t]) => tensorProto(name, t)),
      input: [{ name: "x", type: { tensorType: { elemType: 1, shape: { dim: g.input.map(dim) } } } }],
      output: [{ name: outputName, type: { tensorType: { elemType: 1 } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Nodes of a chain: node i reads t{i-1} (x for the first), then its `extra` inputs (initializer names). */
export function chain(nodes: (Omit<TestNode, "inputs"> & { extra?: string[] })[]): TestNode[] {
  return nodes.map(({ extra, ...n }, i) => ({ ...n, inputs: [i === 0 ? "x" : `t${i - 1}`, ...(extra ?? [])] }));
}
