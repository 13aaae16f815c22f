/**
 * Float64 plain-TypeScript twin of the SiMEC/SiMExp stepping kernel (assembly/simec.ts), for tests and
 * benchmarks only: the same algorithm (forward pass and reverse-mode Jacobian over the compiled graph by the
 * graph twin src/reference/graph.ts, B = Fᵀ J, metric, eigenpairs, direction, orientation, step, box,
 * energy) with the cyclic Jacobi eigensolver of src/reference/eigh.ts (an independent algorithm) and the same
 * mulberry32 stream for the random choices. One direction per call, like one chunk sequence of the kernel.
 */
import { compileNetwork, valueBlock, type CompiledNetwork } from "../model/compile.js";
import type { LooseModelSpec, ModelSpec } from "../model/types.js";
import { graphForward, graphVjp } from "./graph.js";
import { gaussian, mulberry32 } from "../random.js";
import { jacobiEigh } from "./eigh.js";

export interface ReferenceWalkOptions {
  mode: 0 | 1;
  /** 0: d×d metric; 1: through the m×m side. */
  route: 0 | 1;
  select: 0 | 1;
  orient: number;
  sign: 1 | -1;
  steps: number;
  delta: number;
  nullTol: number;
  seed: number;
  lo?: ArrayLike<number>;
  hi?: ArrayLike<number>;
  /** Where a step leaves the box: "stop" there (default) or "clamp" and continue from the projected point. */
  boxMode?: "stop" | "clamp";
  /** Stop once ‖y − y(x0)‖₂ ≥ target (0: never). */
  target?: number;
}

export interface ReferenceWalk {
  /** (taken+1)×d, x0 first. */
  points: Float64Array;
  /** (taken+1)×m. */
  outputs: Float64Array;
  taken: number;
  energy: number;
  length: number;
  pseudoLength: number;
  stop: "steps" | "target" | "boundary" | "noDirection" | "nonFinite";
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>, n: number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
};

/**
 * Eigen-decomposition with the kernel's sign convention (symEigF64): the first largest-magnitude component
 * of each eigenvector is positive. The first step of a walk depends on it.
 */
function eigh(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const { values, vectors } = jacobiEigh(a, n);
  for (let i = 0; i < n; i++) {
    let big = 0, sign = 1;
    for (let k = 0; k < n; k++) {
      const x = vectors[i * n + k];
      if (Math.abs(x) > big) {
        big = Math.abs(x);
        sign = x < 0 ? -1 : 1;
      }
    }
    if (sign < 0) for (let k = 0; k < n; k++) vectors[i * n + k] = -vectors[i * n + k];
  }
  return { values, vectors };
}

interface At {
  /** The output (probabilities for a softmax head). */
  y: Float64Array;
  /** m×d: the Jacobian of the output node (the logits for a softmax head). */
  J: Float64Array;
}

/** Output and Jacobian at x, by the graph twin (reverse mode with m identity cotangents). */
function at(net: CompiledNetwork, x: Float64Array): At {
  const st = graphForward(net, x);
  const m = net.outputSize;
  const { offset } = valueBlock(net, net.outputNode);
  const z = st.values.slice(offset, offset + m);
  const eye = new Float64Array(m * m);
  for (let i = 0; i < m; i++) eye[i * m + i] = 1;
  const J = graphVjp(net, st, net.outputNode, eye, m);
  if (net.head !== "softmax") return { y: z, J };
  const mx = Math.max(...z);
  const e = z.map((v) => Math.exp(v - mx));
  const sum = e.reduce((p, q) => p + q, 0);
  return { y: e.map((v) => v / sum), J };
}

const compiled = new WeakMap<object, CompiledNetwork>();

