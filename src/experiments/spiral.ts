/**
 * The spiral experiment of Lei, Luo, Yau, Gu (arXiv 1805.10451, §4: a fixed architecture cannot encode a
 * manifold more complex than its rectified linear complexity). ReLU networks R → R² of a few fixed
 * architectures are trained (tfjs, seeded, full batch) to encode the spiral ρ(θ) = (a + bθ)·e^{iwθ} on
 * θ ∈ [0, T] for growing T. For each run the exact number of linear pieces of the learned curve is counted
 * with engine.regionsOnLine, and the error is the RMS distance to the spiral (relative to its largest radius).
 * As T grows the spiral needs more pieces; once an architecture's pieces saturate (below its complexity bound,
 * Serra et al.'s bound is exact in 1D) its error grows: that is where it stops being able to represent it.
 *
 * tfjs is loaded on first use (a dev dependency): `import { spiralExperiment } from "foliate/dist/experiments/spiral.js"`.
 */
import type { Engine } from "../api/engine.js";
import { trainReluNet } from "./tfjsTrain.js";
import { complexityBounds } from "../analyses/regions/bounds.js";

export interface SpiralOptions {
  /** Hidden widths per architecture (default [[8, 8], [32, 32]]). */
  architectures?: number[][];
  /** Ranges T in radians (default [π, 2π, 4π, 8π]). */
  ranges?: number[];
  /** ρ(θ) = (a + bθ)·e^{iwθ} (defaults a = 0.2, b = 0.1, w = 1). */
  a?: number;
  b?: number;
  w?: number;
  /** Training points on [0, T] (default 256) and epochs (default 400). */
  points?: number;
  epochs?: number;
  learningRate?: number;
  seed?: number;
  /** tfjs backend to train on (default: the current one; results are seeded per backend). */
  backend?: string;
}

export interface SpiralRun {
  architecture: number[];
  T: number;
  /** Exact linear pieces of the learned curve on [0, T]. */
  pieces: number;
  /** RMS distance to the spiral / largest radius, on a grid 4× finer than training. */
  error: number;
  /** Largest possible pieces for this architecture on a line (Serra et al. 2018, exact for 1-D input). */
  bound: number;
  /** Learned curve on the breakpoints and ends: (x, y) pairs (pieces+1 points; exact polyline). */
  curve: Float64Array;
  /** The spiral sampled on 512 points: (x, y) pairs. */
  target: Float64Array;
}

export interface SpiralResult {
  runs: SpiralRun[];
  /** Vega-Lite specs of the figure: pieces vs T, error vs T (one line per architecture), and the learned curves. */
  plots: { piecesVsT: object; errorVsT: object; curves: object };
}

export async function spiralExperiment(engine: Engine, opts: SpiralOptions = {}): Promise<SpiralResult> {
  const archs = opts.architectures ?? [[8, 8], [32, 32]];
  const ranges = opts.ranges ?? [Math.PI, 2 * Math.PI, 4 * Math.PI, 8 * Math.PI];
  const a = opts.a ?? 0.2, b = opts.b ?? 0.1, w = opts.w ?? 1;
  const P = opts.points ?? 256, epochs = opts.epochs ?? 400, lr = opts.learningRate ?? 0.01, seed = opts.seed ?? 1;
  const runs: SpiralRun[] = [];
  for (const T of ranges) {
    const R = a + b * T; // largest radius: outputs are scaled to the unit disc
    const rho = (theta: number): [number, number] => [((a + b * theta) * Math.cos(w * theta)) / R, ((a + b * theta) * Math.sin(w * theta)) / R];
    // Input u = 2θ/T − 1 in [−1, 1].
    const xs = new Float32Array(P), ys = new Float32Array(2 * P);
    for (let i = 0; i < P; i++) {
      const u = -1 + (2 * i) / (P - 1);
      xs[i] = u;
      const [px, py] = rho(((u + 1) / 2) * T);
      ys[2 * i] = px;
      ys[2 * i + 1] = py;
    }
    const target = new Float64Array(1024);
    for (let i = 0; i < 512; i++) target.set(rho((i / 511) * T), 2 * i);
    for (const [ai, hidden] of archs.entries()) {
      const model = await trainReluNet({ inputSize: 1, hidden, outputs: 2, head: "linear", xs, ys, epochs, learningRate: lr, seed: seed * 10 + ai, backend: opts.backend });
      const line = await engine.regionsOnLine(model, [-1], [1]);
      const m = line.breakpoints.length;
      // The learned curve is exactly the polyline through its values at the breakpoints and the ends.
      const ts = [0, ...line.breakpoints, 1];
      const curve = new Float64Array(2 * ts.length);
      ts.forEach((t, i) => {
        const k = Math.min(i, m); // piece containing t (the right end belongs to the last piece)
        curve[2 * i] = line.maps[2 * k * 2] + t * line.maps[(2 * k + 1) * 2];
        curve[2 * i + 1] = line.maps[2 * k * 2 + 1] + t * line.maps[(2 * k + 1) * 2 + 1];
      });
      let se = 0;
      const G = 4 * P;
      for (let i = 0, k = 0; i < G; i++) {
        const t = i / (G - 1);
        while (k < m && line.breakpoints[k] <= t) k++;
        const ox = line.maps[2 * k * 2] + t * line.maps[(2 * k + 1) * 2];
        const oy = line.maps[2 * k * 2 + 1] + t * line.maps[(2 * k + 1) * 2 + 1];
        const [px, py] = rho(t * T);
        se += (ox - px) ** 2 + (oy - py) ** 2;
      }
      runs.push({ architecture: [1, ...hidden, 2], T, pieces: m + 1, error: Math.sqrt(se / G), bound: Number(complexityBounds([1, ...hidden, 2]).serra2018.value), curve, target });
    }
  }
  const table = runs.map((r) => ({ architecture: r.architecture.join("-"), T: r.T, turns: r.T / (2 * Math.PI), pieces: r.pieces, error: r.error }));
  const curves = runs.flatMap((r) => Array.from({ length: r.curve.length / 2 }, (_, i) => ({ architecture: r.architecture.join("-"), T: r.T, order: i, x: r.curve[2 * i], y: r.curve[2 * i + 1] })));
  return {
    runs,
    plots: {
      piecesVsT: { $schema: "https://vega.github.io/schema/vega-lite/v5.json", data: { values: table }, mark: { type: "line", point: true }, encoding: { x: { field: "turns", type: "quantitative", title: "T / 2π" }, y: { field: "pieces", type: "quantitative", title: "linear pieces" }, color: { field: "architecture", type: "nominal" } } },
      errorVsT: { $schema: "https://vega.github.io/schema/vega-lite/v5.json", data: { values: table }, mark: { type: "line", point: true }, encoding: { x: { field: "turns", type: "quantitative", title: "T / 2π" }, y: { field: "error", type: "quantitative", title: "RMS error / radius" }, color: { field: "architecture", type: "nominal" } } },
      curves: { $schema: "https://vega.github.io/schema/vega-lite/v5.json", data: { values: curves }, mark: { type: "line", point: { size: 8 } }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" }, order: { field: "order" }, color: { field: "architecture", type: "nominal" }, column: { field: "T", type: "quantitative" } } },
    },
  };
}
