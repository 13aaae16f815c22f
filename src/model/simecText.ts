/**
 * The text weight format of the SiMEC-1D reference code (Benfenati & Marta, arXiv 2112.10583; repository
 * alessiomarta/simec-1d-test-code, folder `weights/`), tab- or space-separated:
 *
 *   L                                  number of layers
 *   rows cols out in TYPE              per layer: W is rows×cols (rows = outputs), TYPE FC_LAYER_SG | FC_LAYER_SP
 *   w_00 w_01 … (rows·cols values)     W row-major: W[i][j] = output i, input j
 *   b_0 … (rows values)                biases
 *
 * Layer i computes a_i = F(W a_{i−1} + b), every layer activated (the last one too). The result is a
 * ModelSpec of dense layers (kernel transposed to the [in, out] convention) with head "none".
 *
 * @example
 * parseSimecText("1\n1\t2\t1\t2\tFC_LAYER_SG\n0.5\t-1\n0.25\n").layers[0].kernel // Float64Array [0.5, -1]
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import { LIMITS, type ActivationName, type LooseLayer, type LooseModelSpec } from "./types.js";

/** Layer type tags of the format and the activation each one means. */
export const SIMEC_LAYER_TYPES: Readonly<Record<string, ActivationName>> = {
  FC_LAYER_SG: "sigmoid",
  FC_LAYER_SP: "softplus",
};

/** Parse the text of a SiMEC weight file into a ModelSpec. Malformed text throws ModelFormatError. */
export function parseSimecText(text: string): LooseModelSpec {
  if (typeof text !== "string") throw new ModelFormatError(`SiMEC text: expected a string, got ${typeof text}`);
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new ModelFormatError("SiMEC text: the file is empty (expected the layer count on line 1)");
  const count = Number(lines[0]);
  if (!Number.isInteger(count) || count < 1 || count > LIMITS.maxLayers)
    throw new ModelFormatError(`SiMEC text: line 1 must be the layer count (an integer in 1..${LIMITS.maxLayers}), got "${lines[0].slice(0, 40)}"`);
  if (lines.length !== 1 + 3 * count)
    throw new ModelFormatError(`SiMEC text: ${count} layers need ${1 + 3 * count} non-empty lines (count, then header, weights, biases per layer), got ${lines.length}`);
  const layers: Extract<LooseLayer, { type: "dense" }>[] = [];
  let prevOut = -1;
  let parameters = 0;
  for (let l = 0; l < count; l++) {
    const at = 1 + 3 * l;
    const head = lines[at].split(/\s+/);
    if (head.length !== 5) throw new ModelFormatError(`SiMEC text: layer ${l} header (line ${at + 1}) must be "rows cols out in TYPE", got "${lines[at].slice(0, 80)}"`);
    const [rows, cols, out, inp] = head.slice(0, 4).map((s, k) => dimension(s, l, ["rows", "cols", "out", "in"][k]));
    const type = head[4];
    const activation = SIMEC_LAYER_TYPES[type];
    if (!activation) throw new UnsupportedLayerError(`SiMEC text: layer ${l} has type "${type.slice(0, 40)}"; supported: ${Object.keys(SIMEC_LAYER_TYPES).join(", ")}`);
    if (rows !== out || cols !== inp) throw new ModelFormatError(`SiMEC text: layer ${l} header says W is ${rows}×${cols} but out×in is ${out}×${inp}`);
    if (prevOut >= 0 && cols !== prevOut) throw new ModelFormatError(`SiMEC text: layer ${l} takes ${cols} inputs but layer ${l - 1} gives ${prevOut} outputs`);
    parameters += rows * cols + rows;
    if (parameters > LIMITS.maxParameters) throw new ModelFormatError(`SiMEC text: more than ${LIMITS.maxParameters} parameters`);
    const w = numbers(lines[at + 1], rows * cols, l, "weights", at + 2);
    const bias = numbers(lines[at + 2], rows, l, "biases", at + 3);
    const kernel = new Float64Array(cols * rows); // cols×rows ([in, out]), row-major
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) kernel[j * rows + i] = w[i * cols + j];
    layers.push({ type: "dense", units: rows, kernel, bias, activation });
    prevOut = rows;
  }
  return { inputShape: [layers[0].kernel.length / layers[0].units], layers, head: "none" };
}

function dimension(s: string, layer: number, name: string): number {
  const v = Number(s);
  if (!/^\d+$/.test(s) || v < 1 || v > LIMITS.maxDimension)
    throw new ModelFormatError(`SiMEC text: layer ${layer} header field "${name}" must be an integer in 1..${LIMITS.maxDimension}, got "${s.slice(0, 40)}"`);
  return v;
}

function numbers(line: string, expected: number, layer: number, what: string, lineNo: number): Float64Array {
  const parts = line.split(/\s+/);
  if (parts.length !== expected) throw new ModelFormatError(`SiMEC text: layer ${layer} ${what} (line ${lineNo}) must have ${expected} values, got ${parts.length}`);
  const a = new Float64Array(expected);
  for (let i = 0; i < expected; i++) {
    const v = Number(parts[i]);
    if (parts[i] === "" || !Number.isFinite(v)) throw new ModelFormatError(`SiMEC text: layer ${layer} ${what} (line ${lineNo}) value ${i} is not a finite number: "${parts[i].slice(0, 40)}"`);
    a[i] = v;
  }
  return a;
}
