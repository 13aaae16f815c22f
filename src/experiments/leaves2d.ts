/**
 * Reproduction 2 (issue 3): leaves of the data and kernel foliations on 2-D toys, as in the foliation
 * figures of Tron & Fioresi (arXiv 2409.07412). Two seeded toys trained with tfjs (cpu backend, full-batch
 * Adam, seeded Glorot initialisers, no shuffling):
 * - "xor": Dense 2-8-2 ReLU (softmax head) on four noisy clusters labelled by XOR of the quadrant signs;
 * - "arcs": Dense 2-16-16-2 ReLU on two concentric half-circle arcs (radii 0.5 and 1, noise 0.08).
 * Through a grid of start points over the box, the exact leaves are traced both ways from each start
 * (engine.leaves with direction ±e, e a seeded direction, joined at the start). With C = 2 the data leaf is
 * 1-dimensional (along ∇(s₁ − s₀)) and so is the kernel leaf (the level curve of p). The result is plain
 * data: the decision-region grid (class-1 probability), the training points and the polylines; `toSvg`
 * draws them for a quick look (the report module draws the real figures).
 */
import { tf } from "../tfjsQuiet.js";
import type { Engine } from "../api/engine.js";
import { Model } from "../model/model.js";
import { gaussian, mulberry32 } from "../random.js";
import type { LeafPath } from "../analyses/leaf.js";

export type Toy = "xor" | "arcs";

export interface ToyData {
  X: Float32Array; // n×2
  y: Int32Array; // n
}

/** The seeded toy data sets. */
export function toyData(toy: Toy, n: number, seed: number): ToyData {
  const u = mulberry32(seed), g = gaussian(u);
  const X = new Float32Array(n * 2), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (toy === "xor") {
      const a = u() < 0.5 ? -1 : 1, b = u() < 0.5 ? -1 : 1;
      X[2 * i] = 0.5 * a + 0.15 * g();
      X[2 * i + 1] = 0.5 * b + 0.15 * g();
      y[i] = a * b > 0 ? 0 : 1;
    } else {
      const c = i % 2, r = c === 0 ? 0.5 : 1, t = Math.PI * u();
      X[2 * i] = r * Math.cos(t) + 0.08 * g();
      X[2 * i + 1] = r * Math.sin(t) - 0.25 + 0.08 * g();
      y[i] = c;
    }
  }
  return { X, y };
}

export interface TrainedToy {
  model: Model;
  accuracy: number;
  data: ToyData;
}

/** Train the toy's network with tfjs (cpu backend), deterministically from `seed`. */
export async function trainToy(toy: Toy, seed = 1, epochs = 400): Promise<TrainedToy> {
  await tf.setBackend("cpu");
  const data = toyData(toy, 400, seed);
  const hidden = toy === "xor" ? [8] : [16, 16];
  const net = tf.sequential();
  hidden.forEach((units, i) =>
    net.add(tf.layers.dense({ units, activation: "relu", inputShape: i === 0 ? [2] : undefined, kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 10 + i }), biasInitializer: "zeros" })),
  );
  net.add(tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 10 + 9 }) }));
  const xs = tf.tensor2d(data.X, [data.y.length, 2]);
  const ys = tf.oneHot(tf.tensor1d(data.y, "int32"), 2).toFloat();
  const opt = tf.train.adam(0.03);
  for (let e = 0; e < epochs; e++) {
    opt.minimize(() => tf.metrics.categoricalCrossentropy(ys, net.apply(xs) as tf.Tensor).mean() as tf.Scalar);
  }
  const pred = (net.predict(xs) as tf.Tensor).argMax(-1).dataSync();
  let ok = 0;
  for (let i = 0; i < data.y.length; i++) ok += pred[i] === data.y[i] ? 1 : 0;
  const model = Model.fromTfjs(net as unknown as Parameters<typeof Model.fromTfjs>[0]);
  tf.dispose([xs, ys]);
  opt.dispose();
  net.dispose();
  return { model, accuracy: ok / data.y.length, data };
}

export interface LeafFigure {
  toy: Toy;
  accuracy: number;
  box: [number, number, number, number]; // xmin, xmax, ymin, ymax
  /** Decision regions: ny×nx class-1 probabilities on the grid of cell centres. */
  grid: { nx: number; ny: number; p1: Float64Array };
  data: ToyData;
  /** Polylines (k×2 each), both directions joined through the start point. */
  dataLeaves: Float64Array[];
  kernelLeaves: Float64Array[];
}

