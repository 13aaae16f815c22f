/** `foliate report <model>`: the HTML report's sections for a given model and data. */
import type { LabeledSet } from "../../datasets/toy2d.js";
import type { CliCommand } from "../command.js";
import { withEngine, workersOption } from "../engineSession.js";
import { checkOutputFolder, loadModelFile, readInputs } from "../files.js";
import { UsageError } from "../command.js";

export const reportCommand: CliCommand = {
  name: "report",
  args: "<model>",
  summary: "write the HTML report (every analysis) for a model and a dataset",
  options: (cmd) => {
    cmd
      .option("-i, --input <file>", "points (.npy or .json; labels from {X, labels} JSON, else the model's predictions)")
      .option("-d, --data <name>", "a bundled dataset: xor|moons|circles|spirals|glyphs|mnist[:train|test][:N]")
      .option("-o, --out <dir>", "report folder", "report")
      .option("--quick", "reduced sizes")
      .option("--sections <ids>", "comma-separated section ids to run (default: all)");
    workersOption(cmd);
  },
  examples: ["foliate report model.json --data moons:test:400 --out report-moons"],
  async run([path], opts, ctx) {
    const { formatSummary, runReport } = await import("../report/run.js"); // vega: loaded only when needed
    const { sections } = await import("../report/sections/index.js");
    await checkOutputFolder("--out", opts.out);
    const model = await loadModelFile(path);
    const batch = await readInputs(opts, model.inputShape, ctx.log);
    const wanted = typeof opts.sections === "string" ? opts.sections.split(",") : undefined;
    const unknown = wanted?.filter((id) => !sections.some((s) => s.id === id)) ?? [];
    if (unknown.length) throw new UsageError(`unknown section ${unknown.join(", ")}: expected ${sections.map((s) => s.id).join(", ")}`);
    return withEngine(opts, async (engine) => {
      let labels = batch.labels;
      if (!labels) {
        const f = await engine.forward(model, batch.X);
        labels = new Int32Array(batch.n);
        for (let i = 0; i < batch.n; i++) {
          let best = 0;
          for (let c = 1; c < f.m; c++) if (f.logits[i * f.m + c] > f.logits[i * f.m + best]) best = c;
          labels[i] = best;
        }
      }
      const C = model.outputSize;
      const set: LabeledSet = { X: batch.X, labels, n: batch.n, shape: model.inputShape, classes: C, classNames: Array.from({ length: C }, (_, c) => String(c)) };
      const subject = { id: "model", title: `${path} on ${batch.source}`, model, train: set, test: set };
      const run = await runReport(
        { engine, subjects: [subject], quick: !!opts.quick, seed: 1, stage: (name, total) => ctx.progress.stage(name, total) },
        wanted ? sections.filter((s) => wanted.includes(s.id)) : sections,
        { outDir: String(opts.out), title: `Foliate report: ${path}`, progress: ctx.progress },
      );
      if (run.failed) process.exitCode = 3;
      return { data: { report: run.path, totalMs: run.totalMs, failed: run.failed }, text: `${formatSummary(run)}\n\nreport: ${run.path}` };
    });
  },
};
