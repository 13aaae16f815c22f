/**
 * MNIST images along leaves (issue 4's figure; issue 3's reproduction 3, src/experiments/mnistLeaves.ts): a
 * small ReLU MLP trained on MNIST (cached in the report's cache folder), then from a few test images a walk
 * along the data leaf towards a test image of another class and a walk along the kernel leaf in a seeded
 * direction, each drawn as a strip of frames at evenly spaced arc lengths with the predicted class above
 * each frame; the leaf-distance comparison (data vs noise starts) with its one-sided Mann–Whitney test.
 */
import type { LeafPath } from "../../../analyses/leaf.js";
import { leafDistances } from "../../../experiments/mnistLeaves.js";
import { gaussian, mulberry32 } from "../../../random.js";
import { softmax } from "../../../reference/forward.js";
import { loadTf, subjectFor } from "../../models/train.js";
import type { Recipe } from "../../models/zoo.js";
import { renderChart } from "../charts.js";
import type { NumberRow, ReportSection, SectionResult, Table, Timing } from "../section.js";
import { timed } from "../section.js";

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** The section's classifier: small enough to train in a few seconds, good enough to be sure of its digits. */
const RECIPE: Recipe = {
  id: "mnist-leaf-walks-mlp",
  title: "ReLU MLP 784→64→10 on 2 000 MNIST images",
  train: "mnist:train:2000",
  test: "mnist:test:500",
  hidden: [64],
  epochs: 10,
  quickEpochs: 4,
  batchSize: 64,
  learningRate: 0.002,
  seed: 21,
};

/**
 * `frames` points at evenly spaced arc lengths s_t = t·L/(frames − 1) along a path's polyline (linear
 * interpolation between the vertices whose arc lengths bracket s_t): frames×d float64, row-major.
 */
export function framesAlong(path: Pick<LeafPath, "d" | "vertices" | "points" | "params">, frames: number): { points: Float64Array; s: Float64Array } {
  const { d, vertices: k, points: P, params } = path;
  const L = params[k - 1];
  const out = new Float64Array(frames * d); // frames×d, row-major
  const s = new Float64Array(frames);
  let seg = 0;
  for (let t = 0; t < frames; t++) {
    const st = frames > 1 ? (t * L) / (frames - 1) : 0;
    s[t] = st;
    while (seg < k - 2 && params[seg + 1] < st) seg++;
    const a = params[seg], b = k > 1 ? params[seg + 1] : a;
    const w = b > a ? Math.min(1, Math.max(0, (st - a) / (b - a))) : 0;
    const lo = seg * d, hi = Math.min(seg + 1, k - 1) * d;
    for (let i = 0; i < d; i++) out[t * d + i] = (1 - w) * P[lo + i] + w * P[hi + i];
  }
  return { points: out, s };
}

const argmax = (a: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
  return b;
};

interface Strip {
  name: string;
  kind: "data" | "kernel";
  frames: Float64Array; // F×784, row-major (unclipped points on the leaf)
  classes: number[];
  probs: number[];
}

/**
 * The strips as one Vega-Lite chart: a titled row per walk (vconcat), a column per frame (facet), a `rect`
 * per pixel at 2 px a pixel (integer coordinates keep the SVG small), the prediction as text above each frame.
 */
