/**
 * `foliate reproduce simec|spectra|classes`: the full reproductions of issue 3 — SiMEC/SiMExp on the R² → R
 * networks of Benfenati & Marta II (src/experiments/simec.ts), the DIM spectra across datasets of Tron &
 * Fioresi (src/experiments/dimSpectra.ts), and SiMEC random walks in the equivalence classes of a trained MNIST
 * MLP (reproduction 5, src/experiments/mnistClasses.ts) — with `--quick` for their reduced forms.
 */
import { writeFile } from "node:fs/promises";
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { parseWorkers, workersOption } from "../engineSession.js";
import { checkOutputFile, checkOutputFolder } from "../files.js";
import { memoryBound, parseCount, STEPS_BOUND, tighter } from "../limits.js";
import { createEngine } from "../../api/engine.js";

/** The authors' SiMEC-1D weights shipped with the package (data/simec-1d, MIT). */
export const SIMEC_WEIGHTS_DIR = new URL("../../../data/simec-1d/", import.meta.url);

const SIMEC_TASK_NAMES = ["surface1", "surface2", "thermodynamics", "classifier"] as const;

function table(rows: string[][]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => v.padEnd(w[c])).join("  ").trimEnd()).join("\n");
}

async function reproduceSimec(opts: Record<string, unknown>, log: (l: string) => void) {
  const { simecReproduction } = await import("../../experiments/simec.js");
  const tasks = typeof opts.tasks === "string" ? opts.tasks.split(",") : undefined;
  const bad = tasks?.filter((t) => !(SIMEC_TASK_NAMES as readonly string[]).includes(t)) ?? [];
  if (bad.length) throw new UsageError(`--tasks: unknown task ${bad.join(", ")}; expected ${SIMEC_TASK_NAMES.join(", ")}`);
  const engine = await createEngine({ workers: parseWorkers(opts.workers) ?? 0 });
  try {
    log(`SiMEC: training ${tasks?.join(", ") ?? "all four tasks"} (${opts.quick ? "reduced" : "full"}) and tracing classes`);
    const r = await simecReproduction({
      reduced: !!opts.quick, tasks: tasks as never, weightsDir: SIMEC_WEIGHTS_DIR, engine,
      ...(opts.steps !== undefined ? { steps: parseCount("--steps", opts.steps, STEPS_BOUND) } : {}),
    });
    const runs = r.runs.map((x) => ({ task: x.task, source: x.source, y0: x.y0, drift: x.drift, energy: x.energy, length: x.length, k: x.k, stopReason: x.stopReason, trainLoss: x.trainLoss, passed: x.passed }));
    const preimages = r.preimages.map((p) => ({ source: p.source, curves: p.result.curves.length, innerRadius: p.innerRadius, outerRadius: p.outerRadius }));
    const text = [
      "SiMEC from (0.25, 0.25), δ = 1e-3, both directions (paper: drift < 1e-3, energy < 1e-12; authors' surface 1: drift < 7.2e-4)",
      table([["task", "weights", "N(x0)", "drift", "energy", "length", "points", "stop", "ok"],
        ...runs.map((x) => [x.task, x.source, x.y0.toFixed(6), x.drift.toExponential(2), x.energy.toExponential(2), x.length.toFixed(3), String(x.k), x.stopReason, x.passed ? "yes" : "NO"])]),
      ...preimages.map((p) => `interval preimage of surface 1 (${p.source}, ε = 0.005, ${p.curves} curves): annulus ${p.innerRadius.toFixed(3)} ≤ ‖x‖ ≤ ${p.outerRadius.toFixed(3)}`),
      `${r.seconds.toFixed(1)} s`,
    ].join("\n");
    return { data: { experiment: "simec", quick: !!opts.quick, runs, preimages, seconds: r.seconds }, text, failed: runs.some((x) => !x.passed) };
  } finally {
    await engine.close();
  }
}

function parsePool(v: unknown): "max" | "avg" {
  if (v === undefined || v === "max" || v === "avg") return (v ?? "max") as "max" | "avg";
  throw new UsageError(`--pool must be max or avg, got ${String(v)}`);
}

async function reproduceSpectra(opts: Record<string, unknown>, log: (l: string) => void) {
  const { REDUCED_DIM_SPECTRA, runDimSpectra } = await import("../../experiments/dimSpectra.js");
  const t0 = performance.now();
  const r = await runDimSpectra({
    ...(opts.quick ? REDUCED_DIM_SPECTRA : {}), cacheDir: String(opts.cache), workers: parseWorkers(opts.workers) ?? 0, log,
    ...(opts.points !== undefined ? { points: parseCount("--points", opts.points, { max: 2000, why: "the bundled test sets hold 2 000 images each" }) } : {}),
    pool: parsePool(opts.pool),
  });
  const seconds = (performance.now() - t0) / 1000;
  const data = {
    experiment: "spectra", quick: !!opts.quick, config: r.config, modelSource: r.modelSource, accuracy: r.accuracy, probeSpearman: r.probeSpearman,
    rows: r.rows, distances: { names: r.distances.names, matrix: Array.from(r.distances.matrix) }, seconds,
  };
  return { data, text: `${r.table}\n${seconds.toFixed(1)} s`, failed: false };
}

