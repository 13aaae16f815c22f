/**
 * The linear-regions section (issue 6; Lei, Luo, Yau, Gu, "Geometric understanding of deep learning", 2020):
 * the exact partition of the report's 2-D classifier's input plane into linear regions (engine.regionsInPlane:
 * polygons coloured by predicted class, the decision boundary), the count beside the rectified-linear-
 * complexity bounds, the reduced spiral experiment (pieces and error against the range T), and a small
 * semi-discrete optimal transport (cell measures against 1/N).
 */
import type { Figure, NumberRow, ReportSection, SectionResult, Subject, Table, Timing } from "../section.js";
import { timed } from "../section.js";
import { renderChart } from "../charts.js";
import { complexityBounds } from "../../../analyses/regions/bounds.js";
import { semiDiscreteOT } from "../../../analyses/ot/semiDiscreteOT.js";
import { spiralExperiment } from "../../../experiments/spiral.js";
import { mulberry32 } from "../../../random.js";
import { boundRows, denseArchitecture } from "../../commands/regions.js";
import { QUICK_SPIRAL } from "../../commands/reproduceSpiral.js";
import type { RegionsInPlaneResult } from "../../../analyses/regions/plane.js";

const CLASS_COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"];
const PAPER = "Lei, Luo, Yau, Gu, Geometric understanding of deep learning (arXiv 1805.10451)";

/** The data's bounding box with a 15% margin: [x0, x1, y0, y1]. */
function box(s: Subject): [number, number, number, number] {
  const { X, n } = s.test;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, X[2 * i]); x1 = Math.max(x1, X[2 * i]);
    y0 = Math.min(y0, X[2 * i + 1]); y1 = Math.max(y1, X[2 * i + 1]);
  }
  const mx = 0.15 * (x1 - x0), my = 0.15 * (y1 - y0);
  return [x0 - mx, x1 + mx, y0 - my, y1 + my];
}

/** GeoJSON features of a partition in slice coordinates (x = s, y = t). */
interface PartitionGeo {
  /** The class cells (each polygon split by the argmax), coloured by `properties.cls`. */
  cells: { type: "Feature"; geometry: { type: "Polygon"; coordinates: number[][][] }; properties: { cls: string } }[];
  /** The linear regions' outlines. */
  regions: { type: "Feature"; geometry: { type: "Polygon"; coordinates: number[][][] }; properties: Record<string, never> }[];
  /** The decision boundary's polylines. */
  boundary: { type: "Feature"; geometry: { type: "LineString"; coordinates: number[][] }; properties: Record<string, never> }[];
}

const ring = (start: Int32Array, vertices: Float64Array, p: number): number[][] => {
  const r: number[][] = [];
  for (let i = start[p]; i < start[p + 1]; i++) r.push([vertices[2 * i], vertices[2 * i + 1]]);
  r.push(r[0]);
  return r;
};

/**
 * What the partition figure draws: the class cells (not whole polygons — on one linear region the logits are
 * affine, so the decision boundary can cross it and the class changes inside), the regions' outlines and
 * the decision boundary.
 */
export function partitionGeo(r: RegionsInPlaneResult): PartitionGeo {
  const c = r.classCells;
  return {
    cells: Array.from({ length: c.count }, (_, k) => ({ type: "Feature" as const, geometry: { type: "Polygon" as const, coordinates: [ring(c.vertexStart, c.vertices, k)] }, properties: { cls: String(c.predicted[k]) } })),
    regions: Array.from({ length: r.count }, (_, p) => ({ type: "Feature" as const, geometry: { type: "Polygon" as const, coordinates: [ring(r.vertexStart, r.vertices, p)] }, properties: {} })),
    boundary: r.boundaryPolylines.map((pl) => ({ type: "Feature" as const, geometry: { type: "LineString" as const, coordinates: Array.from({ length: pl.length / 2 }, (_, i) => [pl[2 * i], pl[2 * i + 1]]) }, properties: {} })),
  };
}

/**
 * The partition chart with axes in slice coordinates: the geoshapes use an identity projection whose scale
 * and translation are the x/y scales' (k pixels per unit on both axes, so shapes keep their aspect), and the
 * test points are drawn on those x/y scales, which gives the axes.
 */
