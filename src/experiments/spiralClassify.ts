/**
 * The spiral as a classification task (the companion of spiral.ts): two interleaved arms, class 0 on
 * ρ(θ) = (a + bθ)·e^{iwθ} and class 1 on −ρ(θ), θ ∈ [0, T], scaled to the unit disc. A ReLU classifier of a
 * fixed architecture is trained (tfjs, seeded); its linear regions in the box [−1.1, 1.1]² are counted
 * exactly (engine.regionsInPlane) and drawn with their predicted class and the decision boundary. As T grows
 * the arms wind more often and a fixed architecture's regions no longer suffice: the error rises.
 */
import type { Engine } from "../api/engine.js";
import { complexityBounds } from "../analyses/regions/bounds.js";
import type { RegionsInPlaneResult } from "../analyses/regions/plane.js";
import { trainReluNet } from "./tfjsTrain.js";
import type { SpiralOptions } from "./spiral.js";

/** The encoding experiment's options (spiral.ts), except that `points` counts training points per arm (default 200). */
export interface SpiralClassifyOptions extends Omit<SpiralOptions, "points"> {
  /** Training points per arm (default 200). */
  points?: number;
}

export interface SpiralClassifyRun {
  architecture: number[];
  T: number;
  /** Exact number of linear regions in [−1.1, 1.1]². */
  regions: number;
  /** Misclassified fraction of 4× as many points per arm as in training. */
  error: number;
  /** Serra et al. (2018) bound on the regions of this architecture (log10). */
  boundLog10: number;
  /** The partition, for drawing: polygons, predicted classes, decision boundary polylines. */
  plane: Pick<RegionsInPlaneResult, "count" | "vertexStart" | "vertices" | "predicted" | "boundaryPolylines">;
}

const BOX = [-1.1, 1.1, -1.1, 1.1] as const;

export async function spiralClassification(engine: Engine, opts: SpiralClassifyOptions = {}): Promise<{ runs: SpiralClassifyRun[]; plots: { regionsVsT: object; errorVsT: object } }> {
  const archs = opts.architectures ?? [[16, 16], [32, 32, 32]];
  const ranges = opts.ranges ?? [2 * Math.PI, 4 * Math.PI, 6 * Math.PI];
  const a = opts.a ?? 0.2, b = opts.b ?? 0.1, w = opts.w ?? 1;
  const P = opts.points ?? 200, epochs = opts.epochs ?? 400, lr = opts.learningRate ?? 0.01, seed = opts.seed ?? 1;
  const runs: SpiralClassifyRun[] = [];
  for (const T of ranges) {
    const R = a + b * T;
    const arms = (count: number) => {
      const xs = new Float32Array(4 * count), ys = new Float32Array(4 * count); // 2·count×2 points, one-hot labels
      for (let i = 0; i < count; i++) {
        const th = (T * i) / (count - 1), r = (a + b * th) / R;
        const x = r * Math.cos(w * th), y = r * Math.sin(w * th);
        xs.set([x, y, -x, -y], 4 * i);
        ys.set([1, 0, 0, 1], 4 * i);
      }
      return { xs, ys };
    };
    const train = arms(P), test = arms(4 * P);
    for (const [ai, hidden] of archs.entries()) {
      const model = await trainReluNet({ inputSize: 2, hidden, outputs: 2, head: "softmax", ...train, epochs, learningRate: lr, seed: seed * 10 + ai, backend: opts.backend });
      const { logits } = await engine.forward(model, test.xs);
      let wrong = 0;
      for (let i = 0; i < 8 * P; i++) if ((logits[2 * i + 1] > logits[2 * i] ? 1 : 0) !== (test.ys[2 * i + 1] === 1 ? 1 : 0)) wrong++;
      const plane = await engine.regionsInPlane(model, [0, 0], [1, 0], [0, 1], BOX);
      runs.push({
        architecture: [2, ...hidden, 2], T, regions: plane.count, error: wrong / (8 * P),
        boundLog10: complexityBounds([2, ...hidden, 2]).serra2018.log10,
        plane: { count: plane.count, vertexStart: plane.vertexStart, vertices: plane.vertices, predicted: plane.predicted, boundaryPolylines: plane.boundaryPolylines },
      });
    }
  }
  const table = runs.map((r) => ({ architecture: r.architecture.join("-"), turns: r.T / (2 * Math.PI), regions: r.regions, error: r.error }));
  const line = (y: string, title: string) => ({
    $schema: "https://vega.github.io/schema/vega-lite/v5.json", data: { values: table }, mark: { type: "line", point: true },
    encoding: { x: { field: "turns", type: "quantitative", title: "T / 2π" }, y: { field: y, type: "quantitative", title }, color: { field: "architecture", type: "nominal" } },
  });
  return { runs, plots: { regionsVsT: line("regions", "linear regions in the box"), errorVsT: line("error", "misclassified fraction") } };
}
