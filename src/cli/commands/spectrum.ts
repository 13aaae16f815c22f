/** `foliate spectrum <model>`: the DIM spectrum per point and the dataset's signature (engine.dimSpectrum). */
import type { CliCommand } from "../command.js";
import { withEngine, workersOption } from "../engineSession.js";
import { checkOutputFile, loadModelFile, nest, writeArray, writeArraysJson } from "../files.js";
import { IMAGE_SET_HELP, readSpectrumInputs } from "../imageSets.js";
import { OptionError } from "../../errors.js";
import type { DimSpectrumSignature } from "../../analyses/spectrum/dimSpectrum.js";
import { parseShardSize, redisOptions, runWithProgress } from "../../distributed/cli.js";

export function parseFloor(v: unknown): number {
  const f = Number(v);
  if (!Number.isFinite(f)) throw new OptionError(`--floor must be a finite number (a log10 value), got "${String(v)}"`);
  return f;
}

export function signatureJson(s: DimSpectrumSignature) {
  return { n: s.n, r: s.r, floor: s.floor, median: Array.from(s.median), q10: Array.from(s.q10), q90: Array.from(s.q90), medianLogTrace: s.medianLogTrace, medianSpread: s.medianSpread, meanSpread: s.meanSpread };
}

export const spectrumCommand: CliCommand = {
  name: "spectrum",
  args: "<model>",
  summary: "DIM spectrum per point (log10 eigenvalues, trace) and the dataset's signature (quantiles per eigen-position)",
  options: (cmd) => {
    cmd
      .option("-i, --input <file>", "input points: .npy or .json")
      .option("-d, --data <name>", `a bundled dataset: xor|moons|circles|spirals|glyphs|mnist[:train|test][:N]; ${IMAGE_SET_HELP}`)
      .option("--floor <log10>", "lower clip of log10 eigenvalues and traces", "-20")
      .option("-o, --out <file>", "write the spectra: .npy (log10 eigenvalues n×r float64) or .json (also trace, rank, signature)");
    workersOption(cmd);
    redisOptions(cmd);
  },
  examples: ["foliate spectrum cnn.json --data mnist:test:250 --out spectra.json", "foliate spectrum cnn.json --data noise:250 --json", "foliate spectrum cnn.json --data mnist:test --redis redis://10.0.0.5:6379 --out spectra.npy"],
  async run([path], opts, ctx) {
    const out = await checkOutputFile("--out", opts.out, [".npy", ".json"]);
    const model = await loadModelFile(path);
    const floor = parseFloor(opts.floor);
    const batch = await readSpectrumInputs(opts, model.inputShape, ctx.log);
    const s = opts.redis
      ? await runWithProgress("spectrum-shard", { model, ...(typeof opts.data === "string" ? { data: opts.data } : { X: batch.X }), d: model.inputSize, floor, shardSize: parseShardSize(opts.shardSize) }, opts, ctx)
      : await (async () => {
          const stage = ctx.progress.stage("spectrum", batch.n);
          const r = await withEngine(opts, (engine) => engine.dimSpectrum(model, batch.X, { floor, signal: ctx.signal, onProgress: (done) => stage.update(done) }));
          stage.done();
          return r;
        })();
    const sig = s.signature;
    if (out?.toLowerCase().endsWith(".npy")) await writeArray(out, s.logEigenvalues, [s.n, s.r]);
    else if (out) await writeArraysJson(out, { logEigenvalues: { data: s.logEigenvalues, shape: [s.n, s.r] }, trace: { data: s.trace, shape: [s.n] }, rank: { data: s.rank, shape: [s.n] } }, { source: batch.source, signature: signatureJson(sig) });
    const rows = [["j", "median log10 λj", "10 %", "90 %"], ...Array.from({ length: sig.r }, (_, j) => [String(j + 1), sig.median[j].toFixed(3), sig.q10[j].toFixed(3), sig.q90[j].toFixed(3)])];
    const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const table = rows.map((r) => r.map((v, c) => v.padStart(w[c])).join("  ")).join("\n");
    const summary = { source: batch.source, n: s.n, r: s.r, signature: signatureJson(sig), ...(out ? { out } : {}) };
    return {
      data: out ? summary : { ...summary, logEigenvalues: nest(s.logEigenvalues, [s.n, s.r]), trace: Array.from(s.trace) },
      text: `DIM spectrum of ${s.n} points of ${batch.source} (r = ${s.r}, floor ${sig.floor})\n${table}\nmedian log10 trace ${sig.medianLogTrace.toFixed(3)}, spread of medians (λ1 to λ${sig.r}) ${sig.medianSpread.toFixed(3)} decades, mean spread per point ${sig.meanSpread.toFixed(3)} decades${out ? `\nwrote ${out}` : ""}`,
    };
  },
};