export function partitionSpec(geo: PartitionGeo, extent: readonly [number, number, number, number], points: { x: number; y: number }[], classes: number, width = 440): Record<string, unknown> {
  const [s0, s1, t0, t1] = extent;
  const k = width / (s1 - s0), height = k * (t1 - t0);
  const projection = { type: "identity", reflectY: true, scale: k, translate: [-s0 * k, t1 * k] };
  const domain = Array.from({ length: classes }, (_, i) => String(i));
  return {
    width, height,
    layer: [
      { data: { values: geo.cells, format: { type: "json" } }, projection, mark: { type: "geoshape", strokeWidth: 0, fillOpacity: 0.45 }, encoding: { color: { field: "properties.cls", type: "nominal", title: "predicted class", scale: { domain, range: CLASS_COLORS.slice(0, classes) } } } },
      { data: { values: geo.regions, format: { type: "json" } }, projection, mark: { type: "geoshape", filled: false, stroke: "white", strokeWidth: 0.6 } },
      { data: { values: geo.boundary, format: { type: "json" } }, projection, mark: { type: "geoshape", filled: false, stroke: "black", strokeWidth: 2 } },
      { data: { values: points }, mark: { type: "circle", size: 10, opacity: 0.8, color: "#333", clip: true }, encoding: { x: { field: "x", type: "quantitative", title: "s (slice coordinate 1 = x₁)", axis: { grid: false }, scale: { domain: [s0, s1], nice: false, zero: false } }, y: { field: "y", type: "quantitative", title: "t (slice coordinate 2 = x₂)", axis: { grid: false }, scale: { domain: [t0, t1], nice: false, zero: false } } } },
    ],
  };
}

async function planePartition(ctx: Parameters<ReportSection["run"]>[0], s: Subject, figures: Figure[], tables: Table[], numbers: NumberRow[], timings: Timing[]): Promise<void> {
  const extent = box(s);
  const r = await timed(timings, `${s.id}: exact partition of the input plane (engine.regionsInPlane)`, () => ctx.engine.regionsInPlane(s.model, [0, 0], [1, 0], [0, 1], extent));
  const points = Array.from({ length: s.test.n }, (_, i) => ({ x: s.test.X[2 * i], y: s.test.X[2 * i + 1] }));
  const width = Math.min(440, Math.round((440 * 1.2 * (extent[1] - extent[0])) / (extent[3] - extent[2])));
  figures.push({
    svg: await renderChart(partitionSpec(partitionGeo(r), extent, points, r.outputSize, width)),
    caption: `${s.title}: its exact linear regions (${r.count} polygons, white edges) in the slice x = (s, t), coloured by predicted class, the decision boundary (black) and the test points. On each polygon the network is one affine map, so the boundary is straight there and can cut it: the colours are the ${r.classCells.count} argmax cells of the ${r.count} polygons (${new Set(r.classCells.polygon.filter((p, k) => r.classCells.predicted[k] !== r.predicted[p])).size} polygons are cut by the boundary).`,
  });
  const arch = denseArchitecture(s.model);
  let area = 0;
  for (let p = 0; p < r.count; p++) area += r.areas[p];
  numbers.push({ name: `${s.id}: linear regions in the plotted rectangle (exact)`, value: r.count });
  numbers.push({ name: `${s.id}: polygon areas sum / rectangle area − 1`, value: (area / ((extent[1] - extent[0]) * (extent[3] - extent[2])) - 1).toExponential(1), published: { value: "0 (the polygons tile the slice)", source: "partition identity" } });
  if (arch) {
    const b = complexityBounds(arch);
    tables.push({ caption: `${s.id} [${arch.join(", ")}]: the exact count in the rectangle beside the bounds on the whole plane`, headers: ["quantity", "value", "formula"], rows: [["exact regions in the rectangle", r.count, "engine.regionsInPlane"], ...boundRows(b)] });
    numbers.push({ name: `${s.id}: exact regions ≤ Lei et al. Thm 4.5 bound`, value: r.count, published: { value: `≤ ${boundRows(b)[0][1]}`, source: PAPER } });
  }
}