async function reproduceClasses(opts: Record<string, unknown>, log: (l: string) => void) {
  const { MNIST_CLASSES_RECIPE, classWalksTable, mnistClassWalks } = await import("../../experiments/mnistClasses.js");
  const { subjectFor } = await import("../models/train.js");
  const quick = !!opts.quick;
  const t0 = performance.now();
  const subject = await subjectFor(MNIST_CLASSES_RECIPE, { quick, cacheDir: String(opts.cache) });
  const tr = subject.training!;
  log(`${MNIST_CLASSES_RECIPE.title}: ${tr.cached ? "from cache" : `trained, ${tr.epochs} epochs`}, test accuracy ${(100 * tr.testAccuracy).toFixed(1)} %`);
  const engine = await createEngine({ workers: parseWorkers(opts.workers) ?? 0 });
  try {
    const walkOpts = {
      starts: quick ? 3 : 10, steps: opts.steps !== undefined ? parseCount("--steps", opts.steps, tighter(memoryBound(2 * 8 * (784 + 10), "step of a 784-input walk"), STEPS_BOUND)) : quick ? 200 : 1000, delta: 1e-2,
    };
    const slid = await mnistClassWalks(engine, subject.model, subject.test.X, subject.test.labels, { ...walkOpts, box: "slide" });
    const clamped = await mnistClassWalks(engine, subject.model, subject.test.X, subject.test.labels, { ...walkOpts, box: "clamp" });
    const free = await mnistClassWalks(engine, subject.model, subject.test.X, subject.test.labels, { ...walkOpts, box: "none" });
    const seconds = (performance.now() - t0) / 1000;
    const plain = (r: typeof clamped) => ({ ...r, walks: r.walks.map(({ endPoint: _, ...w }) => w) });
    const summary = (r: typeof clamped) =>
      `class kept on ${Math.round(r.kept * r.walks.length)} of ${r.walks.length} walks; max |Δp_c| ${r.maxProbabilityDrift.toExponential(2)} (random-direction control walks of the same steps: max ${r.maxControlDrift.toExponential(2)})`;
    const text = [
      `${MNIST_CLASSES_RECIPE.title} (${tr.epochs} epochs, test accuracy ${(100 * tr.testAccuracy).toFixed(1)} %); SiMEC random walks in ker g of the probabilities, δ = ${walkOpts.delta}, ${walkOpts.steps} steps from ${walkOpts.starts} test images`,
      `in [0, 1], sliding (pixels a step would push out are held, the step re-projected onto ker g): ${summary(slid)}`,
      classWalksTable(slid),
      `in [0, 1], clamped (each step projected onto the box, the walk continues; the authors' method): ${summary(clamped)}`,
      classWalksTable(clamped),
      `without the box: ${summary(free)}`,
      classWalksTable(free),
      `${seconds.toFixed(1)} s`,
    ].join("\n");
    const data = { experiment: "classes", quick, model: MNIST_CLASSES_RECIPE.title, training: tr, slid: plain(slid), clamped: plain(clamped), free: plain(free), seconds };
    return { data, text, failed: slid.kept < 1 };
  } finally {
    await engine.close();
  }
}

export const reproduceCommand: CliCommand = {
  name: "reproduce",
  args: "<experiment>",
  summary: "run a paper reproduction: simec (SiMEC/SiMExp on R²→R networks), spectra (DIM spectra across datasets) or classes (SiMEC walks on a trained MNIST MLP)",
  options: (cmd) => {
    cmd
      .option("--quick", "the reduced form (simec: 600 training steps; spectra: a 4/8/32 CNN, 2 epochs, 40 points per dataset; classes: 2 epochs, 3 walks of 200 steps)")
      .option("--tasks <names>", `simec: comma-separated tasks (${SIMEC_TASK_NAMES.join(", ")}; default all)`)
      .option("--steps <n>", "simec: SiMEC steps each way (default 5000); classes: steps per walk (default 1000, quick 200)")
      .option("--points <n>", "spectra: points per dataset (default 250, quick 40)")
      .option("--pool <kind>", "spectra: the CNN's pooling, max (the issue's layout, default) or avg (the authors' code default)")
      .option("--cache <dir>", "spectra, classes: trained-model cache folder", "cache")
      .option("-o, --out <file.json>", "write the results as JSON");
    workersOption(cmd);
  },
  examples: ["foliate reproduce simec --quick --tasks surface1", "foliate reproduce spectra --quick --cache cache", "foliate reproduce classes --quick"],
  async run([experiment], opts, ctx) {
    if (experiment !== "simec" && experiment !== "spectra" && experiment !== "classes") throw new UsageError(`unknown experiment "${experiment}": expected simec, spectra or classes`);
    const out = await checkOutputFile("--out", opts.out, [".json"]);
    if (experiment !== "simec") await checkOutputFolder("--cache", opts.cache);
    const stage = ctx.progress.stage(`reproduce ${experiment}`, 1);
    const r = experiment === "simec" ? await reproduceSimec(opts, ctx.log) : experiment === "spectra" ? await reproduceSpectra(opts, ctx.log) : await reproduceClasses(opts, ctx.log);
    stage.done();
    if (out) await writeFile(out, JSON.stringify(r.data, null, 1));
    if (r.failed) ctx.log("some runs missed the paper's criteria (see the table)");
    return { data: r.data, text: r.text };
  },
};
