/**
 * `foliate reproduce-spiral`: the spiral experiment of Lei, Luo, Yau, Gu (2020, §4): ReLU networks of fixed
 * architectures trained to encode the spiral ρ(θ) = (a + bθ)e^{iwθ} on [0, T] for growing T; the exact number
 * of linear pieces of each learned curve (engine.regionsOnLine) and its error show where an architecture
 * stops being able to represent the spiral. `--classify` runs the two-arm classification companion instead.
 */
import type { CliCommand } from "../command.js";
import { writeFile } from "node:fs/promises";
import { withEngine, workersOption } from "../engineSession.js";
import { numberList } from "../listOption.js";
import { checkOutputFile } from "../files.js";
import { parseCount } from "../limits.js";
import { OptionError } from "../../errors.js";
import { spiralExperiment, type SpiralOptions } from "../../experiments/spiral.js";
import { spiralClassification } from "../../experiments/spiralClassify.js";

/** The reduced spiral run (the report's, and --quick): two small architectures, T ∈ {π, 2π, 4π, 8π}. */
export const QUICK_SPIRAL: SpiralOptions = { architectures: [[4, 4], [12, 12]], ranges: [Math.PI, 2 * Math.PI, 4 * Math.PI, 8 * Math.PI], points: 128, epochs: 200, seed: 1, backend: "cpu" };

export const reproduceSpiralCommand: CliCommand = {
  name: "reproduce-spiral",
  summary: "spiral experiment (Lei et al. 2020): exact linear pieces and error of fixed ReLU architectures vs the spiral's range T",
  options: (cmd) => {
    cmd.option("--quick", "the reduced run: architectures 1-4-4-2 and 1-12-12-2, 200 epochs (seconds)");
    cmd.option("--turns <list>", "ranges T in turns (T = 2π·turns)", "0.5,1,2,4");
    cmd.option("--arch <list>", "hidden widths of the architectures, one per ';'-separated group, e.g. '8,8;32,32'", "8,8;32,32");
    cmd.option("--epochs <n>", "training epochs (full run)", "400");
    cmd.option("--classify", "the classification companion: two spiral arms, linear regions in the plane");
    cmd.option("-o, --out <file.json>", "write the runs (pieces, error, bound, learned curve)");
    workersOption(cmd);
  },
  examples: ["foliate reproduce-spiral --quick", "foliate reproduce-spiral --arch '8,8;16,16;32,32' --turns 0.5,1,2,4,8 --out spiral.json"],
  async run(_args, opts, ctx) {
    const ranges = numberList("--turns", opts.turns, { min: 1e-6 }).map((t) => 2 * Math.PI * t);
    const architectures = String(opts.arch).split(";").map((g) => numberList("--arch", g, { integer: true, min: 1 }));
    const epochs = parseCount("--epochs", opts.epochs, { max: 100_000, why: "a time limit: each epoch trains every architecture on every range" });
    const wide = architectures.flat().find((w) => w > 4096);
    if (wide !== undefined) throw new OptionError(`--arch widths must be at most 4096 (a time limit: the exact pieces of a 1-input curve grow with the width), got ${wide}`);
    const out = await checkOutputFile("--out", opts.out, [".json"]);
    const o: SpiralOptions = opts.quick ? QUICK_SPIRAL : { architectures, ranges, epochs, seed: 1, backend: "cpu" };
    const t0 = performance.now();
    if (opts.classify) {
      const r = await withEngine(opts, (engine) => spiralClassification(engine, { ...o, ...(opts.quick ? { ranges: [2 * Math.PI, 4 * Math.PI], points: 60 } : {}) }));
      const ms = performance.now() - t0;
      const runs = r.runs.map((x) => ({ architecture: x.architecture.join("-"), turns: x.T / (2 * Math.PI), regions: x.regions, error: x.error, boundLog10: x.boundLog10 }));
      if (out) await writeFile(out, JSON.stringify({ runs }));
      return { data: { ms, runs }, text: ["architecture  turns  regions  error  log10 bound", ...runs.map((x) => `${x.architecture.padEnd(14)}${x.turns.toFixed(2).padEnd(7)}${String(x.regions).padEnd(9)}${x.error.toFixed(3).padEnd(7)}${x.boundLog10.toFixed(1)}`), `${(ms / 1000).toFixed(1)} s`].join("\n") };
    }
    ctx.log(`reproduce-spiral: training ${o.architectures!.length * o.ranges!.length} networks`);
    const r = await withEngine(opts, (engine) => spiralExperiment(engine, o));
    const ms = performance.now() - t0;
    const runs = r.runs.map((x) => ({ architecture: x.architecture.join("-"), turns: x.T / (2 * Math.PI), pieces: x.pieces, bound: x.bound, error: x.error }));
    if (out) await writeFile(out, JSON.stringify({ runs: r.runs.map((x, i) => ({ ...runs[i], curve: Array.from(x.curve) })) }));
    return {
      data: { ms, runs },
      text: ["architecture  turns  pieces  bound  error", ...runs.map((x) => `${x.architecture.padEnd(14)}${x.turns.toFixed(2).padEnd(7)}${String(x.pieces).padEnd(8)}${String(x.bound).padEnd(7)}${x.error.toFixed(3)}`), `${(ms / 1000).toFixed(1)} s`].join("\n"),
    };
  },
};
