/** `foliate info model.(json|onnx)`: layers, shapes, parameter counts and the widths that bound linear regions. */
import type { Model } from "../../model/model.js";
import type { CliCommand } from "../command.js";
import { loadModelFile } from "../files.js";

export interface ModelInfo {
  inputShape: number[];
  inputSize: number;
  outputSize: number;
  head: "softmax" | "none";
  parameters: number;
  piecewiseLinear: boolean;
  layers: { index: number; type: string; activation?: string; outputShape: number[]; parameters: number }[];
  /** Width (unit count) of each layer followed by relu/leakyRelu: the hyperplane arrangements' sizes. */
  reluWidths: number[];
  /** Σ reluWidths: the number of bits in an activation pattern (an upper bound's exponent on region count). */
  reluUnits: number;
}

export function modelInfo(model: Model): ModelInfo {
  const layers = model.layers.map((l, i) => ({
    index: i,
    type: l.type,
    ...("activation" in l ? { activation: l.activation } : {}),
    outputShape: model.shapes[i],
    parameters: "kernel" in l ? l.kernel.length + l.bias.length : 0,
  }));
  const reluWidths = model.layers
    .map((l, i) => ("activation" in l && (l.activation === "relu" || l.activation === "leakyRelu") ? model.shapes[i].reduce((a, b) => a * b, 1) : 0))
    .filter((w) => w > 0);
  return {
    inputShape: model.inputShape, inputSize: model.inputSize, outputSize: model.outputSize, head: model.head,
    parameters: model.parameterCount, piecewiseLinear: model.isPiecewiseLinear, layers, reluWidths,
    reluUnits: reluWidths.reduce((a, b) => a + b, 0),
  };
}

export function formatInfo(path: string, info: ModelInfo): string {
  const rows = info.layers.map((l) => [String(l.index), l.type + (l.activation && l.type !== "activation" ? `(${l.activation})` : l.activation ? `:${l.activation}` : ""), `[${l.outputShape.join(", ")}]`, String(l.parameters)]);
  const table = [["#", "layer", "output shape", "params"], ...rows];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const lines = table.map((r) => r.map((v, c) => (c === 3 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  "));
  return [
    `${path}`,
    `input [${info.inputShape.join(", ")}] (d = ${info.inputSize}) → output ${info.outputSize}${info.head === "softmax" ? " (softmax head)" : ""}`,
    ...lines,
    `parameters: ${info.parameters}`,
    `piecewise linear: ${info.piecewiseLinear ? "yes" : "no"}; relu widths: [${info.reluWidths.join(", ")}] (${info.reluUnits} units)`,
  ].join("\n");
}

export const infoCommand: CliCommand = {
  name: "info",
  args: "<model>",
  summary: "layers, shapes, parameter count and ReLU widths of a model (.json or .onnx)",
  examples: ["foliate info model.json", "foliate info net.onnx --json"],
  async run([path]) {
    const info = modelInfo(await loadModelFile(path));
    return { data: info, text: formatInfo(path, info) };
  },
};
