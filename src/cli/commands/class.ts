/**
 * `foliate class [model]`: the equivalence class of a point (SiMEC): the points joined to it by a curve along
 * which the output stays constant, traced in ker g. The model is a foliate-model JSON/ONNX file or, with
 * `--weights`, a weight file of the SiMEC-1D reference code (Model.fromSimecText).
 */
import { readFile } from "node:fs/promises";
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine, workersOption } from "../engineSession.js";
import { checkOutputFile, loadModelFile, nest, writeArray, writeArraysJson } from "../files.js";
import { memoryBound, parseCount, STEPS_BOUND, tighter } from "../limits.js";
import { parseBox, parsePositive, parseSeed, readStart, startOptions } from "../pointOptions.js";
import { ModelLoadError } from "../../errors.js";
import { Model } from "../../model/model.js";
import type { PathOptions } from "../../analyses/equivalenceClass.js";

async function loadSimecWeights(path: string): Promise<Model> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new ModelLoadError(`could not read weight file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return Model.fromSimecText(text);
}

export const classCommand: CliCommand = {
  name: "class",
  args: "[model]",
  summary: "the equivalence class of a point (SiMEC: a walk in ker g keeping the output constant); drift and energy",
  options: (cmd) => {
    cmd.option("--weights <file>", "a SiMEC-1D text weight file (instead of a model file)");
    startOptions(cmd);
    cmd
      .option("--delta <δ>", "step length", "1e-3")
      .option("--steps <n>", "most steps per direction", "1000")
      .option("--null-tol <t>", "eigenvalues ≤ t·λmax count as null", "1e-6")
      .option("--box <lo:hi>", "project every step onto this box (each side a number or d comma-separated numbers)")
      .option("--one-way", "trace one direction only (default: both ways and joined, for curves)")
      .option("--seed <n>", "seed of the random direction choices", "0")
      .option("-o, --out <file>", "write the class: .npy (points k×d float64) or .json (points, outputs, drift, energy, ...)");
    workersOption(cmd);
  },
  examples: [
    "foliate class --weights data/simec-1d/surface_1_good_weights.csv --start 0.25,0.25 --steps 5000 --box=-1:1",
    "foliate class model.json --data moons:test --index 0 --steps 2000 --out class.json",
  ],
  async run([path], opts, ctx) {
    if (path && opts.weights) throw new UsageError("give either a model file or --weights <file>, not both");
    if (!path && !opts.weights) throw new UsageError("a model is required: a model file (.json/.onnx) or --weights <SiMEC-1D text file>");
    const out = await checkOutputFile("--out", opts.out, [".npy", ".json"]);
    const model = path ? await loadModelFile(path) : await loadSimecWeights(String(opts.weights));
    const { x0, source } = await readStart(opts, model.inputShape, ctx.log);
    const d = x0.length;
    // Both directions keep k×(d + m) float64 points and outputs, copied once when joined.
    const steps = parseCount("--steps", opts.steps, tighter(memoryBound(2 * 2 * 8 * (d + model.outputSize), "step"), STEPS_BOUND));
    const o: PathOptions = {
      delta: parsePositive(opts.delta, "--delta"), steps, nullTol: parsePositive(opts.nullTol, "--null-tol"), seed: parseSeed(opts.seed),
      ...(opts.box !== undefined ? { box: parseBox(opts.box, d) } : {}), ...(opts.oneWay ? { bothDirections: false } : {}),
    };
    const stage = ctx.progress.stage("class", 100);
    const r = await withEngine(opts, (engine) => engine.equivalenceClass(model, x0, { ...o, signal: ctx.signal, onProgress: (done, total) => stage.update(Math.round((100 * done) / total)) }));
    stage.done();
    const y0 = Array.from(r.outputs.subarray(r.startIndex * r.m, (r.startIndex + 1) * r.m));
    const summary = {
      source, k: r.k, d, m: r.m, startIndex: r.startIndex, y0, drift: r.drift, energy: r.energy, length: r.length,
      pseudoLength: r.pseudoLength, stopReason: r.stopReason, ...(r.stopReasonStart ? { stopReasonStart: r.stopReasonStart } : {}),
    };
    if (out?.toLowerCase().endsWith(".npy")) await writeArray(out, r.points, [r.k, d]);
    else if (out) await writeArraysJson(out, { points: { data: r.points, shape: [r.k, d] }, outputs: { data: r.outputs, shape: [r.k, r.m] } }, summary);
    const text = [
      `equivalence class of ${source}: ${r.k} points, length ${r.length.toPrecision(4)}, N(x0) = ${y0.map((v) => v.toPrecision(6)).join(", ")}`,
      `drift max‖N(x_k) − N(x0)‖∞ = ${r.drift.toExponential(2)}, energy Σδ vᵀgv = ${r.energy.toExponential(2)}, pseudo-length ${r.pseudoLength.toExponential(2)}`,
      `stopped: ${r.stopReason}${r.stopReasonStart ? ` (start side: ${r.stopReasonStart})` : ""}`,
      out ? `wrote ${out}` : "(use --out to save the class)",
    ].join("\n");
    return { data: out ? { ...summary, out } : { ...summary, points: nest(r.points, [r.k, d]), outputs: nest(r.outputs, [r.k, r.m]) }, text };
  },
};
