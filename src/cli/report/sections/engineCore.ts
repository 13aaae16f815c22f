/**
 * The engine-core section: forward passes (decision regions, linear-region counts), exact Jacobians checked
 * against finite differences, and the data information matrix D(x) = Jᵀ(diag p − p pᵀ)J — its leading
 * eigen-directions drawn over the decision regions of the 2D classifier, its top eigenvalue as a heat map,
 * and its spectrum per class on every model.
 */
import type { Figure, NumberRow, ReportContext, ReportSection, SectionResult, Subject, Table, Timing } from "../section.js";
import { timed } from "../section.js";
import { renderChart } from "../charts.js";
import { checkJacobians, median } from "../jacobianCheck.js";

const CLASS_COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"];

function argmax(v: Float32Array, at: number, m: number): number {
  let best = 0;
  for (let c = 1; c < m; c++) if (v[at + c] > v[at + best]) best = c;
  return best;
}

/** A G×G grid over the data's bounding box with a margin: points n×2 row-major, and the cell size. */
function grid(subject: Subject, G: number) {
  const { X, n } = subject.test;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, X[2 * i]); x1 = Math.max(x1, X[2 * i]);
    y0 = Math.min(y0, X[2 * i + 1]); y1 = Math.max(y1, X[2 * i + 1]);
  }
  const mx = 0.15 * (x1 - x0), my = 0.15 * (y1 - y0);
  x0 -= mx; x1 += mx; y0 -= my; y1 += my;
  const dx = (x1 - x0) / G, dy = (y1 - y0) / G;
  const P = new Float32Array(G * G * 2); // G²×2, row-major, cell centres
  for (let a = 0; a < G; a++) for (let b = 0; b < G; b++) {
    P[2 * (a * G + b)] = x0 + (b + 0.5) * dx;
    P[2 * (a * G + b) + 1] = y0 + (a + 0.5) * dy;
  }
  return { P, dx, dy, x0, x1, y0, y1 };
}

async function planarFigures(ctx: ReportContext, s: Subject, timings: Timing[], numbers: NumberRow[]): Promise<Figure[]> {
  const { engine } = ctx;
  const G = ctx.quick ? 32 : 64, Q = ctx.quick ? 11 : 19;
  const fine = grid(s, G), coarse = grid(s, Q);
  const f = await timed(timings, `${s.id}: forward on a ${G}×${G} grid`, () => engine.forward(s.model, fine.P), G * G);
  const dimFine = await timed(timings, `${s.id}: DIM on a ${G}×${G} grid`, () => engine.dim(s.model, fine.P), G * G);
  const dimCoarse = await engine.dim(s.model, coarse.P);
  numbers.push({ name: `${s.id}: linear regions met by the ${G}×${G} grid`, value: new Set(f.regionHash).size });
  const cells = [], heat = [], arrows = [];
  for (let k = 0; k < G * G; k++) {
    const x = fine.P[2 * k], y = fine.P[2 * k + 1];
    const c = argmax(f.logits, k * f.m, f.m);
    const box = { x: x - fine.dx / 2, x2: x + fine.dx / 2, y: y - fine.dy / 2, y2: y + fine.dy / 2 };
    cells.push({ ...box, cls: String(c), conf: f.probs[k * f.m + c] });
    heat.push({ ...box, logLambda: Math.log10(Math.max(dimFine.eigenvalues[k * dimFine.r], 1e-12)) });
  }
  for (let k = 0; k < Q * Q; k++) {
    const x = coarse.P[2 * k], y = coarse.P[2 * k + 1];
    // a segment ±v₁ of fixed length (the direction field), opacity by log λ₁ (the strength)
    const L = 0.42 * Math.min(coarse.dx, coarse.dy); // in data units: the chart keeps the aspect ratio 1
    const vx = dimCoarse.eigenvectors[k * dimCoarse.r * 2] * L, vy = dimCoarse.eigenvectors[k * dimCoarse.r * 2 + 1] * L;
    arrows.push({ x: x - vx, y: y - vy, x2: x + vx, y2: y + vy, logLambda: Math.log10(Math.max(dimCoarse.eigenvalues[k * dimCoarse.r], 1e-12)) });
  }
  const points = Array.from({ length: s.test.n }, (_, i) => ({ x: s.test.X[2 * i], y: s.test.X[2 * i + 1], cls: String(s.test.labels[i]) }));
  const scaleX = { domain: [fine.x0, fine.x1], nice: false }, scaleY = { domain: [fine.y0, fine.y1], nice: false };
  const color = { field: "cls", type: "nominal", title: "class", scale: { range: CLASS_COLORS } };
  // equal units on both axes, so that directions (and orthogonality to the boundary) read true
  const width = 420, height = Math.round(Math.min(560, Math.max(160, (420 * (fine.y1 - fine.y0)) / (fine.x1 - fine.x0))));
  const regions = await renderChart({
    width, height,
    resolve: { scale: { opacity: "independent" }, legend: { opacity: "independent" } },
    layer: [
      { data: { values: cells }, mark: { type: "rect" }, encoding: { x: { field: "x", type: "quantitative", scale: scaleX, title: "x₁" }, x2: { field: "x2" }, y: { field: "y", type: "quantitative", scale: scaleY, title: "x₂" }, y2: { field: "y2" }, color, opacity: { field: "conf", type: "quantitative", scale: { domain: [0.5, 1], range: [0.08, 0.55] }, legend: null } } },
      { data: { values: points }, mark: { type: "circle", size: 16, opacity: 0.9, stroke: "white", strokeWidth: 0.4 }, encoding: { x: { field: "x", type: "quantitative", scale: scaleX }, y: { field: "y", type: "quantitative", scale: scaleY }, color } },
      { data: { values: arrows }, mark: { type: "rule", color: "black", strokeWidth: 1.3 }, encoding: { x: { field: "x", type: "quantitative", scale: scaleX }, y: { field: "y", type: "quantitative", scale: scaleY }, x2: { field: "x2" }, y2: { field: "y2" }, opacity: { field: "logLambda", type: "quantitative", title: "log₁₀ λ₁", scale: { range: [0.15, 1] } } } },
    ],
  });
  const heatmap = await renderChart({
    width, height,
    layer: [
      { data: { values: heat }, mark: { type: "rect" }, encoding: { x: { field: "x", type: "quantitative", scale: scaleX, title: "x₁" }, x2: { field: "x2" }, y: { field: "y", type: "quantitative", scale: scaleY, title: "x₂" }, y2: { field: "y2" }, color: { field: "logLambda", type: "quantitative", title: "log₁₀ λ₁", scale: { scheme: "viridis" } } } },
      { data: { values: points }, mark: { type: "circle", size: 6, color: "white", opacity: 0.6 }, encoding: { x: { field: "x", type: "quantitative", scale: scaleX }, y: { field: "y", type: "quantitative", scale: scaleY } } },
    ],
  });
  return [
    { svg: regions, caption: `${s.title}: decision regions (colour = predicted class, shade = confidence), test points, and the DIM's leading eigen-direction ±v₁(x) on a ${Q}×${Q} grid (darker = larger λ₁). The data leaves run orthogonal to these segments.` },
    { svg: heatmap, caption: `${s.title}: log₁₀ of the DIM's top eigenvalue λ₁(x) on a ${G}×${G} grid. The information concentrates along the decision boundary and vanishes where the classifier is saturated.` },
  ];
}