/** Walk one direction from x0 in float64 plain TypeScript (the spec is compiled once per object). */
export function referenceSimecWalk(spec: ModelSpec | LooseModelSpec, x0: ArrayLike<number>, o: ReferenceWalkOptions): ReferenceWalk {
  let net = compiled.get(spec);
  if (!net) compiled.set(spec, (net = compileNetwork(spec)));
  const d = net.inputSize, m = net.outputSize, softmax = net.head === "softmax";
  const rand = mulberry32(o.seed);
  const normal = gaussian(rand);
  let x = Float64Array.from(x0);
  const pts: number[] = Array.from(x);
  const start = at(net, x);
  const y0 = start.y;
  const outs: number[] = Array.from(y0);
  let cur = start;
  let prev: Float64Array | undefined;
  let energy = 0, length = 0, pseudoLength = 0, taken = 0;
  let stop: ReferenceWalk["stop"] = "steps";
  for (let k = 0; k < o.steps; k++) {
    const { J, y } = cur;
    let B = J;
    if (softmax) {
      B = new Float64Array(m * d);
      for (let a = 0; a < m; a++)
        for (let c = 0; c < m; c++) {
          const f = (a === c ? Math.sqrt(y[c]) : 0) - y[c] * Math.sqrt(y[a]);
          for (let t = 0; t < d; t++) B[a * d + t] += f * J[c * d + t];
        }
    }
    let v: Float64Array | undefined;
    if (o.route === 0) {
      const g = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let r = 0; r < m; r++) g[i * d + j] += B[r * d + i] * B[r * d + j];
      const { values: w, vectors } = eigh(g, d);
      const tol = o.nullTol * Math.max(w[0], 0);
      let pick = -1;
      if (o.mode === 0) {
        if (o.select === 0) pick = d - 1;
        else {
          let first = d;
          while (first > 0 && w[first - 1] <= tol) first--;
          if (first < d) pick = first + Math.min(Math.floor(rand() * (d - first)), d - first - 1);
        }
      } else if (w[0] > 0) {
        if (o.select === 0) pick = 0;
        else {
          let count = 0;
          while (count < d && w[count] > tol) count++;
          pick = Math.min(Math.floor(rand() * count), count - 1);
        }
      }
      if (pick >= 0) v = vectors.slice(pick * d, pick * d + d);
    } else {
      const K = new Float64Array(m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) K[i * m + j] = dot(B.subarray(i * d), B.subarray(j * d), d);
      const { values: w, vectors: W } = eigh(K, m);
      const tol = o.nullTol * Math.max(w[0], 0);
      let rank = 0;
      while (rank < m && w[rank] > tol && w[rank] > 0) rank++;
      const U: Float64Array[] = [];
      for (let i = 0; i < rank; i++) {
        const u = new Float64Array(d);
        for (let r = 0; r < m; r++) for (let t = 0; t < d; t++) u[t] += W[i * m + r] * B[r * d + t];
        U.push(u.map((z) => z / Math.sqrt(w[i])));
      }
      if (o.mode === 0 && rank < d) {
        const r = Float64Array.from({ length: d }, () => normal());
        for (let pass = 0; pass < 2; pass++)
          for (const u of U) {
            const c = dot(r, u, d);
            for (let t = 0; t < d; t++) r[t] -= c * u[t];
          }
        const nv = Math.sqrt(dot(r, r, d));
        if (nv > 0) v = r.map((z) => z / nv);
      } else if (o.mode === 1 && rank > 0) {
        v = U[o.select === 0 ? 0 : Math.min(Math.floor(rand() * rank), rank - 1)];
      }
    }
    if (!v) {
      stop = "noDirection";
      break;
    }
    let flip: boolean;
    if (o.mode === 1 && o.orient >= 0) {
      let dy = 0;
      for (let t = 0; t < d; t++) {
        let gt = J[o.orient * d + t];
        if (softmax) {
          let mean = 0;
          for (let c = 0; c < m; c++) mean += y[c] * J[c * d + t];
          gt = y[o.orient] * (gt - mean);
        }
        dy += gt * v[t];
      }
      flip = dy * o.sign < 0;
    } else flip = prev ? dot(v, prev, d) < 0 : o.sign < 0;
    if (flip) v = v.map((z) => -z);
    let quad = 0;
    for (let r = 0; r < m; r++) quad += dot(B.subarray(r * d), v, d) ** 2;
    const xn = new Float64Array(d);
    let moved = 0, clamped = false;
    for (let t = 0; t < d; t++) {
      const free = x[t] + o.delta * v[t];
      let z = free;
      if (o.lo) z = Math.max(z, o.lo[t]);
      if (o.hi) z = Math.min(z, o.hi[t]);
      if (z !== free) clamped = true;
      xn[t] = z;
      moved += (z - x[t]) ** 2;
    }
    moved = Math.sqrt(moved);
    if (!Number.isFinite(moved)) {
      stop = "nonFinite";
      break;
    }
    if (moved === 0) {
      stop = "boundary";
      break;
    }
    x = xn;
    prev = v;
    energy += o.delta * quad;
    pseudoLength += o.delta * Math.sqrt(quad);
    length += moved;
    taken++;
    cur = at(net, x);
    pts.push(...x);
    outs.push(...cur.y);
    if (clamped && o.boxMode !== "clamp") {
      stop = "boundary";
      break;
    }
    if (o.target && Math.sqrt(cur.y.reduce((a, yi, i) => a + (yi - y0[i]) ** 2, 0)) >= o.target) {
      stop = "target";
      break;
    }
  }
  return { points: Float64Array.from(pts), outputs: Float64Array.from(outs), taken, energy, length, pseudoLength, stop };
}
