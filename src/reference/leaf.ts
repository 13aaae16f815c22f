/**
 * Float64 TypeScript twin of assembly/leaf.ts (tests and benchmarks only): the exact region-crossing leaf
 * walk of a dense piecewise-linear network, written for clarity with no code shared with the kernel.
 * Dense layers only (activation in the layer: linear, relu, leakyRelu). The Jacobian is built in forward
 * mode (T ← diag(s) Wᵀ T from T = I), the distribution basis by Gram–Schmidt with the same relative
 * rank tolerance, and a boundary fold is handled by the same reflection rule (and a direction tangent to
 * the crossed boundary by the same no-recrossing rule).
 */
import type { DenseLayer, ModelSpec } from "../model/types.js";
import { DEFAULT_LEAKY_ALPHA } from "./forward.js";

export interface ReferenceLeafOptions {
  distribution: "data" | "kernel";
  direction: ArrayLike<number>;
  maxLength: number;
  maxVertices?: number;
  rankTol?: number;
}

export interface ReferenceLeaf {
  points: number[][];
  params: number[];
  rank: number[];
  /** Global index (among relu/leakyRelu units, layer order) of the unit crossed to reach each vertex. */
  crossed: number[];
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function layersOf(spec: ModelSpec): DenseLayer[] {
  return spec.layers.map((l) => {
    if (l.type !== "dense") throw new Error(`referenceLeaf: dense layers only, got ${l.type}`);
    return l;
  });
}

const isPl = (l: DenseLayer) => l.activation === "relu" || l.activation === "leakyRelu";
const slopeOff = (l: DenseLayer) => (l.activation === "leakyRelu" ? l.alpha ?? DEFAULT_LEAKY_ALPHA : 0);

/** Pre-activations of every layer at x with the pattern `on` (per layer, per unit) frozen. */
export function frozenPreActivations(spec: ModelSpec, x: ArrayLike<number>, on: boolean[][]): number[][] {
  let a = Array.from(x);
  const zs: number[][] = [];
  layersOf(spec).forEach((l, li) => {
    const nIn = a.length;
    const z = Array.from(l.bias);
    for (let i = 0; i < nIn; i++) for (let j = 0; j < l.units; j++) z[j] += a[i] * l.kernel[i * l.units + j];
    zs.push(z);
    a = z.map((v, j) => (isPl(l) ? (on[li][j] ? v : slopeOff(l) * v) : v));
  });
  return zs;
}

/** Logit Jacobian (m×d rows) with the pattern `on` frozen. */
export function frozenJacobian(spec: ModelSpec, on: boolean[][]): number[][] {
  const d = spec.inputShape.reduce((p, q) => p * q, 1);
  let T: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0))); // width×d
  layersOf(spec).forEach((l, li) => {
    const nIn = T.length;
    const next: number[][] = [];
    for (let j = 0; j < l.units; j++) {
      const row = new Array(d).fill(0);
      for (let i = 0; i < nIn; i++) {
        const w = l.kernel[i * l.units + j];
        if (w !== 0) for (let c = 0; c < d; c++) row[c] += w * T[i][c];
      }
      const sj = isPl(l) ? (on[li][j] ? 1 : slopeOff(l)) : 1;
      next.push(row.map((v) => v * sj));
    }
    T = next;
  });
  return T;
}

/** Orthonormal basis of the span of the centred rows of J (the image of the DIM). */
export function dataBasis(J: number[][], rankTol = 1e-9): number[][] {
  const m = J.length, d = J[0].length;
  const mean = new Array(d).fill(0);
  for (const r of J) for (let c = 0; c < d; c++) mean[c] += r[c] / m;
  const rows = J.map((r) => r.map((v, c) => v - mean[c]));
  const maxNorm = Math.max(...rows.map((r) => Math.sqrt(dot(r, r))));
  const Q: number[][] = [];
  if (maxNorm === 0) return Q;
  for (const r of rows) {
    const q = [...r];
    for (let pass = 0; pass < 2; pass++) for (const b of Q) {
      const c = dot(b, q);
      for (let i = 0; i < d; i++) q[i] -= c * b[i];
    }
    const n = Math.sqrt(dot(q, q));
    if (n > rankTol * maxNorm) Q.push(q.map((v) => v / n));
  }
  return Q;
}

/** Projection of w onto span(Q) (kernel = false) or its orthogonal complement. */
export function project(Q: number[][], w: ArrayLike<number>, kernel: boolean): number[] {
  const p = kernel ? Array.from(w) : new Array(w.length).fill(0);
  for (const q of Q) {
    const c = dot(q, w);
    for (let i = 0; i < w.length; i++) p[i] += (kernel ? -c : c) * q[i];
  }
  return p;
}

