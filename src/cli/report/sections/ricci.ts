/**
 * The Ricci-flow section (issue 5; Baptista et al., "Deep learning as Ricci flow", Sci. Rep. 2024): a reduced
 * population run — a few binary ReLU classifiers trained with tfjs on the nested-blobs set — with each
 * network's per-layer Forman–Ricci curvature Ric_l and geodesic sum g_l, ρ_k against test accuracy, and the
 * fraction of well-trained networks with ρ_k < 0; then engine.ricciFlow on the report's own models.
 */
import type { Figure, NumberRow, ReportSection, SectionResult, Table, Timing } from "../section.js";
import { timed } from "../section.js";
import { paperTable } from "../paperTable.js";
import { renderChart } from "../charts.js";
import { ricciPopulation, reducedPopulationOptions, ARCHITECTURES, type PopulationOptions } from "../../../experiments/ricciPopulation.js";
import { imageTask, ricciPopulationOnTask } from "../../../experiments/ricciTasks.js";

const PAPER = "Baptista et al., Deep learning as Ricci flow (Sci. Rep. 14:23383, 2024)";

/** The report's population: reducedPopulationOptions, smaller still with --quick. */
export function reportPopulation(quick: boolean): PopulationOptions {
  const o = reducedPopulationOptions("blobs");
  return quick ? { ...o, networks: o.networks.slice(0, 2), nTrain: 120, nTest: 100, epochs: 10, ks: [10, 30] } : o;
}

const f3 = (x: number) => (Number.isNaN(x) ? "NaN" : x.toFixed(3));

