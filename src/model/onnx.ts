/**
 * ONNX import (`Model.fromOnnx(bytes)`): network graphs as `torch.onnx.export` (PyTorch 1.13, opset 11–17)
 * writes them, mapped onto Foliate's node graph. The nodes are walked in file order (src/model/onnx-graph.ts);
 * each op family has its module: onnx-window-ops.ts (Conv, MaxPool, AveragePool, GlobalAveragePool, Pad),
 * onnx-tensor-ops.ts (Gemm, MatMul, BatchNormalization, Add, Concat, Flatten, Reshape, activations, Softmax,
 * Identity, Dropout), onnx-shape-ops.ts (Constant, Shape, Gather, Unsqueeze: the shape arithmetic of
 * `x.view(x.size(0), -1)`), then onnx-fuse.ts folds constant Adds into biases and activations into their
 * producers, and onnx-names.ts names the nodes after PyTorch's modules (`layer1.0.relu1`).
 *
 * - Graph inputs that have an initializer are constants (weights); exactly one data input remains, [n, d] or
 *   [n, C, H, W]. The graph has one output.
 * - Conv: any pads / auto_pad, strides, dilations, group (depthwise); MaxPool: pads, ceil_mode; AveragePool:
 *   pads, ceil_mode, count_include_pad; GlobalAveragePool and ReduceMean over H, W (`x.mean((2, 3))`); a zero Pad in front of a Conv or AveragePool folds into its pads
 *   (PyTorch writes AvgPool2d(count_include_pad=True, padding=p) that way).
 * - BatchNormalization (inference) stays a batchNorm node (the compiler folds it into a preceding conv/dense).
 * - Add of two computed tensors is a residual `add`; Add of a per-channel constant is a bias; Add, Sub, Mul
 *   or Div with a scalar or per-channel constant (e.g. input normalization) is an exact affine node.
 * - A final Softmax becomes `head: "softmax"` (the output stays the logits).
 * - Anything else is an UnsupportedLayerError naming the node (index, name, op) and the attribute or input
 *   that is not supported; a malformed graph is a ModelFormatError.
 *
 * Layout: ONNX/PyTorch images are channels-first (NCHW); Foliate is channels-last (NHWC). The imported model
 * takes NHWC input: an ONNX input [n, C, H, W] becomes `inputShape` [H, W, C], flattened row-major as
 * (h, w, c), so a PyTorch input x[c, h, w] sits at Foliate index (h·W + w)·C + c. Conv kernels
 * [outC, inC/groups, kh, kw] become [kh, kw, inC/groups, outC]; the rows of a dense layer after a Flatten of
 * an image are permuted from PyTorch's (c, h, w) order to Foliate's (h, w, c) order (likewise per-feature
 * constants on such a vector), Concat on axis 1 concatenates channels. Outputs are identical to PyTorch's for
 * the same image; the Jacobian's columns are in the NHWC input order. A model whose output is an image gives
 * it NHWC; an output that is a flattened image is refused (it would come out permuted).
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import { decodeOnnxModel, defaultOpset, int64, NodeAttributes, constTensor } from "./onnx-decode.js";
import { BATCH, ImportState, type NodeContext, type Flow } from "./onnx-graph.js";
import { onnxNodeNames } from "./onnx-names.js";
import { tidyNodes } from "./onnx-fuse.js";
import { importConv, importGlobalAveragePool, importPad, importPool, importReduceMean } from "./onnx-window-ops.js";
import { importActivation, importAdd, importConstantAffine, importBatchNorm, importConcat, importDense, importFlatten, importIdentity, importReshape, importSoftmax } from "./onnx-tensor-ops.js";
import { importConstant, importGather, importShape, importUnsqueeze } from "./onnx-shape-ops.js";
import { INPUT, type LooseModelSpec } from "./types.js";

type OpImporter = (ctx: NodeContext, graphOutput: string) => void;

/** ONNX op types the importer maps (in the default domain), each to its importer. */
const IMPORTERS: Record<string, OpImporter> = {
  Gemm: importDense,
  MatMul: importDense,
  Add: importAdd,
  Sub: importConstantAffine,
  Mul: importConstantAffine,
  Div: importConstantAffine,
  Conv: importConv,
  MaxPool: importPool,
  AveragePool: importPool,
  GlobalAveragePool: importGlobalAveragePool,
  ReduceMean: importReduceMean,
  BatchNormalization: importBatchNorm,
  Concat: importConcat,
  Flatten: importFlatten,
  Reshape: importReshape,
  Relu: importActivation,
  LeakyRelu: importActivation,
  Sigmoid: importActivation,
  Tanh: importActivation,
  Softplus: importActivation,
  Softmax: importSoftmax,
  Identity: importIdentity,
  Dropout: importIdentity,
  Constant: importConstant,
  Shape: importShape,
  Gather: importGather,
  Unsqueeze: importUnsqueeze,
  Pad: importPad,
};