async function stripsChart(strips: Strip[], F: number): Promise<string> {
  const top = 6, scale = 2; // label band above each 28×28 frame, in pixel units; screen px per image pixel
  const x = { type: "quantitative", scale: { domain: [0, SIDE], nice: false, zero: false }, axis: null };
  const y = { type: "quantitative", scale: { domain: [-top, SIDE], nice: false, zero: false, reverse: true }, axis: null };
  const row = (st: Strip) => {
    const values: Record<string, number | string>[] = [];
    for (let f = 0; f < F; f++) {
      values.push({ kind: "label", frame: f, label: `${st.classes[f]} · ${Math.round(100 * st.probs[f])} %` });
      for (let p = 0; p < PIXELS; p++) {
        const v = Math.min(1, Math.max(0, st.frames[f * PIXELS + p])); // clipped to [0, 1] for display
        if (v >= 0.03) values.push({ kind: "px", frame: f, r: Math.floor(p / SIDE), c: p % SIDE, v: Math.round(v * 100) / 100 }); // lighter pixels: the white background
      }
    }
    return {
      data: { values },
      title: { text: st.name, anchor: "start", fontSize: 11, fontWeight: "normal", offset: 2 },
      facet: { column: { field: "frame", type: "ordinal", header: null } },
      spacing: 4,
      bounds: "flush", // a label wider than its frame does not widen the column
      spec: {
        width: scale * SIDE, height: scale * (SIDE + top),
        layer: [
          { transform: [{ filter: "datum.kind === 'label'" }], mark: { type: "rect", filled: false, stroke: "#bbb", strokeWidth: 0.6 }, encoding: { x: { datum: 0, ...x }, x2: { datum: SIDE }, y: { datum: 0, ...y }, y2: { datum: SIDE } } },
          { transform: [{ filter: "datum.kind === 'px'" }, { calculate: "datum.c + 1", as: "c1" }, { calculate: "datum.r + 1", as: "r1" }], mark: { type: "rect" }, encoding: { x: { field: "c", ...x }, x2: { field: "c1" }, y: { field: "r", ...y }, y2: { field: "r1" }, color: { field: "v", type: "quantitative", scale: { scheme: "greys", domain: [0, 1] }, legend: null } } },
          { transform: [{ filter: "datum.kind === 'label'" }], mark: { type: "text", fontSize: 9, baseline: "middle" }, encoding: { x: { datum: SIDE / 2, ...x }, y: { datum: -top / 2, ...y }, text: { field: "label" } } },
        ],
      },
    };
  };
  return renderChart({ vconcat: strips.map(row), spacing: 8 });
}

