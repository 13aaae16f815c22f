/**
 * The SiMEC/SiMExp section (Benfenati & Marta II, arXiv 2112.10583): on the authors' own trained R² → R
 * networks (data/simec-1d, MIT), the equivalence class through (0.25, 0.25) drawn over the network's output,
 * the interval preimage of surface 1 (an annulus), and drift and energy beside the authors' reference run.
 */
import { readFile } from "node:fs/promises";
import type { Engine } from "../../../api/engine.js";
import { Model } from "../../../model/model.js";
import type { PathResult } from "../../../analyses/equivalenceClass.js";
import { renderChart } from "../charts.js";
import type { Figure, NumberRow, ReportSection, SectionResult, Table, Timing } from "../section.js";
import { timed } from "../section.js";

const WEIGHTS = new URL("../../../../data/simec-1d/", import.meta.url);
const BOX: [[number, number], [number, number]] = [[-1, -1], [1, 1]];
const X0: [number, number] = [0.25, 0.25];

async function authorsModel(file: string): Promise<Model> {
  return Model.fromSimecText(await readFile(new URL(file, WEIGHTS), "utf8"));
}

/** G×G cells over BOX with the network's output N(x) (engine.forward). */
async function outputCells(engine: Engine, model: Model, G: number) {
  const h = 2 / G, X = new Float64Array(2 * G * G); // G²×2: cell centres, row a = y
  for (let a = 0; a < G; a++) for (let b = 0; b < G; b++) {
    X[2 * (a * G + b)] = -1 + (b + 0.5) * h;
    X[2 * (a * G + b) + 1] = -1 + (a + 0.5) * h;
  }
  const { logits } = await engine.forward(model, X);
  const cells = [];
  for (let i = 0; i < G * G; i++) {
    const x = X[2 * i], y = X[2 * i + 1];
    cells.push({ x: x - h / 2, x2: x + h / 2, y: y - h / 2, y2: y + h / 2, N: logits[i] });
  }
  return cells;
}

/** Polyline rows for a Vega-Lite line mark (at most ~`keep` vertices, ends kept). */
function polyline(points: Float64Array, k: number, curve: string, keep = 800) {
  const stride = Math.max(1, Math.ceil(k / keep)), rows = [];
  for (let i = 0; i < k; i += stride) rows.push({ x: points[2 * i], y: points[2 * i + 1], curve, order: i });
  if ((k - 1) % stride) rows.push({ x: points[2 * (k - 1)], y: points[2 * (k - 1) + 1], curve, order: k - 1 });
  return rows;
}

async function overHeatmap(cells: object[], lines: object[], colorTitle: string, lineColor: Record<string, unknown>): Promise<string> {
  const sx = { domain: [-1, 1], nice: false }, sy = { domain: [-1, 1], nice: false };
  return renderChart({
    width: 340, height: 340,
    resolve: { scale: { color: "independent" } },
    layer: [
      { data: { values: cells }, mark: { type: "rect" }, encoding: { x: { field: "x", type: "quantitative", scale: sx, title: "x" }, x2: { field: "x2" }, y: { field: "y", type: "quantitative", scale: sy, title: "y" }, y2: { field: "y2" }, color: { field: "N", type: "quantitative", title: colorTitle, scale: { scheme: "greys" } } } },
      { data: { values: lines }, mark: { type: "line", strokeWidth: 2 }, encoding: { x: { field: "x", type: "quantitative", scale: sx }, y: { field: "y", type: "quantitative", scale: sy }, detail: { field: "curve" }, order: { field: "order", type: "quantitative" }, color: lineColor } },
      { data: { values: [{ x: X0[0], y: X0[1] }] }, mark: { type: "point", shape: "cross", size: 90, color: "#e45756", strokeWidth: 2 }, encoding: { x: { field: "x", type: "quantitative", scale: sx }, y: { field: "y", type: "quantitative", scale: sy } } },
    ],
  });
}

function radii(points: Float64Array, k: number) {
  let sum = 0, sum2 = 0, lo = Infinity, hi = 0;
  for (let i = 0; i < k; i++) {
    const r = Math.hypot(points[2 * i], points[2 * i + 1]);
    sum += r; sum2 += r * r; lo = Math.min(lo, r); hi = Math.max(hi, r);
  }
  const mean = sum / k;
  return { mean, std: Math.sqrt(Math.max(0, sum2 / k - mean * mean)), lo, hi };
}

