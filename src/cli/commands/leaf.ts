/** `foliate leaf <model>`: a path along a leaf of the data (Im D) or kernel (ker D) foliation through one point. */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine, workersOption } from "../engineSession.js";
import { checkOutputFile, loadModelFile, nest, writeArray, writeArraysJson } from "../files.js";
import { memoryBound, parseCount, tighter } from "../limits.js";
import { parseBox, parsePositive, parseSeed, parseVector, readStart, startOptions } from "../pointOptions.js";
import type { LeafOptions } from "../../analyses/leaf.js";
import { distributedMap, mapOptions } from "../../distributed/cliMap.js";
import { readInputs } from "../files.js";

/** Largest change of the softmax of each row of `outputs` (k×m) from row 0's. */
function maxProbabilityChange(outputs: Float64Array, k: number, m: number): number {
  const p = (i: number) => {
    const row = outputs.subarray(i * m, (i + 1) * m), max = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - max)), s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const p0 = p(0);
  let worst = 0;
  for (let i = 1; i < k; i++) p(i).forEach((v, c) => (worst = Math.max(worst, Math.abs(v - p0[c]))));
  return worst;
}

export const leafCommand: CliCommand = {
  name: "leaf",
  args: "<model>",
  summary: "a path along the data leaf (Im D) or kernel leaf (ker D) through a point: vertices, regions, ranks",
  options: (cmd) => {
    startOptions(cmd);
    cmd
      .option("--distribution <which>", "data (Im D, the prediction changes) or kernel (ker D, it does not)", "data")
      .option("--direction <v>", "walking direction, comma-separated (projected onto the distribution; default: random from --seed)")
      .option("--target <x>", "walk towards this point instead, comma-separated")
      .option("-L, --max-length <l>", "arc length to walk", "1")
      .option("--box <lo:hi>", "stop where the path leaves this box (each side a number or d comma-separated numbers)")
      .option("--seed <n>", "seed of the default direction", "0")
      .option("--max-vertices <n>", "vertex capacity of the path")
      .option("--singular", "also list the singular points along the path (where the rank of D drops)")
      .option("-o, --out <file>", "write the path: .npy (points k×d float64) or .json (points, outputs, params, rank, regionHash, ...)");
    workersOption(cmd);
    mapOptions(cmd);
  },
  examples: [
    "foliate leaf model.json --data moons:test --redis redis://10.0.0.5:6379 --results /shared/foliate --out leaves.npy   # a leaf from every point",
    "foliate leaf model.json --data moons:test --index 3 --distribution kernel --max-length 2 --out leaf.json",
    "foliate leaf model.json --start=-0.5,0.25 --target 1,0.5 --singular",
  ],
  async run([path], opts, ctx) {
    const out = await checkOutputFile("--out", opts.out, [".npy", ".json"]);
    const model = await loadModelFile(path);
    if (opts.redis) return leavesDistributed(model, opts, ctx);
    const { x0, source } = await readStart(opts, model.inputShape, ctx.log);
    const d = x0.length;
    const distribution = String(opts.distribution);
    if (distribution !== "data" && distribution !== "kernel") throw new UsageError(`--distribution must be data or kernel, got "${distribution}"`);
    if (opts.direction !== undefined && opts.target !== undefined) throw new UsageError("give either --direction or --target, not both");
    const o: LeafOptions = { distribution, maxLength: parsePositive(opts.maxLength, "--max-length"), seed: parseSeed(opts.seed) };
    if (opts.direction !== undefined) o.direction = parseVector(opts.direction, d, "--direction");
    if (opts.target !== undefined) o.target = parseVector(opts.target, d, "--target");
    if (opts.box !== undefined) o.box = parseBox(opts.box, d);
    // A vertex holds d + m float64 values, its parameter, hash, rank and crossed unit, in the worker and again here.
    if (opts.maxVertices !== undefined) o.maxVertices = parseCount("--max-vertices", opts.maxVertices, { ...tighter(memoryBound(2 * (8 * (d + model.outputSize) + 24), "vertex"), { max: 2 ** 20, why: "the engine's block of at most 2^20 vertices" }), min: 2 });
    const stage = ctx.progress.stage("leaf", 1);
    const { leaf, singular } = await withEngine(opts, async (engine) => {
      const leaf = await engine.leaf(model, x0, { ...o, signal: ctx.signal });
      return { leaf, singular: opts.singular ? await engine.singularPoints(model, leaf, { signal: ctx.signal }) : undefined };
    });
    stage.done();
    const k = leaf.vertices;
    const regions = new Set(leaf.regionHash).size;
    const probChange = model.head === "softmax" ? maxProbabilityChange(leaf.outputs, k, leaf.m) : undefined;
    const arrays = {
      points: { data: leaf.points, shape: [k, d] }, outputs: { data: leaf.outputs, shape: [k, leaf.m] },
      params: { data: leaf.params, shape: [k] }, rank: { data: leaf.rank, shape: [k] }, crossedUnit: { data: leaf.crossedUnit, shape: [k] },
    };
    const hashes = Array.from(leaf.regionHash, (h) => h.toString(16).padStart(16, "0"));
    const singularData = singular && {
      count: singular.count, points: nest(singular.points, [singular.count, d]), params: Array.from(singular.params),
      rankBefore: Array.from(singular.rankBefore), rankAfter: Array.from(singular.rankAfter), genericRank: singular.genericRank,
    };
    const summary = {
      source, distribution, vertices: k, length: leaf.length, stopReason: leaf.stopReason, regions, folds: leaf.folds, exact: leaf.exact,
      genericRank: leaf.genericRank, ...(probChange !== undefined ? { maxProbabilityChange: probChange } : {}), ...(singularData ? { singular: singularData } : {}),
    };
    if (out?.toLowerCase().endsWith(".npy")) await writeArray(out, leaf.points, [k, d]);
    else if (out) await writeArraysJson(out, arrays, { ...summary, regionHash: hashes });
    const text = [
      `${distribution} leaf from ${source}: ${k} vertices, length ${leaf.length.toPrecision(4)}, ${regions} linear regions, stopped: ${leaf.stopReason}${leaf.exact ? " (exact piecewise-linear walk)" : " (RK4)"}`,
      ...(probChange !== undefined ? [`max |p(x_k) − p(x0)| along the path: ${probChange.toExponential(2)}`] : []),
      ...(singular ? [`singular points along the path: ${singular.count} (generic rank ${singular.genericRank})`] : []),
      out ? `wrote ${out}` : "(use --out to save the path)",
    ].join("\n");
    return { data: out ? { ...summary, out } : { ...summary, regionHash: hashes, ...Object.fromEntries(Object.entries(arrays).map(([n, a]) => [n, nest(a.data, a.shape)])) }, text };
  },
};