export const mnistLeafWalksSection: ReportSection = {
  id: "mnist-leaf-walks",
  title: "MNIST images along a data leaf and a kernel leaf",
  about:
    "Walking from a test digit along its data leaf (tangent to Im D) towards a digit of another class changes the network's prediction, while walking the same arc length along its kernel leaf (tangent to ker D) keeps the prediction and its probability exactly while noise accumulates in the image. " +
    "Data leaves through training images also pass closer to held-out images than leaves through noise images do: the data is correlated with the leaves.",
  async run(ctx): Promise<SectionResult> {
    const tables: Table[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const cacheDir = ctx.cacheDir ?? "cache";
    const W = ctx.quick ? 2 : 3, F = 8;
    const stage = ctx.stage("MNIST leaf walks", W + 2);
    // the same backend in every run (another section may have switched tfjs to cpu)
    await (await loadTf()).setBackend("wasm");
    const subject = await subjectFor(RECIPE, { quick: ctx.quick, cacheDir });
    const tr = subject.training!;
    timings.push({ what: tr.cached ? "model from cache" : `training (tfjs wasm, ${tr.epochs} epochs on ${subject.train.n} images)`, ms: tr.cached ? 0 : tr.ms });
    stage.tick();
    const { model, test } = subject;
    const d = model.inputSize;
    const pred = await ctx.engine.forward(model, test.X);
    const C = model.outputSize;
    const correct = (i: number) => argmax(pred.probs.subarray(i * C, (i + 1) * C)) === test.labels[i];

    // start and target classes: a seeded permutation of the digits, taken in pairs
    const rnd = mulberry32(ctx.seed + 31);
    const g = gaussian(mulberry32(ctx.seed + 37));
    const perm = Array.from({ length: 10 }, (_, i) => i);
    for (let i = 9; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [perm[i], perm[j]] = [perm[j], perm[i]]; }
    const image = (cls: number) => { // a correctly classified test image of the class (any of the class if none is)
      const all = Array.from({ length: test.n }, (_, i) => i).filter((i) => test.labels[i] === cls);
      const of = all.some(correct) ? all.filter(correct) : all;
      return of[Math.floor(rnd() * of.length)];
    };
    const row = (i: number) => Float64Array.from(test.X.subarray(i * d, (i + 1) * d));

    const strips: Strip[] = [];
    const walks: Table = {
      caption: "The walks drawn above: prediction at the start and at the end of each path (at its last vertex, in float64), arc length L, vertices (one per linear region crossed), why the path stopped",
      headers: ["walk", "start → target class", "start: class (p)", "end: class (p)", "prediction", "L", "vertices", "stop", "‖x_end − target‖ / ‖x₀ − target‖ (data) · max |Δp| (kernel)"],
      rows: [],
    };
    let changed = 0, kept = 0, drift = 0;
    for (let w = 0; w < W; w++) {
      const a = perm[2 * w], b = perm[2 * w + 1];
      const i = image(a), j = image(b);
      const xi = row(i), xj = row(j);
      const dir = Float64Array.from({ length: d }, () => g());
      const data = await timed(timings, `data leaf ${a} → ${b}`, () => ctx.engine.leaf(model, xi, { distribution: "data", target: xj, maxLength: 20, maxVertices: 4096 }));
      const kernel = await timed(timings, `kernel leaf from ${a} (the same arc length)`, () => ctx.engine.leaf(model, xi, { distribution: "kernel", direction: dir, maxLength: Math.max(data.length, 1e-3), maxVertices: 4096 }));
      const p = (path: LeafPath, k: number) => softmax(path.outputs.subarray(k * C, (k + 1) * C));
      const p0 = p(data, 0), c0 = argmax(p0);
      for (const [kind, path] of [["data", data], ["kernel", kernel]] as const) {
        const pe = p(path, path.vertices - 1), ce = argmax(pe);
        let last: string;
        if (kind === "data") {
          if (ce !== c0) changed++;
          const end = path.points.subarray((path.vertices - 1) * d);
          let num = 0, den = 0;
          for (let k = 0; k < d; k++) { num += (end[k] - xj[k]) ** 2; den += (xi[k] - xj[k]) ** 2; }
          last = Math.sqrt(num / den).toFixed(3);
        } else {
          if (ce === c0) kept++;
          let dw = 0;
          for (let k = 1; k < path.vertices; k++) { const pk = p(path, k); for (let c = 0; c < C; c++) dw = Math.max(dw, Math.abs(pk[c] - p0[c])); }
          drift = Math.max(drift, dw);
          last = dw.toExponential(1);
        }
        walks.rows.push([`${kind} leaf`, `${a} → ${kind === "data" ? b : "(random direction)"}`, `${c0} (${p0[c0].toFixed(3)})`, `${ce} (${pe[ce].toFixed(3)})`, ce === c0 ? "kept" : "changed", path.length.toFixed(2), path.vertices, path.stopReason, last]);
        const fr = framesAlong(path, F);
        const f = await ctx.engine.forward(model, Float32Array.from(fr.points));
        const classes: number[] = [], probs: number[] = [];
        for (let t = 0; t < F; t++) { const q = f.probs.subarray(t * C, (t + 1) * C); classes.push(argmax(q)); probs.push(q[argmax(q)]); }
        strips.push({ name: kind === "data" ? `data leaf from a ${a} towards a ${b} (L = ${path.length.toFixed(2)})` : `kernel leaf from the same ${a}, random direction (L = ${path.length.toFixed(2)})`, kind, frames: fr.points, classes, probs });
      }
      stage.tick();
    }
    tables.push(walks);

    // enough starts for the one-sided test to be able to say "measurably" (smallest p = 1/C(2S, S))
    const S = ctx.quick ? 6 : 10, T = ctx.quick ? 4 : 6;
    const dist = await timed(timings, `leaf distances: ${S} training + ${S} noise starts × ${T} held-out images`, () =>
      leafDistances(ctx.engine, model, subject.train.X, test.X, { starts: S, targets: T, seed: ctx.seed + 43 }), 2 * S * T);
    stage.tick();
    const t = dist.test;
    tables.push({
      caption: `Leaf distances (${S} starts of each kind × the same ${T} held-out test images): ‖x_end − y‖ / ‖x − y‖ at the end of the data walk from x towards y, a local upper bound of the distance from y to the data leaf through x, relative to ‖x − y‖; per start, its mean over the ${T} images. One-sided Mann–Whitney test on the per-start means (H1: leaves through training images pass closer): U = ${t.u} of ${t.n1 * t.n2}, p = ${t.p.toExponential(2)}${t.exact ? " (exact)" : ""}`,
      headers: ["starts x", "walks", "mean", "median", "min", "max", "per-start means"],
      rows: ([["training images", dist.fromData, dist.meanData, dist.medianData, dist.startMeansData], ["uniform noise images", dist.fromNoise, dist.meanNoise, dist.medianNoise, dist.startMeansNoise]] as const).map(([name, v, mean, med, starts]) =>
        [name, v.length, mean.toFixed(3), med.toFixed(3), Math.min(...v).toFixed(3), Math.max(...v).toFixed(3), Array.from(starts, (x) => x.toFixed(3)).join(" ")]),
    });

    const source = "Tron & Fioresi (arXiv 2409.07412)";
    numbers.push(
      { name: "MNIST test accuracy of the MLP (500 test images)", value: `${(100 * tr.testAccuracy).toFixed(1)} %` },
      { name: "data walks that changed the prediction", value: `${changed} / ${W}`, published: { value: "all (p varies along data leaves)", source } },
      { name: "kernel walks that kept the prediction", value: `${kept} / ${W}`, published: { value: "all (p is constant on kernel leaves)", source } },
      { name: "max probability drift max_k ‖p(x_k) − p(x₀)‖∞ along the kernel walks", value: drift.toExponential(1), published: { value: "0 (up to rounding)", source } },
      { name: "mean remaining relative distance to held-out images: leaves through training images vs through noise", value: `${dist.meanData.toFixed(3)} vs ${dist.meanNoise.toFixed(3)}`, published: { value: "data leaves pass closer to data", source } },
      { name: `one-sided Mann–Whitney test on the ${S} + ${S} per-leaf means (H1: data leaves closer)`, value: `U = ${t.u} of ${t.n1 * t.n2}, p = ${t.p.toExponential(2)}`, published: { value: "data leaves pass measurably closer", source } },
    );
    const svg = await timed(timings, `figure: ${2 * W} strips × ${F} frames (Vega-Lite rect heat-maps)`, () => stripsChart(strips, F));
    stage.done();
    return {
      figures: [{
        svg,
        caption: `${RECIPE.title} (test accuracy ${(100 * tr.testAccuracy).toFixed(1)} %). Each row is one exact leaf path, shown at ${F} evenly spaced arc lengths; each data walk is followed by the kernel walk of the same length from the same digit. Frames are clipped to [0, 1] for display; the predictions are those of the unclipped points on the leaf.`,
      }],
      tables, numbers, timings,
      notes: [
        "The walks use no box: MNIST pixels sit at 0 or 1, on the faces of the [0, 1] box, where the projected direction points outwards at once, and a boxed leaf stops where it leaves the box (it does not slide along the faces). The frames therefore leave [0, 1] and are clipped to it for display; the predicted classes and probabilities are those of the unclipped points.",
      ],
      summary: `data walks changed ${changed}/${W}, kernel walks kept ${kept}/${W} (drift ${drift.toExponential(1)}); leaf distance ${dist.meanData.toFixed(3)} (data) vs ${dist.meanNoise.toFixed(3)} (noise), one-sided p = ${t.p.toExponential(1)}`,
    };
  },
};
