/**
 * `foliate ricci <model>`: the Ricci network flow of a model on a batch (Baptista et al. 2024): per-layer kNN
 * graphs, their Forman–Ricci curvature Ric_l and geodesic sums g_l, and the global Ricci coefficient ρ_k, for
 * one k (engine.ricciFlow) or several (engine.ricciSweep).
 */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine } from "../engineSession.js";
import { batchOptions, checkOutputFile, loadModelFile, readInputs, writeArraysJson } from "../files.js";
import { numberList } from "../listOption.js";
import { MEMORY_BUDGET, MEMORY_BUDGET_TEXT } from "../limits.js";
import { OptionError } from "../../errors.js";
import type { GraphMode } from "../../analyses/ricci/graph.js";
import type { RicciFlowResult } from "../../analyses/ricci/ricciFlow.js";

type DisconnectedPolicy = "nan" | "reachable";

/**
 * Why ρ, p and z are undefined when they are, in the command line's terms (the library's own reasons name its
 * options, e.g. `disconnected: "reachable"`, which is `--disconnected reachable` here).
 */
export function flowReasons(f: RicciFlowResult, policy: DisconnectedPolicy): { rho: string | null; p: string | null; z: string | null } {
  let rho = f.rhoReason;
  if (Number.isNaN(f.rho) && f.disconnected && policy === "nan") {
    const l = Array.from(f.components).findIndex((c) => c > 1);
    rho = `the kNN graph of layer ${l} is disconnected (${f.components[l]} components, ${f.unreachablePairs[l]} unreachable pairs); ` +
      "--disconnected reachable computes ρ from the sums over reachable pairs, or raise --k";
  }
  const p = Number.isNaN(f.rho) ? "no ρ" : Number.isNaN(f.pValue)
    ? `a p-value needs at least 3 (Ric_l, η_l) pairs; ${f.pairs} pair${f.pairs === 1 ? "" : "s"} (${f.layers} layers) always correlate to ±1`
    : null;
  const z = Number.isNaN(f.zFisher) ? (Number.isNaN(f.rho) ? "no ρ" : `Fisher's z needs more than 4 layers, the model has ${f.layers}`) : null;
  return { rho, p, z };
}

function flowSummary(f: RicciFlowResult, policy: DisconnectedPolicy) {
  const why = flowReasons(f, policy);
  return {
    k: f.k, mode: f.mode, n: f.n, layers: f.layers, rho: f.rho, rhoReason: why.rho, pValue: f.pValue, pValueReason: why.p, zFisher: f.zFisher, zAdjusted: f.zAdjusted, zReason: why.z,
    ric: Array.from(f.ric), g: Array.from(f.g), eta: Array.from(f.eta), components: Array.from(f.components), disconnected: f.disconnected,
  };
}

const fmt = (x: number) => (Number.isNaN(x) ? "—" : Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toPrecision(4));

/** "ρ = 0.8", or "ρ = — (why)" when it is undefined. */
const valueWithReason = (name: string, x: number, reason: string | null) => `${name} = ${fmt(x)}${Number.isNaN(x) && reason ? ` (${reason})` : ""}`;