/** The exact leaf walk (the algorithm of leafExactF64, without box or target). */
export function referenceLeaf(spec: ModelSpec, x0: ArrayLike<number>, o: ReferenceLeafOptions): ReferenceLeaf {
  const layers = layersOf(spec);
  const kernel = o.distribution === "kernel";
  const maxV = o.maxVertices ?? 1024;
  let x = Array.from(x0);
  const on: boolean[][] = layers.map(() => []);
  // Pattern from signs, layer by layer (each layer's signs need the true outputs of the layers below).
  let a = Array.from(x);
  layers.forEach((l, li) => {
    const z = Array.from(l.bias);
    for (let i = 0; i < a.length; i++) for (let j = 0; j < l.units; j++) z[j] += a[i] * l.kernel[i * l.units + j];
    on[li] = z.map((v) => v > 0);
    a = z.map((v, j) => (isPl(l) ? (on[li][j] ? v : slopeOff(l) * v) : v));
  });
  const units: [number, number][] = []; // global PL unit index → [layer, unit]
  layers.forEach((l, li) => { if (isPl(l)) for (let j = 0; j < l.units; j++) units.push([li, j]); });
  const flip = (g: number) => { const [li, j] = units[g]; on[li][j] = !on[li][j]; };
  let u = Array.from(o.direction);
  let len = 0, lastCross = -1, flips = 0;
  const out: ReferenceLeaf = { points: [], params: [], rank: [], crossed: [] };
  for (;;) {
    const Q = dataBasis(frozenJacobian(spec, on), o.rankTol);
    out.points.push([...x]); out.params.push(len); out.rank.push(Q.length); out.crossed.push(lastCross);
    if (out.points.length === maxV || len >= o.maxLength) break;
    let p = project(Q, u, kernel);
    const pn = Math.sqrt(dot(p, p));
    if (!(pn > 1e-12 * Math.sqrt(dot(u, u)))) break;
    p = p.map((v) => v / pn);
    const z = frozenPreActivations(spec, x, on);
    const z1 = frozenPreActivations(spec, x.map((v, i) => v + p[i]), on);
    const bias0 = frozenPreActivations(spec, new Array(x.length).fill(0), on);
    const dzOf = (dir: number[]) => {
      const zz = frozenPreActivations(spec, dir, on); // affine: z(dir) − z(0) is linear in dir
      return zz.map((r, li) => r.map((v, j) => v - bias0[li][j]));
    };
    let dz = z1.map((r, li) => r.map((v, j) => v - z[li][j]));
    let tangent = -1;
    if (lastCross >= 0 && flips === 0) {
      const [li, j] = units[lastCross];
      const n = x.map((_, c) => dzOf(x.map((__, k) => (k === c ? 1 : 0)))[li][j]); // ∇z_j
      if (Math.abs(dot(n, p)) <= 1e-10 * Math.sqrt(dot(n, n))) tangent = lastCross; // moves along the boundary
      else if ((on[li][j] && dz[li][j] < 0) || (!on[li][j] && dz[li][j] > 0)) {
        const nP = project(Q, n, kernel);
        const nn = dot(nP, nP);
        if (Math.sqrt(nn) > 1e-12 * Math.sqrt(dot(n, n))) {
          const c = (2 * dz[li][j]) / nn;
          p = p.map((v, i) => v - c * nP[i]);
          dz = dzOf(p);
        }
      }
    }
    let tCross = Infinity, jCross = -1;
    units.forEach(([li, j], g) => {
      if (g === tangent) return;
      const zj = z[li][j], dj = dz[li][j];
      let t = Infinity;
      if (on[li][j]) { if (dj < 0) t = Math.max(zj, 0) / -dj; } else if (dj > 0) t = Math.max(-zj, 0) / dj;
      if (t < tCross) { tCross = t; jCross = g; }
    });
    if (jCross >= 0 && tCross <= 1e-13 * (1 + Math.sqrt(dot(x, x)))) {
      flip(jCross); lastCross = jCross; out.points.pop(); out.params.pop(); out.rank.pop(); out.crossed.pop();
      if (++flips > 8) break;
      continue;
    }
    const tMax = o.maxLength - len;
    const t = Math.min(tCross, tMax);
    x = x.map((v, i) => v + t * p[i]);
    u = p;
    len += t;
    flips = 0;
    if (tCross < tMax) { flip(jCross); lastCross = jCross; } else lastCross = -1;
  }
  return out;
}
