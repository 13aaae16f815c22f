/**
 * The ONNX project's own node conformance cases (Debian package `libonnx-testdata`,
 * /usr/share/libonnx-testdata/data/node/<case>/{model.onnx, test_data_set_0/input_k.pb, output_0.pb}) for
 * every op Foliate imports: each case whose ops are all supported becomes a single-input model (input 0 is the
 * data; the case's other inputs, e.g. the Conv kernel, become initializers with their test values), is imported
 * with Model.fromOnnx, evaluated per batch sample with the float64 reference forward (NCHW → NHWC on the way in,
 * NHWC → NCHW on the way out), and through the Wasm graph kernels (the compiled network, float64 and float32),
 * and compared with output_0.pb. None may mismatch; every refused case must be a
 * FoliateError naming the ONNX op. Cases Foliate's input form cannot express (a data input of rank other than
 * 2 or 4, a non-float data input, several graph outputs) are counted as not applicable.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import onnxProto from "onnx-proto";
import { FoliateError } from "../../src/errors.js";
import { Model } from "../../src/model/model.js";
import { SUPPORTED_ONNX_OPS } from "../../src/model/onnx.js";
import { constTensor } from "../../src/model/onnx-decode.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { Arena } from "../../src/engine/arena.js";
import { uploadNetwork, type GraphKernels } from "../../src/engine/network.js";
import { compileNetwork, valueBlock } from "../../src/model/compile.js";

const { onnx } = onnxProto;
const NODE_CASES = "/usr/share/libonnx-testdata/data/node";

type Outcome =
  | { kind: "matched"; error: number; kernelF64: number; kernelF32: number }
  | { kind: "mismatched"; error: number }
  | { kind: "rejected"; message: string; namesOp: boolean; foliate: boolean }
  | { kind: "notApplicable"; why: string };

const readTensor = (file: string) => onnx.TensorProto.decode(new Uint8Array(readFileSync(file)));

/** Per-sample NCHW [C, H, W] ↔ NHWC index map: NHWC index i → NCHW index. */
const nchwOf = (c: number, h: number, w: number) => (i: number) => (i % c) * h * w + Math.floor(i / c);

/**
 * The compiled network through the Wasm graph kernels (netForward, f32 or f64 instance) on every sample: the
 * outputs per sample (NHWC), one row each. The arena is shared by all cases; each case runs in a scope.
 */
function kernelOutputs(arena: Arena, m: Model, xs: Float64Array[], precision: "f32" | "f64"): Float64Array[] {
  return arena.scoped(() => {
    const k = arena.kernels<GraphKernels>();
    const net = compileNetwork(m);
    const desc = uploadNetwork(arena, net)[precision];
    const bytes = precision === "f32" ? 4 : 8;
    const out = valueBlock(net, net.outputNode);
    return xs.map((x) => {
      const px = precision === "f32" ? arena.putF32(x) : arena.putF64(x);
      const values = arena.alloc(net.valueSize * bytes);
      const pre = arena.alloc(Math.max(1, net.preSize) * bytes);
      const argmax = arena.allocI32(Math.max(1, net.argSize));
      (precision === "f32" ? k.graphForwardF32 : k.graphForwardF64)(desc, px, 1, values, pre, argmax);
      const at = values + out.offset * bytes;
      return Float64Array.from(precision === "f32" ? arena.f32(at, out.size) : arena.f64(at, out.size));
    });
  });
}

