/**
 * `foliate reproduce-ricci`: the population experiment of "Deep learning as Ricci flow" (Baptista et al.
 * 2024): train many binary ReLU classifiers (tfjs, seeded), compute ρ_k of each for a sweep of k, and report
 * the fraction with ρ_k < 0 among the well-trained ones and the correlation of −ρ_k with test accuracy.
 * The full form is fullPopulationOptions (5 architectures × --seeds networks); --quick is the reduced run.
 */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { writeFile } from "node:fs/promises";
import { numberList } from "../listOption.js";
import { checkOutputFile } from "../files.js";
import { parseCount } from "../limits.js";
import { populationOn, type PopulationResult } from "../../experiments/ricciPopulation.js";
import { populationData, populationRecipe, POPULATION_DATASETS, type RecipeOptions } from "../../experiments/ricciRecipe.js";
import type { GraphMode } from "../../analyses/ricci/graph.js";
import { redisOptions, runWithProgress } from "../../distributed/cli.js";
import type { CliContext } from "../command.js";

const DATASET_CHOICES = POPULATION_DATASETS;

/** Run the population experiment on a synthetic set or an image task; `quick` picks the reduced sizes. */
export async function populationRun(dataset: string, o: RecipeOptions & { seeds: number }): Promise<PopulationResult> {
  const recipe = populationRecipe(dataset, o);
  const { train, test } = await populationData(recipe);
  return populationOn(train, test, recipe);
}

/** The same population, one ricci-network job per network on the workers connected to `opts.redis`. */
export function populationRunDistributed(dataset: string, o: RecipeOptions & { seeds: number }, opts: Record<string, unknown>, ctx: CliContext): Promise<PopulationResult> {
  return runWithProgress("ricci-network", populationRecipe(dataset, o), opts, ctx);
}

export const reproduceRicciCommand: CliCommand = {
  name: "reproduce-ricci",
  summary: "Ricci-flow population experiment (Baptista et al. 2024): fraction of networks with ρ_k < 0, corr(−ρ_k, accuracy)",
  options: (cmd) => {
    cmd.option("--quick", "the reduced run: 3 networks, 200 points, 30 epochs (seconds)");
    cmd.option("--dataset <name>", `data: ${DATASET_CHOICES.join("|")}`, "blobs");
    cmd.option("--seeds <n>", "networks per architecture in the full run", "20");
    cmd.option("-k, --k <list>", "the k sweep (default: 10,40,150 quick; 30,120,300 full)");
    cmd.option("--mode <mode>", "graph mode: directed or union", "directed");
    cmd.option("--networks <n>", "exactly n networks, the architectures in turn (seeds as in the full grid; with --quick the reduced ones)");
    cmd.option("-o, --out <file.json>", "write every network's accuracy, ρ_k, Ric_l and g_l");
    redisOptions(cmd, false);
  },
  examples: ["foliate reproduce-ricci --quick", "foliate reproduce-ricci --dataset mnist-1-7 --seeds 5 --out ricci-population.json", "foliate reproduce-ricci --dataset mnist-1-7 --networks 1500 --redis redis://10.0.0.5:6379 --out ricci-1500.json"],
  async run(_args, opts, ctx) {
    const dataset = String(opts.dataset);
    if (!DATASET_CHOICES.includes(dataset)) throw new UsageError(`--dataset must be one of ${DATASET_CHOICES.join(", ")}, got "${dataset}"`);
    const seeds = parseCount("--seeds", opts.seeds, { max: 1000, why: "a time limit: every seed trains 5 networks, seconds each" });
    const out = await checkOutputFile("--out", opts.out, [".json"]);
    const mode = opts.mode as GraphMode;
    if (mode !== "directed" && mode !== "union") throw new UsageError(`--mode must be directed or union, got "${String(opts.mode)}"`);
    const ks = opts.k === undefined ? undefined : numberList("--k", opts.k, { integer: true, min: 1 });
    ctx.log(`reproduce-ricci: ${opts.quick ? "reduced" : "full"} population on ${dataset} (this trains every network with tfjs)`);
    const t0 = performance.now();
    const count = opts.networks === undefined ? undefined : Number(opts.networks);
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new UsageError(`--networks must be a positive integer, got "${String(opts.networks)}"`);
    const o = { quick: !!opts.quick, seeds, ks, mode, networks: count };
    const r = opts.redis ? await populationRunDistributed(dataset, o, opts, ctx) : await populationRun(dataset, o);
    const ms = performance.now() - t0;
    const networks = r.networks.map((n) => ({ hidden: n.hidden, seed: n.seed, accuracy: n.accuracy, finalLoss: n.finalLoss, rho: Array.from(n.rho), reasons: n.reasons, ric: n.ric.map((a) => Array.from(a)), g: n.g.map((a) => Array.from(a)) }));
    const summary = r.ks.map((k, i) => ({ k, defined: r.defined[i], fractionNegative: r.fractionNegative[i], correlation: r.correlation[i] }));
    const data = { dataset, quick: !!opts.quick, ms, networks: r.networks.length, wellTrained: r.wellTrained, perK: summary };
    if (out) await writeFile(out, JSON.stringify({ ...data, networks }));
    const f = (x: number) => (Number.isNaN(x) ? "NaN" : x.toFixed(3));
    const lines = [
      `${r.networks.length} networks on ${dataset}, ${r.wellTrained} well trained, ${(ms / 1000).toFixed(1)} s`,
      "k      defined  fraction ρ_k<0  corr(−ρ_k, accuracy)",
      ...summary.map((s) => `${String(s.k).padEnd(7)}${String(s.defined).padEnd(9)}${f(s.fractionNegative).padEnd(16)}${f(s.correlation)}`),
      ...(out ? [`wrote ${out}`] : []),
    ];
    return { data, text: lines.join("\n") };
  },
};