export const equivalenceClassesSection: ReportSection = {
  id: "equivalence-classes",
  title: "Equivalence classes (SiMEC/SiMExp)",
  about:
    "The equivalence class of x is the set of points joined to x by a curve along which the network's output does not change; SiMEC traces it by stepping along the null eigenvector of the pullback metric g = JᵀJ, and SiMExp steps across classes along the gradient. " +
    "Run here on the paper authors' own trained 2-5-5-1 sigmoid networks (Benfenati & Marta II), whose classes for z = exp(x² + y² − 2) are circles.",
  async run(ctx): Promise<SectionResult> {
    const figures: Figure[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const stage = ctx.stage("equivalence classes", 3);
    const s1 = await authorsModel("surface_1_good_weights.csv");
    const s2 = await authorsModel("surface_2_good_weights.csv");
    const box: [number[], number[]] = [BOX[0], BOX[1]];
    const c1 = await timed(timings, "surface 1: SiMEC, 2 × 5000 steps of δ = 1e-3", () => ctx.engine.equivalenceClass(s1, X0, { delta: 1e-3, steps: 5000, box }), 10_000);
    stage.tick();
    const s2Steps = ctx.quick ? 5000 : 20_000;
    const c2 = await timed(timings, `surface 2: SiMEC, 2 × ${s2Steps} steps of δ = 1e-4`, () => ctx.engine.equivalenceClass(s2, X0, { delta: 1e-4, steps: s2Steps, box }), 2 * s2Steps);
    stage.tick();
    const K = ctx.quick ? 2 : 3;
    const pre = await timed(timings, `surface 1: interval preimage, ε = 0.005, ${2 * K + 1} classes`, () =>
      ctx.engine.intervalPreimage(s1, X0, { epsilon: 0.005, curves: K, delta: 1e-3, steps: ctx.quick ? 1000 : 1500, exploreDelta: 1e-4, box }));
    stage.tick();
    stage.done();

    const G = ctx.quick ? 30 : 50;
    const cells1 = await outputCells(ctx.engine, s1, G), cells2 = await outputCells(ctx.engine, s2, G);
    const lineColor = { value: "#f58518" };
    const classLines = (r: PathResult, name: string) => polyline(r.points, r.k, name);
    figures.push({
      svg: await overHeatmap(cells1, classLines(c1, "class"), "N(x)", lineColor),
      caption: `Surface 1 (authors' weights): the output N(x, y) ≈ exp(x² + y² − 2) on (−1, 1)² and the equivalence class of (0.25, 0.25) (orange, ${c1.k} points, both directions joined; cross = start). It closes into a circle.`,
    });
    figures.push({
      svg: await overHeatmap(cells2, classLines(c2, "class"), "N(x)", lineColor),
      caption: `Surface 2 (authors' weights): N ≈ exp(x² + y − 2); the class of (0.25, 0.25) is a parabola-like curve y ≈ −x² + c that leaves the box (${c2.k} points, δ = 1e-4).`,
    });
    const preLines = pre.curves.flatMap((c, i) => polyline(c.points, c.k, `level ${i}`, 400).map((p) => ({ ...p, level: pre.levels[i] })));
    figures.push({
      svg: await overHeatmap(cells1, preLines, "N(x)", { field: "level", type: "quantitative", title: "class level", scale: { scheme: "plasma" } }),
      caption: `Surface 1: the preimage of [N(x0) − ε, N(x0) + ε], ε = 0.005, traced as ${pre.curves.length} classes spaced ε/${K} apart in output, each reached from the previous one by SiMExp. They fill an annulus.`,
    });

    const r1 = radii(c1.points, c1.k);
    let inner = Infinity, outer = 0;
    for (const c of pre.curves) { const r = radii(c.points, c.k); inner = Math.min(inner, r.lo); outer = Math.max(outer, r.hi); }
    const source = "Benfenati & Marta II (arXiv 2112.10583), authors' run on these weights (data/simec-1d/README.md)";
    numbers.push(
      { name: "surface 1: N(x0) at (0.25, 0.25)", value: c1.outputs[c1.startIndex].toFixed(6), published: { value: "0.154071", source } },
      { name: "surface 1: drift max|N(x_k) − N(x0)|, 2 × 5000 steps of 1e-3", value: c1.drift.toExponential(2), published: { value: "< 7.2e-4", source } },
      { name: "surface 1: energy Σ δ vᵀgv", value: c1.energy.toExponential(2), published: { value: "≈ 1e-20 (issue's bound: < 1e-12)", source } },
      { name: "surface 1: class radius ‖x‖ (mean ± std)", value: `${r1.mean.toFixed(4)} ± ${r1.std.toExponential(1)}`, published: { value: `a circle (‖x0‖ = ${Math.hypot(...X0).toFixed(4)})`, source: "Benfenati & Marta II, Fig. of surface 1" } },
      { name: `surface 2: drift, 2 × ${s2Steps} steps of 1e-4`, value: c2.drift.toExponential(2), published: { value: "< 2.0e-5 (20 000 steps each way)", source } },
      { name: "surface 1: interval preimage (ε = 0.005) annulus", value: `${inner.toFixed(3)} ≤ ‖x‖ ≤ ${outer.toFixed(3)}`, published: { value: "an annulus around the class", source: "Benfenati & Marta II" } },
    );
    const table: Table = {
      caption: "SiMEC runs on the authors' weights from (0.25, 0.25), both directions, projected onto (−1, 1)²",
      headers: ["network", "δ", "steps each way", "points", "N(x0)", "drift", "energy", "length", "stop (end / start)"],
      rows: [["surface 1", "1e-3", 5000, c1], ["surface 2", "1e-4", s2Steps, c2]].map(([name, delta, steps, c]) => {
        const r = c as PathResult;
        return [name as string, delta as string, steps as number, r.k, r.outputs[r.startIndex].toFixed(6), r.drift.toExponential(2), r.energy.toExponential(2), r.length.toFixed(3), `${r.stopReason} / ${r.stopReasonStart ?? "–"}`];
      }),
    };
    return {
      figures, tables: [table], numbers, timings,
      summary: `surface 1 drift ${c1.drift.toExponential(2)} (paper < 7.2e-4), energy ${c1.energy.toExponential(1)}; annulus ${inner.toFixed(2)}–${outer.toFixed(2)}`,
    };
  },
};
