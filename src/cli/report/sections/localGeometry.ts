/**
 * The local-geometry section (issue 7; Shisher, Ornee, Sun, arXiv 2202.04632, and Xu, Huang, Zheng, Wornell,
 * Entropy 2022): learned features against the SVD of the divergence transition matrix in and outside the
 * local regime (the regime sweep), the hidden-layer and MMSE versions, and experiment 4: the H-score of the
 * penultimate-layer features of the report's trained models beside their test accuracy.
 */
import type { Figure, NumberRow, ReportSection, SectionResult, Table, Timing } from "../section.js";
import { renderChart } from "../charts.js";
import { localGeometryExperiments, modelHScore } from "../../commands/localgeo.js";

const PAPER = "Shisher, Ornee, Sun, A local geometric interpretation of feature extraction (arXiv 2202.04632)";
const f3 = (x: number) => (Number.isNaN(x) ? "NaN" : x.toPrecision(3));

export const localGeometrySection: ReportSection = {
  id: "local-geometry",
  title: "Local geometry of feature extraction: learned features against the SVD optimum",
  about:
    "Near independence of input and label (the local regime), the best k features of a softmax-regression layer and its weights are the top singular vectors of the divergence transition matrix B, and their H-score ½ tr(cov(f)⁻¹ cov(E[f|Y])) reaches ½ Σ σᵢ². " +
    "Networks trained by gradient descent are compared with that optimum by principal angles and H-scores, inside and outside the local regime, and the H-score of each trained report model's penultimate features is set beside its accuracy.",
  async run(ctx): Promise<SectionResult> {
    const figures: Figure[] = [], tables: Table[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const stage = ctx.stage("local geometry", 4 + ctx.subjects.length);
    const run = await localGeometryExperiments(ctx.quick, () => stage.tick());
    timings.push(
      { what: "experiment 1: softmax regression, |X| = 8, |Y| = 6, k = 2 (tfjs, cpu)", ms: run.softmax.ms },
      { what: "experiment 2: hidden layer 8 → 4 (tanh, frozen) → 3 (sigmoid) → 6", ms: run.hidden.ms },
      { what: "experiment 3: MMSE 6 → 2 → 4 against reduced-rank regression", ms: run.mmse.ms },
      { what: `regime sweeps (${run.sweep.local.length} × 2 trainings)`, ms: run.sweep.ms },
    );
    const sweepRows = (["local", "far"] as const).flatMap((kind) => run.sweep[kind].map((r) => ({ regime: kind === "local" ? "local (A random)" : "far (A peaked)", ...r })));
    const enc = { x: { field: "epsilon", type: "quantitative", title: "ε (distance from independence)" }, color: { field: "regime", type: "nominal", title: "joint" } };
    figures.push({
      svg: await renderChart({
        hconcat: [
          { width: 260, height: 200, data: { values: sweepRows }, mark: { type: "line", point: true }, encoding: { ...enc, y: { field: "maxAngle", type: "quantitative", title: "largest principal angle (rad)" } } },
          { width: 260, height: 200, data: { values: sweepRows.flatMap((r) => [{ ...r, which: "learned", h: r.hLearned }, { ...r, which: "SVD (½ Σ σᵢ²)", h: r.hTheory }]) }, mark: { type: "line", point: true }, encoding: { ...enc, y: { field: "h", type: "quantitative", title: "H-score", scale: { type: "symlog", constant: 1e-3 } }, strokeDash: { field: "which", type: "nominal", title: "features" } } },
        ],
      }),
      caption: "Regime sweep: a k = 2 feature layer trained on P = (1−ε)·uniform + ε·A, against the SVD features of the same P. Left: the largest principal angle between the learned and the SVD feature subspaces; right: their H-scores. Near independence (small ε) they agree; far from it (peaked A, large ε) the local theory no longer describes the optimum and the match degrades.",
    });
    tables.push({
      caption: "Regime sweep", headers: ["joint", "ε", "σ₁ of B", "max principal angle", "H learned", "H SVD", "‖Ξ̃ − B_k‖/‖B_k‖"],
      rows: sweepRows.map((r) => [r.regime, r.epsilon, f3(r.sigma1), f3(r.maxAngle), f3(r.hLearned), f3(r.hTheory), f3(r.productError)]),
    });
    tables.push({
      caption: "Experiments 1–3", headers: ["experiment", "max principal angle (rad)", "learned", "optimum", "relative error"],
      rows: [
        ["1: softmax regression, random P_XY, 100 000 samples", f3(run.softmax.maxAngle), `H = ${f3(run.softmax.hLearned)}`, `H = ${f3(run.softmax.hTheory)}`, `features ${f3(run.softmax.featureError)}`],
        ["2: hidden layer, 0.98·uniform + 0.02·A", f3(run.hidden.maxAngle), `H = ${f3(run.hidden.hLearned)}`, `H = ${f3(run.hidden.hTheory)}`, "–"],
        ["3: MMSE, 6 → 2 → 4", f3(run.mmse.maxAngle), `MSE = ${f3(run.mmse.learnedMse)}`, `MSE = ${f3(run.mmse.theoryMse)}`, `map ${f3(run.mmse.mapError)}`],
      ],
    });
    numbers.push(
      { name: "local regime (ε = 0.02): largest principal angle learned vs SVD", value: f3(run.sweep.local[0].maxAngle), unit: "rad", published: { value: "→ 0 (the optimum is the low-rank SVD approximation)", source: PAPER } },
      { name: "MMSE: learned MSE / reduced-rank MSE", value: f3(run.mmse.learnedMse / run.mmse.theoryMse), published: { value: "1 (reduced-rank regression is the optimum)", source: PAPER } },
      { name: "experiment 1: H-score learned / ½ Σ σᵢ²", value: f3(run.softmax.hLearned / run.softmax.hTheory), published: { value: "≤ 1, = 1 at the optimum", source: "Xu, Huang, Zheng, Wornell, Entropy 2022" } },
    );
    const h4: (string | number)[][] = [];
    for (const s of ctx.subjects) {
      const t0 = performance.now();
      const n = Math.min(s.test.n, ctx.quick ? 200 : 1000);
      const r = await modelHScore(ctx.engine, s.model, s.test.X.subarray(0, n * s.model.inputSize), s.test.labels.subarray(0, n));
      timings.push({ what: `${s.id}: penultimate features and H-score of ${n} test points`, ms: performance.now() - t0, points: n });
      h4.push([s.id, r.layer, `${r.kUsed} of ${r.k}`, f3(r.hScore), r.hScoreMax, f3(r.hScore / r.hScoreMax), `${(100 * r.accuracy).toFixed(1)}%`]);
      stage.tick();
    }
    tables.push({ caption: "Experiment 4: H-score of the input of each report model's last layer (its penultimate features) on its test set, beside its test accuracy", headers: ["model", "layer", "features used (non-constant)", "H-score", "maximum ½·min(k, C−1)", "fraction of maximum", "test accuracy"], rows: h4 });
    stage.done();
    return { figures, tables, numbers, timings, summary: `local ε=0.02 angle ${f3(run.sweep.local[0].maxAngle)} rad, far ε=1 angle ${f3(run.sweep.far[run.sweep.far.length - 1].maxAngle)} rad; ${h4.map((r) => `${r[0]} H ${r[3]} acc ${r[6]}`).join(", ")}` };
  },
};
