/**
 * `foliate ricci <model>`: the Ricci network flow of a model on a batch (Baptista et al. 2024): per-layer kNN
 * graphs, their Forman–Ricci curvature Ric_l and geodesic sums g_l, and the global Ricci coefficient ρ_k, for
 * one k (engine.ricciFlow) or several (engine.ricciSweep).
 */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine } from "../engineSession.js";
import { batchOptions, loadModelFile, readInputs, writeArraysJson } from "../files.js";
import { numberList } from "../listOption.js";
import type { GraphMode } from "../../analyses/ricci/graph.js";
import type { RicciFlowResult } from "../../analyses/ricci/ricciFlow.js";

function flowSummary(f: RicciFlowResult) {
  return {
    k: f.k, mode: f.mode, n: f.n, layers: f.layers, rho: f.rho, rhoReason: f.rhoReason, pValue: f.pValue, zFisher: f.zFisher, zAdjusted: f.zAdjusted,
    ric: Array.from(f.ric), g: Array.from(f.g), eta: Array.from(f.eta), components: Array.from(f.components), disconnected: f.disconnected,
  };
}

const fmt = (x: number) => (Number.isNaN(x) ? "NaN" : Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toPrecision(4));

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
  },
  examples: [
    "foliate ricci model.json --data moons:test:300 --k 10,30",
    "foliate ricci model.json --input x.npy --k 20 --mode union --out ricci.json",
  ],
  async run([path], opts, ctx) {
    const ks = numberList("--k", opts.k, { integer: true, min: 1 });
    const mode = opts.mode as GraphMode;
    if (mode !== "directed" && mode !== "union") throw new UsageError(`--mode must be directed or union, got "${String(opts.mode)}"`);
    const model = await loadModelFile(path);
    const batch = await readInputs(opts, model.inputShape, ctx.log);
    const flowOpts = { mode, includeOutput: !!opts.includeOutput, skipInput: !!opts.skipInput };
    const stage = ctx.progress.stage("ricci", ks.length);
    const t0 = performance.now();
    const flows = await withEngine(opts, async (engine) =>
      ks.length === 1 ? [await engine.ricciFlow(model, batch.X, { k: ks[0], ...flowOpts })] : (await engine.ricciSweep(model, batch.X, ks, flowOpts)).flows);
    const ms = performance.now() - t0;
    stage.done();
    const out = opts.out as string | undefined;
    if (out) {
      const arrays: Record<string, { data: ArrayLike<number>; shape: number[] }> = {};
      flows.forEach((f) => {
        arrays[`k${f.k}_local`] = { data: f.local, shape: [f.n] };
        arrays[`k${f.k}_nodeCurvature`] = { data: f.nodeCurvature, shape: [f.layers + 1, f.n] };
      });
      await writeArraysJson(out, arrays, { source: batch.source, flows: flows.map(flowSummary) });
    }
    const data = { source: batch.source, n: batch.n, ms, flows: flows.map(flowSummary), ...(out ? { out } : {}) };
    const lines = [
      `Ricci flow of ${batch.n} points (${batch.source}), ${flows[0].layers} layers after the input, ${mode} kNN graphs, ${ms.toFixed(0)} ms`,
      ...flows.flatMap((f) => [
        `k = ${f.k}: ρ = ${fmt(f.rho)}${f.rhoReason ? ` (${f.rhoReason})` : ""}, p = ${fmt(f.pValue)}, z (Fisher) = ${fmt(f.zFisher)}, z (adjusted) = ${fmt(f.zAdjusted)}`,
        `  Ric_l: ${Array.from(f.ric, fmt).join(" ")}`,
        `  g_l:   ${Array.from(f.g, fmt).join(" ")}${f.disconnected ? `  (disconnected: components ${Array.from(f.components).join(" ")})` : ""}`,
      ]),
      ...(out ? [`wrote ${out}`] : []),
    ];
    return { data, text: lines.join("\n") };
  },
};