async function spectra(ctx: ReportContext, s: Subject, timings: Timing[], tables: Table[], numbers: NumberRow[]): Promise<Figure[]> {
  const n = ctx.quick ? Math.min(s.test.n, 200) : s.test.n;
  const d = s.model.inputSize;
  const X = s.test.X.subarray(0, n * d);
  const D = await timed(timings, `${s.id}: DIM of ${n} test points`, () => ctx.engine.dim(s.model, X), n);
  const C = D.C, r = D.r;
  const rows: { cls: string; j: number; logLambda: number }[] = [];
  const top: { cls: string; logLambda: number }[] = [];
  let maxRank = 0;
  const perClass: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < n; i++) {
    const cls = String(s.test.labels[i]);
    maxRank = Math.max(maxRank, D.rank[i]);
    perClass[s.test.labels[i]].push(D.eigenvalues[i * r]);
    top.push({ cls, logLambda: Math.log10(Math.max(D.eigenvalues[i * r], 1e-12)) });
    for (let j = 0; j < r; j++) rows.push({ cls, j: j + 1, logLambda: Math.log10(Math.max(D.eigenvalues[i * r + j], 1e-12)) });
  }
  numbers.push({ name: `${s.id}: largest numerical rank of D(x) over ${n} test points`, value: maxRank, published: { value: `≤ C − 1 = ${C - 1}`, source: "Grementieri & Fioresi, Model-centric data manifold (2022)" } });
  tables.push({
    caption: `${s.id}: top DIM eigenvalue λ₁ per class (${n} test points)`,
    headers: ["class", "points", "median λ₁", "min λ₁", "max λ₁"],
    rows: perClass.map((v, c) => [c, v.length, v.length ? median(v).toExponential(2) : "–", v.length ? Math.min(...v).toExponential(2) : "–", v.length ? Math.max(...v).toExponential(2) : "–"]),
  });
  const color = { field: "cls", type: "nominal", title: "class", scale: { range: CLASS_COLORS } };
  const figs: Figure[] = [{
    svg: await renderChart({ width: 40 * C, height: 220, data: { values: top }, mark: { type: "boxplot", extent: 1.5, size: 18 }, encoding: { x: { field: "cls", type: "nominal", title: "class", axis: { labelAngle: 0 } }, y: { field: "logLambda", type: "quantitative", title: "log₁₀ λ₁", scale: { zero: false } }, color: { ...color, legend: null } } }),
    caption: `${s.title}: distribution of the DIM's top eigenvalue per (true) class over the test points.`,
  }];
  if (r > 1) {
    figs.push({
      svg: await renderChart({ width: 360, height: 220, data: { values: rows }, mark: { type: "line", point: true }, encoding: { x: { field: "j", type: "ordinal", title: "eigenvalue index j" }, y: { aggregate: "median", field: "logLambda", type: "quantitative", title: "median log₁₀ λⱼ" }, color } }),
      caption: `${s.title}: the DIM spectrum (median log₁₀ λⱼ, j = 1..${r}) per class: at most C − 1 = ${C - 1} nonzero eigenvalues in a ${d}-dimensional input space.`,
    });
  }
  return figs;
}

