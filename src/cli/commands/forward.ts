/** `foliate forward <model>`: outputs, probabilities, predicted classes and linear-region hashes of a batch. */
import type { CliCommand } from "../command.js";
import { withEngine } from "../engineSession.js";
import { batchOptions, checkOutputFile, loadModelFile, nest, readInputs, writeArray, writeArraysJson } from "../files.js";

export const forwardCommand: CliCommand = {
  name: "forward",
  args: "<model>",
  summary: "outputs (logits), probabilities, predicted classes and region hashes of a batch",
  options: (cmd) => batchOptions(cmd, "the logits (.npy: n×m float32; .json: logits, probs, classes, regionHash)"),
  examples: ["foliate forward model.json --input x.npy --out logits.npy", "foliate forward model.json --data moons:test:100 --json"],
  async run([path], opts, ctx) {
    const out = await checkOutputFile("--out", opts.out, [".npy", ".json"]);
    const model = await loadModelFile(path);
    const batch = await readInputs(opts, model.inputShape, ctx.log);
    const stage = ctx.progress.stage("forward", batch.n);
    const r = await withEngine(opts, (engine) => engine.forward(model, batch.X, { signal: ctx.signal, onProgress: (done) => stage.update(done) }));
    stage.done();
    const m = r.m;
    const classes = new Int32Array(r.n);
    for (let i = 0; i < r.n; i++) {
      let best = 0;
      for (let c = 1; c < m; c++) if (r.logits[i * m + c] > r.logits[i * m + best]) best = c;
      classes[i] = best;
    }
    const regionHash = Array.from(r.regionHash, (h) => h.toString(16).padStart(16, "0"));
    const regions = new Set(regionHash).size;
    const accuracy = batch.labels ? classes.reduce((a, c, i) => a + (c === batch.labels![i] ? 1 : 0), 0) / r.n : undefined;
    if (out?.toLowerCase().endsWith(".npy")) await writeArray(out, r.logits, [r.n, m]);
    else if (out) await writeArraysJson(out, { logits: { data: r.logits, shape: [r.n, m] }, probs: { data: r.probs, shape: [r.n, m] } }, { classes: Array.from(classes), regionHash });
    const summary = { n: r.n, m, source: batch.source, distinctRegions: regions, ...(accuracy !== undefined ? { accuracy } : {}), ...(out ? { out } : {}) };
    return {
      data: out ? summary : { ...summary, logits: nest(r.logits, [r.n, m]), probs: nest(r.probs, [r.n, m]), classes: Array.from(classes), regionHash },
      text: `${r.n} points from ${batch.source}: ${regions} distinct linear regions${accuracy !== undefined ? `, accuracy ${(100 * accuracy).toFixed(1)}%` : ""}${out ? `; wrote ${out}` : ""}`,
    };
  },
};