export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(IMPORTERS);

/**
 * Decode an ONNX model and map it to a Foliate ModelSpec (NHWC, see the module comment).
 * @example
 * const spec = modelFromOnnx(new Uint8Array(await readFile("resnet.onnx"))); // { inputShape: [32, 32, 3], layers: [...], head: "none" }
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
    if (!domainOk || !Object.hasOwn(IMPORTERS, node.opType ?? ""))
      throw new UnsupportedLayerError(`${where(i)}${domainOk ? "" : ` in domain "${node.domain}"`} is not supported; Foliate imports ${SUPPORTED_ONNX_OPS.join(", ")}`);
  });

  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const dataInputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? ""));
  if (dataInputs.length !== 1)
    throw new ModelFormatError(`ONNX graph has ${dataInputs.length} data inputs (${dataInputs.map((v) => v.name).join(", ")}); Foliate imports single-input networks`);
  if ((graph.output ?? []).length !== 1) throw new ModelFormatError(`ONNX graph has ${(graph.output ?? []).length} outputs; Foliate imports single-output networks`);
  const input = dataInputs[0];
  const outputName = graph.output![0].name ?? "";
  const { flow, batch } = inputFlow(input);

  const g = new ImportState(batch);
  for (const [name, t] of initializers) g.define(name, { kind: "const", tensor: constTensor(t, name) });
  g.define(input.name ?? "", { kind: "data", node: INPUT, flow });
  const names = onnxNodeNames(nodes);
  nodes.forEach((node, i) => {
    const ctx: NodeContext = {
      node,
      op: node.opType ?? "",
      where: where(i),
      attrs: new NodeAttributes(where(i), node),
      inputs: node.input ?? [],
      outputs: node.output ?? [],
      opset,
      name: names[i],
      g,
    };
    IMPORTERS[ctx.op](ctx, outputName);
  });

  const producer = nodes.findIndex((n) => (n.output ?? []).includes(outputName));
  const outputLabel = `the graph output "${outputName}"${producer >= 0 ? ` (of ${where(producer)})` : ""}`;
  let out = g.value({ where: outputLabel, inputs: [outputName] } as NodeContext, 0);
  if (out.kind !== "data") throw new UnsupportedLayerError(`${outputLabel} is not computed from the model input; Foliate imports networks of the input`);
  if (out.node === INPUT) {
    // The output is the input (Identity, Dropout, or a Softmax head alone): one identity node.
    g.nodes.push({ layer: { type: "activation", activation: "linear", inputs: [INPUT] }, name: producer >= 0 ? names[producer] : "identity" });
    out = { kind: "data", node: g.nodes.length - 1, flow: out.flow };
  }
  if (out.flow.kind === "flat" && out.flow.chw)
    throw new UnsupportedLayerError(`${outputLabel} is a flattened channels-first feature map, which would come out in Foliate's channels-last order; end the network with a Gemm/MatMul`);
  const { layers } = tidyNodes(g.nodes, out.node);
  const inputShape = flow.kind === "image" ? [flow.h, flow.w, flow.c] : [flow.d];
  return { inputShape, layers, head: g.head };
}

/** The per-sample layout of the data input ([n, d] or [n, C, H, W], fixed sizes after the batch axis) and its batch size (BATCH when symbolic). */
function inputFlow(input: { name?: string | null; type?: any }): { flow: Flow; batch: number } {
  const tensorType = input.type?.tensorType;
  const elem = tensorType?.elemType ?? 0;
  if (elem !== 1 && elem !== 11) throw new UnsupportedLayerError(`ONNX input "${input.name}" has element type ${elem}; expected FLOAT (1) or DOUBLE (11)`);
  const dims: { dimValue?: unknown; dimParam?: string | null }[] = tensorType?.shape?.dim ?? [];
  const size = (d: (typeof dims)[number]) => (d.dimParam || d.dimValue === undefined || d.dimValue === null ? 0 : int64(d.dimValue as Parameters<typeof int64>[0], `input "${input.name}" dims`));
  const sizes = dims.slice(1).map(size);
  if ((dims.length !== 2 && dims.length !== 4) || sizes.some((s) => !Number.isSafeInteger(s) || s < 1))
    throw new UnsupportedLayerError(
      `ONNX input "${input.name}" must be [n, d] or [n, C, H, W] with fixed sizes after the batch axis, got [${dims.map((d) => d.dimParam || String(d.dimValue ?? "?")).join(", ")}]`,
    );
  const batch = dims[0] && !dims[0].dimParam && size(dims[0]) > 0 ? size(dims[0]) : BATCH;
  const flow: Flow = sizes.length === 1 ? { kind: "flat", d: sizes[0] } : { kind: "image", c: sizes[0], h: sizes[1], w: sizes[2] };
  return { flow, batch };
}
