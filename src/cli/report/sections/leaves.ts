/**
 * The leaves section (Tron & Fioresi, arXiv 2409.07412; src/experiments/leaves2d.ts): data and kernel leaves
 * of the DIM foliation over the decision regions of two 2-D toys (XOR, arcs), singular points found along
 * data leaves, and DIM geodesics in the data leaf on the report's 10-class subjects (geodesicTable.ts).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { leafFigure, toyData, trainToy, type LeafFigure, type Toy, type TrainedToy } from "../../../experiments/leaves2d.js";
import { Model } from "../../../model/model.js";
import { mulberry32 } from "../../../random.js";
import { renderChart } from "../charts.js";
import type { Figure, NumberRow, ReportContext, ReportSection, SectionResult, Subject, Table, Timing } from "../section.js";
import { timed } from "../section.js";
import { geodesicTable } from "./geodesicTable.js";

/** The trained toy, from `<cacheDir>/leaves2d-<toy>-s<seed>-e<epochs>.json` when there, else trained and cached. */
async function cachedToy(toy: Toy, epochs: number, cacheDir: string | undefined): Promise<TrainedToy & { cached: boolean }> {
  const seed = 1;
  const path = cacheDir ? join(cacheDir, `leaves2d-${toy}-s${seed}-e${epochs}.json`) : undefined;
  if (path) {
    try {
      const entry = JSON.parse(await readFile(path, "utf8")) as { model: unknown; accuracy: number };
      return { model: Model.fromJSON(entry.model), accuracy: entry.accuracy, data: toyData(toy, 400, seed), cached: true };
    } catch {
      // absent or unreadable: train
    }
  }
  const t = await trainToy(toy, seed, epochs);
  if (path && cacheDir) {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(path, JSON.stringify({ model: t.model.toJSON(), accuracy: t.accuracy }));
  }
  return { ...t, cached: false };
}

async function leafChart(fig: LeafFigure): Promise<string> {
  const [x0, x1, y0, y1] = fig.box;
  const { nx, ny, p1 } = fig.grid;
  const cw = (x1 - x0) / nx, ch = (y1 - y0) / ny, cells = [];
  for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++)
    cells.push({ x: x0 + j * cw, x2: x0 + (j + 1) * cw, y: y0 + i * ch, y2: y0 + (i + 1) * ch, p1: p1[i * nx + j] });
  const lines: { x: number; y: number; leaf: string; kind: string; order: number }[] = [];
  const add = (ls: Float64Array[], kind: string) => ls.forEach((l, n) => { for (let k = 0; k < l.length / 2; k++) lines.push({ x: l[2 * k], y: l[2 * k + 1], leaf: `${kind}${n}`, kind, order: k }); });
  add(fig.dataLeaves, "data leaf");
  add(fig.kernelLeaves, "kernel leaf");
  const pts = Array.from({ length: fig.data.y.length }, (_, h) => ({ x: fig.data.X[2 * h], y: fig.data.X[2 * h + 1], cls: String(fig.data.y[h]) }));
  const sx = { domain: [x0, x1], nice: false }, sy = { domain: [y0, y1], nice: false };
  const X = { field: "x", type: "quantitative", scale: sx, title: "x₁" }, Y = { field: "y", type: "quantitative", scale: sy, title: "x₂" };
  return renderChart({
    width: 340, height: Math.round((340 * (y1 - y0)) / (x1 - x0)),
    resolve: { scale: { color: "independent" } },
    layer: [
      { data: { values: cells }, mark: { type: "rect", clip: true }, encoding: { x: X, x2: { field: "x2" }, y: Y, y2: { field: "y2" }, color: { field: "p1", type: "quantitative", title: "p(class 1)", scale: { scheme: "blueorange", domain: [0, 1] } } } },
      { data: { values: pts }, mark: { type: "point", size: 8, filled: true, opacity: 0.5, clip: true }, encoding: { x: X, y: Y, shape: { field: "cls", type: "nominal", title: "training class" }, color: { value: "#333" } } },
      { data: { values: lines }, mark: { type: "line", strokeWidth: 1.4, clip: true }, encoding: { x: X, y: Y, detail: { field: "leaf" }, order: { field: "order", type: "quantitative" }, color: { field: "kind", type: "nominal", title: "", scale: { domain: ["data leaf", "kernel leaf"], range: ["#1f3b73", "#c0392b"] } } } },
    ],
  });
}

/**
 * A constructed bottleneck: h = relu(x) (2 units), logits (h₁, h₂, −h₁ − h₂). D has its generic rank
 * C − 1 = 2 only where x₁, x₂ > 0; it drops to 1 across each axis and to 0 in the third quadrant.
 */
const BOTTLENECK = Model.fromJSON({
  format: "foliate-model", version: 1, inputShape: [2],
  layers: [
    { type: "dense", units: 2, activation: "relu", kernel: [1, 0, 0, 1], bias: [0, 0] },
    { type: "dense", units: 3, activation: "linear", kernel: [1, 0, -1, 0, 1, -1], bias: [0, 0, 0] },
    { type: "softmax" },
  ],
});

/** Dense-only classifiers with C ≥ 3 (geodesics of the data leaf need r = C − 1 ≥ 2 to differ from the leaf). */
const geodesicSubjects = (ctx: ReportContext): Subject[] =>
  ctx.subjects.filter((s) => s.model.outputSize >= 3 && s.model.layers.every((l) => l.type === "dense" || l.type === "activation"));