/** Join the backward path (reversed) and the forward path at their shared start. */
function joinBothWays(back: LeafPath, fwd: LeafPath): Float64Array {
  const out = new Float64Array((back.vertices + fwd.vertices - 1) * 2); // k×2
  for (let i = 0; i < back.vertices; i++) out.set(back.points.subarray((back.vertices - 1 - i) * 2, (back.vertices - i) * 2), i * 2);
  out.set(fwd.points.subarray(2), back.vertices * 2);
  return out;
}

/** The figure's data: leaves through a starts×starts grid and a gridSize² decision grid. */
export async function leafFigure(engine: Engine, trained: TrainedToy, toy: Toy, opts: { starts?: number; gridSize?: number; maxLength?: number; seed?: number } = {}): Promise<LeafFigure> {
  const box: [number, number, number, number] = toy === "xor" ? [-1.2, 1.2, -1.2, 1.2] : [-1.4, 1.4, -0.7, 1.2];
  const s = opts.starts ?? 7, G = opts.gridSize ?? 60, L = opts.maxLength ?? 4;
  const starts = new Float64Array(s * s * 2); // s²×2
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) {
    starts[(i * s + j) * 2] = box[0] + ((j + 0.5) / s) * (box[1] - box[0]);
    starts[(i * s + j) * 2 + 1] = box[2] + ((i + 0.5) / s) * (box[3] - box[2]);
  }
  const rnd = gaussian(mulberry32(opts.seed ?? 3));
  const e = [rnd(), rnd()];
  const common = { maxLength: L, box: [[box[0], box[2]], [box[1], box[3]]] as [number[], number[]] };
  const leaves = async (distribution: "data" | "kernel") => {
    const [fwd, back] = await Promise.all([
      engine.leaves(trained.model, starts, { ...common, distribution, direction: e }),
      engine.leaves(trained.model, starts, { ...common, distribution, direction: e.map((v) => -v) }),
    ]);
    return fwd.map((f, i) => joinBothWays(back[i], f));
  };
  const cells = new Float32Array(G * G * 2); // G²×2, row-major by y then x
  for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
    cells[(i * G + j) * 2] = box[0] + ((j + 0.5) / G) * (box[1] - box[0]);
    cells[(i * G + j) * 2 + 1] = box[2] + ((i + 0.5) / G) * (box[3] - box[2]);
  }
  const f = await engine.forward(trained.model, cells);
  const p1 = Float64Array.from({ length: G * G }, (_, i) => f.probs[i * 2 + 1]);
  return {
    toy, accuracy: trained.accuracy, box, grid: { nx: G, ny: G, p1 }, data: trained.data,
    dataLeaves: await leaves("data"), kernelLeaves: await leaves("kernel"),
  };
}

/** A quick SVG of a figure (decision regions as cells, data leaves blue, kernel leaves red). */
export function toSvg(fig: LeafFigure, size = 480): string {
  const [x0, x1, y0, y1] = fig.box;
  const sx = (x: number) => ((x - x0) / (x1 - x0)) * size, sy = (y: number) => size - ((y - y0) / (y1 - y0)) * size;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">`];
  const { nx, ny, p1 } = fig.grid;
  const cw = size / nx, ch = size / ny;
  for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) {
    const p = p1[i * nx + j];
    const c = `rgb(${Math.round(255 - 60 * p)},${Math.round(235)},${Math.round(195 + 60 * p)})`;
    parts.push(`<rect x="${(j * cw).toFixed(2)}" y="${(size - (i + 1) * ch).toFixed(2)}" width="${cw.toFixed(2)}" height="${ch.toFixed(2)}" fill="${c}"/>`);
  }
  const line = (pts: Float64Array, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.2" points="${Array.from({ length: pts.length / 2 }, (_, k) => `${sx(pts[2 * k]).toFixed(2)},${sy(pts[2 * k + 1]).toFixed(2)}`).join(" ")}"/>`;
  for (const l of fig.dataLeaves) parts.push(line(l, "#1f4e9c"));
  for (const l of fig.kernelLeaves) parts.push(line(l, "#c0392b"));
  for (let i = 0; i < fig.data.y.length; i += 4)
    parts.push(`<circle cx="${sx(fig.data.X[2 * i]).toFixed(2)}" cy="${sy(fig.data.X[2 * i + 1]).toFixed(2)}" r="1.5" fill="${fig.data.y[i] ? "#333" : "#fff"}" stroke="#333" stroke-width="0.4"/>`);
  parts.push("</svg>");
  return parts.join("\n");
}