export const ricciCommand: CliCommand = {
  name: "ricci",
  args: "<model>",
  summary: "Ricci network flow: per-layer Forman–Ricci curvature Ric_l, geodesic sums g_l and the Ricci coefficient ρ_k",
  options: (cmd) => {
    batchOptions(cmd, "the results (.json: per k, ric, g, eta, components, local, rho …)");
    cmd.option("-k, --k <list>", "neighbours of the kNN graphs; a comma-separated list runs a sweep", "10");
    cmd.option("--mode <mode>", "graph mode: directed (k out-arcs, as the authors' R code) or union (undirected)", "directed");
    cmd.option("--include-output", "also use the logits as the last layer");
    cmd.option("--skip-input", "correlate over the hidden layers only (l ≥ 1), as the authors' R script");
    cmd.option("--disconnected <policy>", "when a layer's kNN graph is disconnected: nan (ρ undefined, as the authors' R code) or reachable (sums over reachable pairs)", "nan");
  },
  examples: [
    "foliate ricci model.json --data moons:test:300 --k 10,30",
    "foliate ricci model.json --input x.npy --k 20 --mode union --out ricci.json",
  ],
  async run([path], opts, ctx) {
    const ks = numberList("--k", opts.k, { integer: true, min: 1 });
    const mode = opts.mode as GraphMode;
    if (mode !== "directed" && mode !== "union") throw new UsageError(`--mode must be directed or union, got "${String(opts.mode)}"`);
    const policy = opts.disconnected as DisconnectedPolicy;
    if (policy !== "nan" && policy !== "reachable") throw new UsageError(`--disconnected must be nan or reachable, got "${String(opts.disconnected)}"`);
    const out = await checkOutputFile("--out", opts.out, [".json"]);
    const model = await loadModelFile(path);
    const batch = await readInputs(opts, model.inputShape, ctx.log);
    // Each layer's kNN graph holds n·k neighbour indices, arcs and hop-search state (≈ 16 bytes per arc).
    const clouds = model.layers.length + 2;
    const kMax = Math.min(batch.n - 1, Math.floor(MEMORY_BUDGET / (16 * batch.n * clouds)));
    const tooLarge = ks.find((k) => k > kMax);
    if (tooLarge !== undefined) {
      const why = kMax === batch.n - 1 ? `a kNN graph of ${batch.n} points has at most ${batch.n - 1} neighbours per point` : `${clouds} graphs of ${batch.n} points with ≈ 16 bytes per arc; ${MEMORY_BUDGET_TEXT} of memory at most`;
      throw new OptionError(`--k must be at most ${kMax} (${why}), got ${tooLarge}`);
    }
    const flowOpts = { mode, includeOutput: !!opts.includeOutput, skipInput: !!opts.skipInput, disconnected: policy, signal: ctx.signal };
    const stage = ctx.progress.stage("ricci", ks.length);
    const t0 = performance.now();
    const flows = await withEngine(opts, async (engine) =>
      ks.length === 1 ? [await engine.ricciFlow(model, batch.X, { k: ks[0], ...flowOpts })] : (await engine.ricciSweep(model, batch.X, ks, flowOpts)).flows);
    const ms = performance.now() - t0;
    stage.done();
    if (out) {
      const arrays: Record<string, { data: ArrayLike<number>; shape: number[] }> = {};
      flows.forEach((f) => {
        arrays[`k${f.k}_local`] = { data: f.local, shape: [f.n] };
        arrays[`k${f.k}_nodeCurvature`] = { data: f.nodeCurvature, shape: [f.layers + 1, f.n] };
      });
      await writeArraysJson(out, arrays, { source: batch.source, flows: flows.map((f) => flowSummary(f, policy)) });
    }
    const data = { source: batch.source, n: batch.n, ms, flows: flows.map((f) => flowSummary(f, policy)), ...(out ? { out } : {}) };
    const lines = [
      `Ricci flow of ${batch.n} points (${batch.source}), ${flows[0].layers} layers after the input, ${mode} kNN graphs, ${ms.toFixed(0)} ms`,
      ...flows.flatMap((f) => {
        const why = flowReasons(f, policy);
        return [
          `k = ${f.k}: ${valueWithReason("ρ", f.rho, why.rho)}, ${valueWithReason("p", f.pValue, why.p)}, ${valueWithReason("z (Fisher)", f.zFisher, why.z)}, z (adjusted) = ${fmt(f.zAdjusted)}`,
          `  Ric_l: ${Array.from(f.ric, fmt).join(" ")}`,
          `  g_l:   ${Array.from(f.g, fmt).join(" ")}${f.disconnected ? `  (disconnected: components ${Array.from(f.components).join(" ")})` : ""}`,
        ];
      }),
      ...(out ? [`wrote ${out}`] : []),
    ];
    return { data, text: lines.join("\n") };
  },
};