export const regionsSection: ReportSection = {
  id: "linear-regions",
  title: "Linear regions: exact partitions, complexity bounds, the spiral and semi-discrete optimal transport",
  about:
    "A ReLU network is piecewise linear: inputs that share an activation pattern form a convex cell on which it is one affine map, and the engine finds these cells exactly along segments and in planes. " +
    "Lei et al. bound the number of cells an architecture can make (its rectified linear complexity), so a fixed network cannot follow a curve that needs more pieces, as the spiral experiment shows; their tool for the latent distribution, semi-discrete optimal transport, is shown on a small target set.",
  async run(ctx): Promise<SectionResult> {
    const figures: Figure[] = [], tables: Table[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const stage = ctx.stage("linear regions", 3);
    for (const s of ctx.subjects) if (s.model.inputSize === 2 && s.model.outputSize >= 2) await planePartition(ctx, s, figures, tables, numbers, timings);
    stage.tick();
    const spiralOpts = ctx.quick ? { ...QUICK_SPIRAL, ranges: [Math.PI, 4 * Math.PI], epochs: 100 } : QUICK_SPIRAL;
    const sp = await timed(timings, `spiral: ${spiralOpts.architectures!.length * spiralOpts.ranges!.length} networks trained (${spiralOpts.epochs} epochs) and their pieces counted exactly`, () => spiralExperiment(ctx.engine, spiralOpts));
    figures.push({ svg: await renderChart({ ...sp.plots.piecesVsT, width: 300, height: 200 }), caption: "Spiral ρ(θ) = (0.2 + 0.1θ)e^{iθ} on [0, T]: exact linear pieces of each learned curve against T. The small architecture's pieces saturate." });
    figures.push({ svg: await renderChart({ ...sp.plots.errorVsT, width: 300, height: 200 }), caption: "RMS error of the learned curve (relative to the spiral's radius) against T: once the pieces no longer suffice, the error grows (Lei et al. Thm 4.12–4.14)." });
    tables.push({ caption: "Spiral runs", headers: ["architecture", "T / 2π", "pieces (exact)", "bound on pieces (Serra et al., exact in 1-D)", "RMS error / radius"], rows: sp.runs.map((x) => [x.architecture.join("-"), (x.T / (2 * Math.PI)).toFixed(2), x.pieces, x.bound, x.error.toFixed(3)]) });
    stage.tick();
    // semi-discrete OT: N targets in the unit square, uniform source
    const N = ctx.quick ? 8 : 16;
    const rand = mulberry32(ctx.seed + 17);
    const targets = Float64Array.from({ length: 2 * N }, () => 0.1 + 0.8 * rand()); // N×2
    const ot = await timed(timings, `semi-discrete OT: ${N} targets in 2-D`, () => semiDiscreteOT(targets, { dim: 2, samples: 4000, tol: 0.05, seed: ctx.seed, maxIterations: 800 }));
    const G = 60;
    const grid = new Float64Array(G * G * 2); // G²×2 cell centres of the unit square
    for (let a = 0; a < G; a++) for (let b = 0; b < G; b++) { grid[2 * (a * G + b)] = (b + 0.5) / G; grid[2 * (a * G + b) + 1] = (a + 0.5) / G; }
    const cells = ot.cells(grid);
    const cellRects = Array.from({ length: G * G }, (_, k) => ({ x: grid[2 * k] - 0.5 / G, x2: grid[2 * k] + 0.5 / G, y: grid[2 * k + 1] - 0.5 / G, y2: grid[2 * k + 1] + 0.5 / G, cell: String(cells[k]) }));
    const tpts = Array.from({ length: N }, (_, i) => ({ x: targets[2 * i], y: targets[2 * i + 1], cell: String(i), measure: N * ot.cellMeasures[i] }));
    const sq = { domain: [0, 1], nice: false };
    figures.push({
      svg: await renderChart({
        hconcat: [
          { width: 260, height: 260, layer: [
            { data: { values: cellRects }, mark: "rect", encoding: { x: { field: "x", type: "quantitative", scale: sq, title: "x₁" }, x2: { field: "x2" }, y: { field: "y", type: "quantitative", scale: sq, title: "x₂" }, y2: { field: "y2" }, color: { field: "cell", type: "nominal", legend: null, scale: { scheme: "tableau20" } }, opacity: { value: 0.55 } } },
            { data: { values: tpts }, mark: { type: "point", shape: "cross", size: 80, color: "black", filled: true }, encoding: { x: { field: "x", type: "quantitative", scale: sq }, y: { field: "y", type: "quantitative", scale: sq } } },
          ] },
          { width: 260, height: 260, data: { values: tpts }, layer: [
            { mark: "bar", encoding: { x: { field: "cell", type: "ordinal", title: "target i", sort: null }, y: { field: "measure", type: "quantitative", title: "N · μ(W_i)" } } },
            { mark: { type: "rule", color: "#e45756", strokeDash: [4, 3] }, encoding: { y: { datum: 1 } } },
          ] },
        ],
      }),
      caption: `Semi-discrete optimal transport from the uniform measure on [0, 1]² to ${N} equally weighted targets (crosses): the power cells W_i of the Brenier potential (left) and N·μ(W_i), which should be 1 (right). ${ot.converged ? "Converged" : "Stopped"} after ${ot.iterations} Adam steps on ${ot.samples} quasi-random samples.`,
    });
    numbers.push({ name: `semi-discrete OT: max_i |N·μ(W_i) − 1| (${N} targets)`, value: ot.maxError.toFixed(4), published: { value: "≤ tol = 0.05", source: "the stopping rule" } });
    stage.done();
    const plane = numbers.find((x) => x.name.includes("linear regions in the plotted"));
    return { figures, tables, numbers, timings, summary: `${plane ? `${plane.value} regions in the plane; ` : ""}spiral ${sp.runs.length} runs; OT max error ${ot.maxError.toFixed(3)}` };
  },
};