function runCase(dir: string, arena: Arena): Outcome | undefined {
  const model = onnx.ModelProto.decode(new Uint8Array(readFileSync(join(dir, "model.onnx"))));
  const graph = model.graph!;
  const ops = (graph.node ?? []).map((n) => n.opType ?? "");
  if (ops.length === 0 || !(graph.node ?? []).every((n) => (!n.domain || n.domain === "ai.onnx") && SUPPORTED_ONNX_OPS.includes(n.opType ?? ""))) return undefined;
  const data = join(dir, "test_data_set_0");
  const initialized = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((v) => !initialized.has(v.name));
  if (inputs.length === 0 || !existsSync(join(data, "input_0.pb"))) return { kind: "notApplicable", why: "no data input" };
  if ((graph.output ?? []).length !== 1) return { kind: "notApplicable", why: "several graph outputs" };
  const x = readTensor(join(data, "input_0.pb"));
  if (x.dataType !== 1 && x.dataType !== 11) return { kind: "notApplicable", why: "non-float data input" };
  const xDims = (x.dims ?? []).map(Number);
  if (xDims.length !== 2 && xDims.length !== 4) return { kind: "notApplicable", why: `data input of rank ${xDims.length}` };
  // The other inputs become initializers holding the case's values.
  for (let k = 1; k < inputs.length; k++) {
    const t = readTensor(join(data, `input_${k}.pb`));
    graph.initializer = [...(graph.initializer ?? []), { ...t, name: inputs[k].name }];
  }
  const bytes = onnx.ModelProto.encode(model).finish();
  let m: Model;
  try {
    m = Model.fromOnnx(bytes);
  } catch (e) {
    const message = (e as Error).message;
    return { kind: "rejected", message, foliate: e instanceof FoliateError, namesOp: ops.some((op) => message.includes(`(${op})`)) };
  }
  const X = constTensor(x, "input_0").values;
  const Y = readTensor(join(data, "output_0.pb"));
  const expected = constTensor(Y, "output_0").values;
  const n = xDims[0];
  const d = X.length / n;
  const mOut = expected.length / n;
  const toNhwc = xDims.length === 4 ? nchwOf(xDims[1], xDims[2], xDims[3]) : (i: number) => i;
  const outShape = m.shapes[m.shapes.length - 1];
  const outNchw = outShape.length === 3 ? nchwOf(outShape[2], outShape[0], outShape[1]) : (i: number) => i;
  if (m.outputSize !== mOut) return { kind: "mismatched", error: Infinity };
  const xs = Array.from({ length: n }, (_, p) => Float64Array.from({ length: d }, (_, i) => X[p * d + toNhwc(i)]));
  /** Worst elementwise |y − e| / (1e-3 + |e|) of per-sample outputs (NHWC) against the case's NCHW output. */
  const worst = (ys: Float64Array[]) => {
    let error = 0;
    ys.forEach((logits, p) => {
      const y = m.head === "softmax" ? softmax(logits) : logits;
      for (let i = 0; i < mOut; i++) {
        const e = expected[p * mOut + outNchw(i)];
        error = Math.max(error, Math.abs(y[i] - e) / (1e-3 + Math.abs(e)));
      }
    });
    return error;
  };
  const error = worst(xs.map((x) => referenceForward(m, x).output));
  const kernelF64 = worst(kernelOutputs(arena, m, xs, "f64"));
  const kernelF32 = worst(kernelOutputs(arena, m, xs, "f32"));
  // float32 test data: relative 1e-4 (absolute 1e-7 near zero), for the float64 reference and both kernel precisions
  return Math.max(error, kernelF64, kernelF32) <= 1e-4 ? { kind: "matched", error, kernelF64, kernelF32 } : { kind: "mismatched", error: Math.max(error, kernelF64, kernelF32) };
}

it("ONNX node conformance cases of the supported ops: tried / matched / rejected, none mismatches (float64 reference and Wasm graph kernels)", async () => {
  if (!existsSync(NODE_CASES)) {
    console.log(`ONNX conformance: skipped, ${NODE_CASES} is absent (install the Debian package libonnx-testdata)`);
    return;
  }
  const arena = await Arena.create();
  const outcomes = new Map<string, Outcome>();
  for (const name of readdirSync(NODE_CASES).sort()) {
    const dir = join(NODE_CASES, name);
    if (!existsSync(join(dir, "model.onnx"))) continue;
    const o = runCase(dir, arena);
    if (o) outcomes.set(name, o);
  }
  const of = <K extends Outcome["kind"]>(kind: K) => [...outcomes].filter((e): e is [string, Extract<Outcome, { kind: K }>] => e[1].kind === kind);
  const matched = of("matched");
  const rejected = of("rejected");
  const mismatched = of("mismatched");
  const notApplicable = of("notApplicable");
  const tried = matched.length + rejected.length + mismatched.length;
  const lines = [
    `ONNX conformance (${NODE_CASES}): ${outcomes.size} cases use only supported ops; tried ${tried}, matched ${matched.length}, rejected ${rejected.length}, mismatched ${mismatched.length}; not applicable ${notApplicable.length}`,
    `  matched (worst error: reference / Wasm f64 / Wasm f32): ${matched.map(([k, o]) => `${k} (${[o.error, o.kernelF64, o.kernelF32].map((e) => e.toExponential(1)).join(" / ")})`).join(", ")}`,
    ...rejected.map(([k, o]) => `  rejected ${k}: ${o.message}`),
    ...notApplicable.map(([k, o]) => `  not applicable ${k}: ${o.why}`),
    ...mismatched.map(([k, o]) => `  MISMATCHED ${k}: max relative error ${o.error}`),
  ];
  console.log(lines.join("\n"));
  expect(mismatched.map(([k]) => k)).toEqual([]);
  for (const [k, o] of rejected) {
    expect(o.foliate, `${k}: ${o.message}`).toBe(true);
    expect(o.namesOp, `${k}: ${o.message}`).toBe(true);
  }
  expect(matched.length).toBeGreaterThan(20);
});