/** C(n, j) in float64 (exact up to 2^53, then rounded). */
function binomial(n: number, j: number): number {
  let c = 1;
  for (let i = 1; i <= j; i++) c = (c * (n - j + i)) / i;
  return c;
}

/**
 * The product upper bound on the number of linear regions of a dense ReLU network with input dimension d and
 * hidden widths nₗ: ∏ₗ Σ_{j=0}^{min(d, nₗ)} C(nₗ, j). Undefined for models with convolutions or pooling.
 */
function regionBound(s: Subject): string | undefined {
  const m = s.model;
  if (!m.layers.every((l) => l.type === "dense" || l.type === "activation")) return undefined;
  const d = m.inputSize;
  let log10 = 0;
  m.layers.forEach((l, i) => {
    if ("activation" in l && l.activation === "relu") {
      const n = m.shapes[i][0];
      let sum = 0;
      for (let j = 0; j <= Math.min(d, n); j++) sum += binomial(n, j);
      log10 += Math.log10(sum);
    }
  });
  return log10 < 15 ? String(Math.round(10 ** log10)) : `10^${log10.toFixed(1)}`;
}

export const engineCoreSection: ReportSection = {
  id: "engine-core",
  title: "Engine core: forward passes, exact Jacobians and the data information matrix",
  about:
    "The engine computes every point's activation pattern (its linear region), its exact input Jacobian, and the data information matrix D(x) = Jᵀ(diag p − p pᵀ)J, the Fisher information of the classifier pulled back to input space. " +
    "Its eigenvectors with nonzero eigenvalues span the directions in which the prediction changes; the rest (the kernel) are tangent to the data leaf through x.",
  async run(ctx): Promise<SectionResult> {
    const figures: Figure[] = [], tables: Table[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const check: Table = { caption: "Exact Jacobians (engine, float32) against central finite differences of the float64 reference forward pass (h = 1e-5)", headers: ["model", "d", "m", "points checked", "left out (step crosses a kink)", "median rel. error", "max rel. error", "engine ms", "finite differences ms"], rows: [] };
    const stage = ctx.stage("engine core", 3 * ctx.subjects.length); // per subject: regions, spectra, Jacobians
    for (const s of ctx.subjects) {
      if (s.model.inputSize === 2 && s.model.outputSize >= 2) figures.push(...(await planarFigures(ctx, s, timings, numbers)));
      stage.tick();
      if (s.model.outputSize >= 2) figures.push(...(await spectra(ctx, s, timings, tables, numbers)));
      stage.tick();
      const k = Math.min(s.test.n, ctx.quick ? 8 : 32);
      const d = s.model.inputSize;
      const X = s.test.X.slice(0, k * d);
      const t0 = performance.now();
      const J = await ctx.engine.jacobian(s.model, X);
      const engineMs = performance.now() - t0;
      const c = checkJacobians(s.model, X, J.data, k);
      timings.push({ what: `${s.id}: Jacobians of ${k} points`, ms: engineMs, points: k });
      const n = Math.min(s.test.n, ctx.quick ? 200 : 2000);
      await timed(timings, `${s.id}: Jacobians of ${n} points`, () => ctx.engine.jacobian(s.model, s.test.X.subarray(0, n * d)), n);
      const f = await timed(timings, `${s.id}: forward of ${s.test.n} test points`, () => ctx.engine.forward(s.model, s.test.X), s.test.n);
      const bound = regionBound(s);
      numbers.push({
        name: `${s.id}: distinct linear regions among ${s.test.n} test points`, value: new Set(f.regionHash).size,
        ...(bound ? { published: { value: `≤ ${bound} regions in all of input space`, source: "product bound ∏ₗ Σⱼ≤d C(nₗ, j) (Raghu et al. 2017; Serra et al. 2018)" } } : {}),
      });
      const maxErr = c.relErrors.length ? Math.max(...c.relErrors) : NaN;
      numbers.push({ name: `${s.id}: max relative Jacobian error vs finite differences`, value: maxErr.toExponential(2), published: { value: "≈ 1e-7 (float32 ε = 6e-8)", source: "float32 rounding" } });
      check.rows.push([s.id, d, J.shape[1], c.checked, c.straddling, median(c.relErrors).toExponential(2), maxErr.toExponential(2), engineMs.toFixed(1), c.fdMs.toFixed(1)]);
      stage.tick();
    }
    stage.done();
    tables.unshift(check);
    const worst = Math.max(...check.rows.map((r) => Number(r[6])).filter(Number.isFinite));
    return { figures, tables, numbers, timings, summary: `${figures.length} figures; Jacobian max rel. error ${worst.toExponential(1)}` };
  },
};