/**
 * `leaf … --redis URL --results DIR`: a leaf from every point of --data/--input, as map-shard jobs. --out .npy
 * holds all the paths' vertices one path after another ((Σ vertices)×d float64); `<out>.vertices.npy` how many
 * each path has. The paths equal engine.leaves on the whole batch (random directions drawn from --seed).
 */
async function leavesDistributed(model: Awaited<ReturnType<typeof loadModelFile>>, opts: Record<string, unknown>, ctx: Parameters<CliCommand["run"]>[2]) {
  if (opts.start !== undefined) throw new UsageError("with --redis, leaves start from every point of --data/--input (not --start)");
  const batch = await readInputs(opts, model.inputShape, ctx.log);
  const d = model.inputSize;
  const distribution = String(opts.distribution);
  if (distribution !== "data" && distribution !== "kernel") throw new UsageError(`--distribution must be data or kernel, got "${distribution}"`);
  const o: LeafOptions = { distribution, maxLength: parsePositive(opts.maxLength, "--max-length"), seed: parseSeed(opts.seed) };
  if (opts.direction !== undefined) o.direction = parseVector(opts.direction, d, "--direction");
  if (opts.target !== undefined) o.target = parseVector(opts.target, d, "--target");
  if (opts.box !== undefined) o.box = parseBox(opts.box, d);
  if (opts.maxVertices !== undefined) o.maxVertices = parsePositive(opts.maxVertices, "--max-vertices", true);
  const a = await distributedMap(model, batch.X, "leaves", o as Record<string, unknown>, opts, ctx);
  const out = opts.out as string | undefined;
  if (out) {
    await writeArray(out, a.points.data, a.points.shape);
    await writeArray(out.replace(/(\.npy|\.json)?$/i, ".vertices$1"), a.vertices.data, a.vertices.shape);
  }
  const summary = { source: batch.source, distribution, leaves: batch.n, vertices: a.points.shape[0], ...(out ? { out } : {}) };
  return { data: summary, text: `${batch.n} ${distribution} leaves from ${batch.source}: ${a.points.shape[0]} vertices in all${out ? `; wrote ${out}` : " (use --out to save them)"}` };
}