export const ricciSection: ReportSection = {
  id: "ricci-flow",
  title: "Ricci flow: curvature and geodesics of the layers' kNN graphs",
  about:
    "Each layer's activations on a test set form a k-nearest-neighbour graph; its Forman–Ricci curvature Ric_l and the sum g_l of its hop-count geodesics say how the layer bends and contracts the data. " +
    "The global Ricci coefficient ρ_k, the correlation over layers between Ric_l and the change η_l = g_{l+1} − g_l, is negative when the network acts like a Ricci flow, as Baptista et al. found for most well-trained classifiers.",
  async run(ctx): Promise<SectionResult> {
    const figures: Figure[] = [], tables: Table[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const opts = reportPopulation(ctx.quick);
    const stage = ctx.stage("ricci flow", 2);
    const pop = await timed(timings, `population: ${opts.networks.length} networks trained (${opts.epochs} epochs, ${opts.nTrain} points) and their Ricci sweeps on ${opts.nTest} test points`, () => ricciPopulation(opts));
    stage.tick();
    const kMid = Math.floor(pop.ks.length / 2);
    const name = (h: number[], s: number) => `${h.join("-")} (seed ${s})`;
    const perLayer = pop.networks.flatMap((n) => Array.from(n.ric[kMid], (r, l) => [
      { network: name(n.hidden, n.seed), layer: l, value: r, quantity: "Ric_l (Forman–Ricci curvature)" },
      { network: name(n.hidden, n.seed), layer: l, value: n.g[kMid][l], quantity: "g_l (sum of geodesics)" },
    ]).flat());
    figures.push({
      svg: await renderChart({
        data: { values: perLayer },
        facet: { column: { field: "quantity", type: "nominal", title: null } },
        spec: { width: 260, height: 200, mark: { type: "line", point: true }, encoding: { x: { field: "layer", type: "ordinal", title: "layer l (0 = input)" }, y: { field: "value", type: "quantitative", title: null, scale: { zero: false } }, color: { field: "network", type: "nominal", title: "network" } } },
        resolve: { scale: { y: "independent" } },
      }),
      caption: `Ric_l and g_l per layer (k = ${pop.ks[kMid]}, ${opts.mode} kNN graphs, ${opts.nTest} test points of the nested-blobs set). Ricci-flow-like (ρ_k < 0): the more negatively curved a layer's graph, the more g_l grows at the next layer (η_l = g_{l+1} − g_l), as a Ricci flow expands negatively curved regions and contracts the others.`,
    });
    const scatter = pop.networks.flatMap((n) => Array.from(n.rho, (rho, i) => ({ network: name(n.hidden, n.seed), k: pop.ks[i], rho, accuracy: n.accuracy }))).filter((p) => Number.isFinite(p.rho));
    figures.push({
      svg: await renderChart({
        width: 320, height: 220, data: { values: scatter },
        layer: [
          { mark: { type: "rule", color: "#999", strokeDash: [3, 3] }, encoding: { y: { datum: 0 } } },
          { mark: { type: "point", filled: true, size: 70 }, encoding: { x: { field: "accuracy", type: "quantitative", title: "test accuracy", scale: { zero: false, padding: 12 } }, y: { field: "rho", type: "quantitative", title: "ρ_k", scale: { domain: [-1, 1] } }, color: { field: "k", type: "ordinal", title: "k" }, shape: { field: "network", type: "nominal", title: "network" } } },
        ],
      }),
      caption: `ρ_k of each network against its test accuracy (networks above ${opts.accuracyThreshold} accuracy count as well trained). Undefined ρ_k (a disconnected graph) are left out.`,
    });
    tables.push({
      caption: `Population summary over the ${pop.wellTrained} well-trained of ${pop.networks.length} networks`,
      headers: ["k", "networks with ρ_k defined", "fraction ρ_k < 0", "corr(−ρ_k, accuracy)"],
      rows: pop.ks.map((k, i) => [k, pop.defined[i], f3(pop.fractionNegative[i]), f3(pop.correlation[i])]),
    });
    tables.push({
      caption: "Networks",
      headers: ["hidden widths", "seed", "test accuracy", ...pop.ks.map((k) => `ρ_${k}`)],
      rows: pop.networks.map((n) => [n.hidden.join("-"), n.seed, f3(n.accuracy), ...Array.from(n.rho, f3)]),
    });
    pop.ks.forEach((k, i) => numbers.push({
      name: `fraction of well-trained networks with ρ_${k} < 0 (reduced run, ${pop.defined[i]} networks)`, value: f3(pop.fractionNegative[i]),
      published: { value: "most well-trained networks (ρ_k < 0); −ρ_k correlates positively with accuracy", source: PAPER },
    }));
    tables.unshift(paperTable(PAPER, pop.ks.map((k, i) => {
      const frac = pop.fractionNegative[i];
      return {
        quantity: `fraction of well-trained networks with ρ_${k} < 0`,
        paperSetting: "over 1 500 ReLU classifiers of several widths and depths on synthetic and real data; the authors' script: 2 000 training / 1 000 test points, k ∈ {30, 120, 300}, well trained = accuracy ≥ 0.98",
        published: "most (ρ_k < 0 at a suitable k; the best k depends on the data)",
        ours: Number.isFinite(frac) ? `${f3(frac)} of ${pop.defined[i]}` : `— (no well-trained network has ρ_${k} defined)`,
        ourSetting: `${opts.networks.length} networks, ${opts.nTrain} training / ${opts.nTest} test points of ${opts.dataset}, ${opts.epochs} epochs, k = ${k} (k/n = ${(k / opts.nTest).toFixed(2)}), well trained = accuracy ≥ ${opts.accuracyThreshold}`,
        agree: frac > 0.5 ? "yes" as const : "no" as const,
        why: (() => {
          const ratio = k / opts.nTest, inside = ratio >= 0.03 && ratio <= 0.3;
          const positive = Number.isFinite(frac) ? `${Math.round((1 - frac) * pop.defined[i])} of our ${pop.defined[i]} well-trained networks have ρ_${k} ≥ 0` : `no well-trained network has ρ_${k} defined`;
          return `${positive}. Our k/n = ${ratio.toFixed(2)} lies ${inside ? "inside" : "outside"} the authors' 0.03–0.3, so ${inside ? "the scale alone does not explain it" : "the scale differs too"}; our population is far smaller and less trained (${opts.networks.length} networks, ${opts.epochs} epochs on ${opts.nTrain} points, threshold ${opts.accuracyThreshold} vs 0.98), and with so few networks a difference of setting cannot be told from chance. \`foliate reproduce ricci\` (without --quick) runs the authors' setting.`;
        })(),
      };
    })));
    if (!ctx.quick) {
      // one network on a binary image task from the shipped data (MNIST 1 vs 7)
      const [train, test] = await Promise.all([imageTask("mnist-1-7", "train", 400), imageTask("mnist-1-7", "test", 200)]);
      const img = await timed(timings, "MNIST 1 vs 7: one 784-25×5-1 network trained (10 epochs, 400 images) and its Ricci sweep on 200 test images", () =>
        ricciPopulationOnTask(train, test, { networks: [{ hidden: ARCHITECTURES["w25-d5"], seed: 1 }], epochs: 10, ks: opts.ks, mode: opts.mode }));
      const n = img.networks[0];
      tables.push({ caption: "MNIST 1 vs 7 (src/experiments/ricciTasks.ts): one network of the paper's width 25, depth 5", headers: ["test accuracy", ...pop.ks.map((k) => `ρ_${k}`), `Ric_l (k = ${pop.ks[kMid]})`, `g_l (k = ${pop.ks[kMid]})`], rows: [[f3(n.accuracy), ...Array.from(n.rho, f3), Array.from(n.ric[kMid], (x) => x.toFixed(0)).join(" "), Array.from(n.g[kMid], (x) => x.toExponential(2)).join(" ")]] });
    }
    // engine.ricciFlow on the report's own models (their test sets, k = 10)
    const flows: (string | number)[][] = [];
    for (const s of ctx.subjects) {
      const n = Math.min(s.test.n, ctx.quick ? 150 : 400);
      const X = s.test.X.subarray(0, n * s.model.inputSize);
      const fl = await timed(timings, `${s.id}: engine.ricciFlow on ${n} points (k = 10)`, () => ctx.engine.ricciFlow(s.model, X, { k: 10, disconnected: "reachable" }), n);
      flows.push([s.id, n, fl.layers, Array.from(fl.ric, (x) => x.toFixed(0)).join(" "), Array.from(fl.g, (x) => x.toExponential(2)).join(" "), f3(fl.rho), fl.rhoReason ?? "", Array.from(fl.components).join(" ")]);
    }
    tables.push({ caption: "engine.ricciFlow on the report's models (k = 10, directed, sums over reachable pairs when a graph is disconnected). With L = 2 layers ρ correlates two (Ric_l, η_l) pairs and is ±1 by construction: only its sign carries information", headers: ["model", "n", "L", "Ric_l", "g_l", "ρ", "why ρ is undefined", "components"], rows: flows });
    stage.done();
    const perK = pop.ks.map((k, i) => `ρ_${k} ${f3(pop.fractionNegative[i])}`).join(", ");
    return { figures, tables, numbers, timings, summary: `${pop.networks.length} networks, ${pop.wellTrained} well trained; fraction with ρ_k < 0: ${perK}` };
  },
};