export const leavesSection: ReportSection = {
  id: "leaves",
  title: "Leaves of the DIM foliation",
  about:
    "The data information matrix D(x) splits input space into two foliations: data leaves, tangent to the image of D, along which the prediction changes, and kernel leaves, tangent to ker D, along which it does not. " +
    "For a ReLU network both are exact polylines, straight inside each linear region and bent where they cross an activation boundary; where the rank of D drops the foliation is singular.",
  async run(ctx): Promise<SectionResult> {
    const figures: Figure[] = [], tables: Table[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const cacheDir = ctx.cacheDir ?? "cache";
    const toys: Toy[] = ["xor", "arcs"];
    const stage = ctx.stage("leaves", toys.length + 1);
    const singular: Table = { caption: "Singular points along data leaves: vertices where the rank of D is below C − 1 on either side (none is expected on the trained toys, whose singular set has measure zero; the constructed bottleneck shows the detection)", headers: ["network", "leaf / point", "arc length", "rank before", "rank after"], rows: [] };
    for (const toy of toys) {
      const t0 = performance.now();
      const trained = await cachedToy(toy, ctx.quick ? 150 : 400, cacheDir);
      timings.push({ what: `${toy}: ${trained.cached ? "model from cache" : "training (tfjs, cpu)"}`, ms: performance.now() - t0 });
      const starts = ctx.quick ? 5 : 7;
      const fig = await timed(timings, `${toy}: ${2 * starts * starts} leaves both ways + ${ctx.quick ? 40 : 70}² decision grid`, () =>
        leafFigure(ctx.engine, trained, toy, { starts, gridSize: ctx.quick ? 40 : 70, seed: ctx.seed }), 4 * starts * starts);
      figures.push({
        svg: await leafChart(fig),
        caption: `${toy === "xor" ? "XOR, Dense 2-8-2 ReLU" : "Two arcs, Dense 2-16-16-2 ReLU"} (training accuracy ${(100 * fig.accuracy).toFixed(1)} %): data leaves (dark blue) cross the decision boundary; kernel leaves (red) are level curves of p and run along it. Both are traced exactly from a ${starts}×${starts} grid of starts, both ways.`,
      });
      numbers.push({ name: `${toy}: vertices per leaf (mean, data / kernel)`, value: `${(fig.dataLeaves.reduce((a, l) => a + l.length / 2, 0) / fig.dataLeaves.length).toFixed(1)} / ${(fig.kernelLeaves.reduce((a, l) => a + l.length / 2, 0) / fig.kernelLeaves.length).toFixed(1)}` });
      // singular points: along data leaves from a few starts
      let found = 0;
      const u = mulberry32(ctx.seed + 5);
      const nLeaves = ctx.quick ? 4 : 10;
      await timed(timings, `${toy}: singular points along ${nLeaves} data leaves`, async () => {
        for (let i = 0; i < nLeaves; i++) {
          const x0 = [fig.box[0] + (fig.box[1] - fig.box[0]) * (0.1 + 0.8 * u()), fig.box[2] + (fig.box[3] - fig.box[2]) * (0.1 + 0.8 * u())];
          const path = await ctx.engine.leaf(trained.model, x0, { distribution: "data", maxLength: 3, seed: ctx.seed + i, box: [[fig.box[0], fig.box[2]], [fig.box[1], fig.box[3]]] });
          const sp = await ctx.engine.singularPoints(trained.model, path);
          found += sp.count;
          for (let k = 0; k < sp.count && singular.rows.length < 12; k++) singular.rows.push([toy, `leaf ${i}`, sp.params[k].toFixed(4), sp.rankBefore[k], sp.rankAfter[k]]);
        }
      });
      numbers.push({ name: `${toy}: singular points found along ${nLeaves} data leaves`, value: found, published: { value: "a measure-zero set (activation boundaries where J loses rank)", source: "Tron & Fioresi (arXiv 2409.07412)" } });
      stage.tick();
    }
    // the constructed bottleneck: a data leaf from the positive quadrant towards the third one
    const path = await timed(timings, "bottleneck 2-2-3: data leaf towards (−0.7, −0.5) and its singular points", () => ctx.engine.leaf(BOTTLENECK, [0.6, 0.4], { distribution: "data", target: [-0.7, -0.5], maxLength: 3 }));
    const sp = await ctx.engine.singularPoints(BOTTLENECK, path);
    for (let k = 0; k < sp.count; k++) singular.rows.push(["bottleneck 2-2-3", `(${sp.points[2 * k].toFixed(4)}, ${sp.points[2 * k + 1].toFixed(4)})`, sp.params[k].toFixed(4), sp.rankBefore[k], sp.rankAfter[k]]);
    numbers.push({ name: "bottleneck 2-2-3: singular points on the data leaf from (0.6, 0.4) towards (−0.7, −0.5)", value: sp.count, published: { value: "where the leaf meets x₂ = 0 or x₁ = 0 (rank 2 → 1 → 0, by construction)", source: "constructed network" } });
    tables.push(singular);
    const geo = await geodesicTable(ctx, geodesicSubjects(ctx), timings, numbers);
    if (geo) tables.push(geo);
    stage.done();
    return {
      figures, tables, numbers, timings,
      notes: geo ? [] : ["No dense classifier with C ≥ 3 among the subjects: the geodesic table needs one (with C = 2 the data leaf is a curve and the geodesic is the leaf itself)."],
      summary: `${figures.length} leaf figures; ${singular.rows.length} singular points (bottleneck: ${sp.count})${geo ? `; ${geo.rows.length} geodesics` : ""}`,
    };
  },
};
