/** `foliate distances <model>`: spectral distances between datasets under one model (datasetDistances). */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine, workersOption } from "../engineSession.js";
import { checkOutputFile, loadModelFile, nest, writeArray, writeArraysJson } from "../files.js";
import { IMAGE_SET_HELP, readSpectrumInputs } from "../imageSets.js";
import { datasetDistances } from "../../analyses/spectrum/spectrumDistance.js";
import { parseFloor, signatureJson } from "./spectrum.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

export const distancesCommand: CliCommand = {
  name: "distances",
  args: "<model>",
  summary: "DIM-spectrum distances between datasets (1-D Wasserstein per eigen-position, averaged): a matrix",
  options: (cmd) => {
    cmd
      .option("-d, --data <name>", `a dataset (repeat for each): xor|moons|circles|spirals|glyphs|mnist[:train|test][:N]; ${IMAGE_SET_HELP}`, collect)
      .option("-i, --input <file>", "a .npy/.json batch (repeatable; named by its path)", collect)
      .option("--floor <log10>", "lower clip of log10 eigenvalues", "-20")
      .option("-o, --out <file>", "write the matrix: .npy (k×k float64) or .json (names, matrix, signatures)");
    workersOption(cmd);
  },
  examples: ["foliate distances cnn.json --data mnist:test:250 --data fashion:test:250 --data noise:250 --out distances.json"],
  async run([path], opts, ctx) {
    const out = await checkOutputFile("--out", opts.out, [".npy", ".json"]);
    const model = await loadModelFile(path);
    const floor = parseFloor(opts.floor);
    const specs = [...((opts.data as string[]) ?? []).map((data) => ({ data })), ...((opts.input as string[]) ?? []).map((input) => ({ input }))];
    if (specs.length < 2) throw new UsageError("give at least two datasets (--data a --data b, or --input files)");
    const sets: Record<string, Float32Array> = {};
    for (const s of specs) {
      const b = await readSpectrumInputs(s, model.inputShape, ctx.log);
      sets[sets[b.source] ? `${b.source}#${Object.keys(sets).length}` : b.source] = b.X;
    }
    const stage = ctx.progress.stage("distances", 1);
    const r = await withEngine(opts, (engine) => datasetDistances(engine, model, sets, { floor, signal: ctx.signal }));
    stage.done();
    const k = r.names.length;
    if (out?.toLowerCase().endsWith(".npy")) await writeArray(out, r.matrix, [k, k]);
    else if (out) await writeArraysJson(out, { matrix: { data: r.matrix, shape: [k, k] } }, { names: r.names, signatures: Object.fromEntries(r.names.map((n) => [n, signatureJson(r.signatures[n])])) });
    const label = r.names.map((n, i) => `[${i}] ${n}`);
    const rows = [["", ...r.names.map((_, i) => `[${i}]`)], ...r.names.map((_, a) => [`[${a}]`, ...r.names.map((_, b) => r.matrix[a * k + b].toFixed(3))])];
    const w = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
    const table = rows.map((row) => row.map((v, c) => v.padStart(w[c])).join("  ")).join("\n");
    return {
      data: { names: r.names, matrix: nest(r.matrix, [k, k]), ...(out ? { out } : {}) },
      text: `DIM-spectrum distances (decades of log10 λ, W1 per eigen-position, averaged)\n${label.join("\n")}\n${table}${out ? `\nwrote ${out}` : ""}`,
    };
  },
};
