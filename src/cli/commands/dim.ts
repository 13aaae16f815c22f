/** `foliate dim <model>`: the data information matrix's eigenvalues (and eigenvectors) per point. */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine } from "../engineSession.js";
import { batchOptions, checkOutputFile, loadModelFile, nest, readInputs, writeArray, writeArraysJson } from "../files.js";
import { distributedMap, mapOptions } from "../../distributed/cliMap.js";

export const dimCommand: CliCommand = {
  name: "dim",
  args: "<model>",
  summary: "DIM eigenvalues (n×r), eigenvectors (n×r×d) and rank per point, r = min(C−1, d)",
  options: (cmd) => {
    batchOptions(cmd, "the eigenvalues (.npy: n×r float64; .json: eigenvalues, eigenvectors, rank)");
    cmd.option("--vectors <file.npy>", "also write the eigenvectors (n×r×d float32) to this .npy file");
    cmd.option("--rank-tol <t>", "optional extra cut: count only eigenvalues above t · λ1 (default 0: the rank drops only where probabilities vanish or the Jacobian loses rank)", "0");
    mapOptions(cmd);
  },
  examples: ["foliate dim model.json --data moons:test:200 --out eig.npy --vectors vec.npy"],
  async run([path], opts, ctx) {
    const out = await checkOutputFile("--out", opts.out, [".npy", ".json"]);
    const vectorsOut = await checkOutputFile("--vectors", opts.vectors, [".npy"]);
    const model = await loadModelFile(path);
    const rankTol = Number(opts.rankTol);
    if (!Number.isFinite(rankTol)) throw new UsageError(`--rank-tol must be a number, got "${String(opts.rankTol)}"`);
    const batch = await readInputs(opts, model.inputShape, ctx.log);
    const r = opts.redis
      ? await distributedMap(model, batch.X, "dim", { rankTol }, opts, ctx).then((a) => {
          const [n, rr, d] = a.eigenvectors.shape;
          return { n, r: rr, d, C: model.outputSize, eigenvalues: a.eigenvalues.data as Float64Array, eigenvectors: a.eigenvectors.data as Float32Array, rank: a.rank.data as Int32Array };
        })
      : await (async () => {
          const stage = ctx.progress.stage("dim", batch.n);
          const dm = await withEngine(opts, (engine) => engine.dim(model, batch.X, { rankTol, signal: ctx.signal, onProgress: (done) => stage.update(done) }));
          stage.done();
          return dm;
        })();
    const vals = { data: r.eigenvalues, shape: [r.n, r.r] }, vecs = { data: r.eigenvectors, shape: [r.n, r.r, r.d] }, rank = { data: r.rank, shape: [r.n] };
    if (out?.toLowerCase().endsWith(".npy")) await writeArray(out, r.eigenvalues, vals.shape);
    else if (out) await writeArraysJson(out, { eigenvalues: vals, eigenvectors: vecs, rank });
    if (vectorsOut) await writeArray(vectorsOut, r.eigenvectors, vecs.shape);
    const meanTop = r.eigenvalues.reduce((a, _, i) => a + (i % r.r === 0 ? r.eigenvalues[i] : 0), 0) / r.n;
    const summary = { n: r.n, d: r.d, C: r.C, r: r.r, meanTopEigenvalue: meanTop, source: batch.source, ...(out ? { out } : {}) };
    return {
      data: out ? summary : { ...summary, eigenvalues: nest(vals.data, vals.shape), rank: Array.from(r.rank) },
      text: `DIM of ${r.n} points (d = ${r.d}, C = ${r.C}): mean top eigenvalue ${meanTop.toPrecision(4)}${out ? `; wrote ${out}` : " (use --out to save them)"}`,
    };
  },
};
