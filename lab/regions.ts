/**
 * The picture under the leaves: a res×res grid over the square [lo, hi]², evaluated by Foliate in its workers
 * (`engine.forward` for probabilities and region hashes, `engine.dim` for the DIM's top eigenvalue), painted
 * into a canvas as decision regions, linear regions (one color per activation pattern) or log₁₀ λ₁.
 */
import type { Engine, Model } from "../dist/index.js";

export type RegionView = "decision" | "linear" | "dim";

export interface Grid {
  res: number;
  lo: number;
  hi: number;
  /** res·res cells, row-major from the top row (y = hi) down: p(class 1). */
  p1: Float32Array;
  /** res·res region hashes (activation patterns). */
  regionHash: BigUint64Array;
  /** res·res top DIM eigenvalues, or undefined until asked for. */
  lambda?: Float64Array;
  /** Distinct linear regions that meet the grid. */
  regions: number;
}

/** Cell centres, res·res × 2 row-major, top row first (so row i, column j is the pixel at (j, i)). */
export function gridPoints(res: number, lo: number, hi: number): Float32Array {
  const X = new Float32Array(res * res * 2);
  const w = (hi - lo) / res;
  for (let i = 0; i < res; i++)
    for (let j = 0; j < res; j++) {
      X[2 * (i * res + j)] = lo + (j + 0.5) * w;
      X[2 * (i * res + j) + 1] = hi - (i + 0.5) * w;
    }
  return X;
}

export async function computeGrid(engine: Engine, model: Model, res: number, lo: number, hi: number, withDim: boolean): Promise<Grid> {
  const X = gridPoints(res, lo, hi);
  const [f, dim] = await Promise.all([engine.forward(model, X), withDim ? engine.dim(model, X) : undefined]);
  const p1 = new Float32Array(res * res);
  for (let k = 0; k < res * res; k++) p1[k] = f.probs[2 * k + 1];
  const regions = new Set(f.regionHash).size;
  return { res, lo, hi, p1, regionHash: f.regionHash, regions, lambda: dim?.eigenvalues };
}

const CLASS_RGB = [[37, 99, 235], [234, 88, 12]] as const;

function decisionColor(p: number, out: Uint8ClampedArray, o: number): void {
  const pale = 1 - Math.abs(2 * p - 1); // 1 on the decision boundary, 0 where the classifier is sure
  const a = CLASS_RGB[0], b = CLASS_RGB[1];
  for (let c = 0; c < 3; c++) {
    const base = a[c] + (b[c] - a[c]) * p;
    out[o + c] = base + (255 - base) * (0.55 + 0.4 * pale);
  }
}

/** A pastel color per region hash (golden-ratio hue walk over the hash bits). */
function regionColor(h: bigint, out: Uint8ClampedArray, o: number): void {
  const bits = Number(h & 0xffffffffn) ^ Number((h >> 32n) & 0xffffffffn);
  const hue = ((bits >>> 0) * 0.618033988749895) % 1;
  hsl(hue, 0.6, 0.75, out, o);
}

function hsl(h: number, s: number, l: number, out: Uint8ClampedArray, o: number): void {
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  out[o] = 255 * f(0);
  out[o + 1] = 255 * f(8);
  out[o + 2] = 255 * f(4);
}

/** log₁₀ λ₁ over [−8, 1] as a dark-blue → yellow ramp. */
function dimColor(lambda: number, out: Uint8ClampedArray, o: number): void {
  const t = Math.max(0, Math.min(1, (Math.log10(Math.max(lambda, 1e-12)) + 8) / 9));
  const stops = [[20, 24, 82], [33, 145, 140], [253, 231, 37]];
  const s = t < 0.5 ? 0 : 1, u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  for (let c = 0; c < 3; c++) out[o + c] = stops[s][c] + (stops[s + 1][c] - stops[s][c]) * u;
}

/** Paint the grid into `canvas` (any size: the grid is scaled without smoothing). */
export function paintGrid(canvas: HTMLCanvasElement, grid: Grid, view: RegionView, edges: boolean): void {
  const { res } = grid;
  const image = new ImageData(res, res);
  const px = image.data; // res×res×4 RGBA
  for (let k = 0; k < res * res; k++) {
    const o = 4 * k;
    if (view === "linear") regionColor(grid.regionHash[k], px, o);
    else if (view === "dim" && grid.lambda) dimColor(grid.lambda[k], px, o);
    else decisionColor(grid.p1[k], px, o);
    px[o + 3] = 255;
  }
  if (edges) {
    // darken a cell whose right or lower neighbour lies in another linear region
    for (let i = 0; i < res; i++)
      for (let j = 0; j < res; j++) {
        const k = i * res + j, h = grid.regionHash[k];
        const edge = (j + 1 < res && grid.regionHash[k + 1] !== h) || (i + 1 < res && grid.regionHash[k + res] !== h);
        if (edge) for (let c = 0; c < 3; c++) px[4 * k + c] *= view === "linear" ? 0.5 : 0.78;
      }
  }
  const small = document.createElement("canvas");
  small.width = res;
  small.height = res;
  small.getContext("2d")!.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
