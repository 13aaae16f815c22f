/** `foliate jacobian <model>`: exact input Jacobians of a batch, n×m×d. */
import type { JacobianOutput } from "../../analyses/jacobian.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine } from "../engineSession.js";
import { batchOptions, checkOutputFile, loadModelFile, nest, readInputs, writeArray } from "../files.js";
import { distributedMap, mapOptions } from "../../distributed/cliMap.js";

export function parseOutput(v: unknown): JacobianOutput {
  if (v === undefined || v === "logits" || v === "logprobs" || v === "probs") return (v ?? "logits") as JacobianOutput;
  const m = /^layer:(\d+)$/.exec(String(v));
  if (m) return { layer: Number(m[1]) };
  throw new UsageError(`--of must be logits, logprobs, probs or layer:<i>, got "${String(v)}"`);
}

export const jacobianCommand: CliCommand = {
  name: "jacobian",
  args: "<model>",
  summary: "exact input Jacobians ∂output/∂x of a batch (n×m×d)",
  options: (cmd) => {
    batchOptions(cmd, "the Jacobians (n×m×d)");
    cmd.option("--of <output>", "what is differentiated: logits|logprobs|probs|layer:<i>", "logits");
    mapOptions(cmd);
  },
  examples: ["foliate jacobian model.json --input x.npy --out J.npy", "foliate jacobian model.onnx --data glyphs:test:10 --of logprobs --out J.json"],
  async run([path], opts, ctx) {
    const out = await checkOutputFile("--out", opts.out, [".npy", ".json"]);
    const model = await loadModelFile(path);
    const output = parseOutput(opts.of);
    const batch = await readInputs(opts, model.inputShape, ctx.log);
    const r = opts.redis
      ? await distributedMap(model, batch.X, "jacobian", { output }, opts, ctx).then((a) => ({ data: a.jacobian.data as Float32Array, shape: a.jacobian.shape as [number, number, number] }))
      : await (async () => {
          const stage = ctx.progress.stage("jacobian", batch.n);
          const j = await withEngine(opts, (engine) => engine.jacobian(model, batch.X, { output, signal: ctx.signal, onProgress: (done) => stage.update(done) }));
          stage.done();
          return j;
        })();
    if (out) await writeArray(out, r.data, r.shape);
    let maxAbs = 0;
    for (const v of r.data) maxAbs = Math.max(maxAbs, Math.abs(v));
    const summary = { shape: r.shape, source: batch.source, maxAbs, ...(out ? { out } : {}) };
    return {
      data: out ? summary : { ...summary, data: nest(r.data, r.shape) },
      text: `Jacobians [${r.shape.join(", ")}] (n×m×d) of ${batch.source}, max |∂| = ${maxAbs.toPrecision(4)}${out ? `; wrote ${out}` : " (use --out to save them)"}`,
    };
  },
};
