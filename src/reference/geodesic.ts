/**
 * Float64 TypeScript twin of assembly/geodesic.ts (tests and benchmarks only): the RK4 integration of a DIM
 * geodesic inside one linear region (the equation is in src/analyses/geodesic.ts), the step loop that the
 * engine ran in TypeScript before it moved into geodesicSegmentF64, with the same events and recording rule.
 */

/** One region's reduced data, plain arrays (the layout of assembly/geodesic.ts). */
export interface ReferenceRegion {
  d: number;
  C: number;
  r: number;
  xb: Float64Array; // d
  Q: Float64Array; // r×d
  A: Float64Array; // C×r, centred
  Araw: Float64Array; // C×r
  sb: Float64Array; // C
  zb: Float64Array; // P
  M: Float64Array; // P×r
  bits: Uint32Array;
}

export interface ReferenceSegmentOptions {
  step: number;
  maxLength: number;
  recordEvery: number;
  maxVertices: number;
  lo?: Float64Array;
  hi?: Float64Array;
}

/** Integration state, updated in place (as the kernel's state array). */
export interface ReferenceSegmentState {
  y: Float64Array;
  v: Float64Array;
  xPrev: Float64Array;
  len: number;
  eucl: number;
  steps: number;
  kv: number;
}

export interface ReferenceVertex {
  x: Float64Array;
  logits: Float64Array;
  len: number;
  speed2: number;
}

export type ReferenceSegmentEvent = "crossing" | "length" | "box" | "maxVertices" | "degenerate";

const on = (R: ReferenceRegion, b: number) => ((R.bits[b >>> 5] >>> (b & 31)) & 1) === 1;

export function toGlobal(R: ReferenceRegion, y: Float64Array): Float64Array {
  const x = Float64Array.from(R.xb);
  for (let k = 0; k < R.r; k++) for (let i = 0; i < R.d; i++) x[i] += R.Q[k * R.d + i] * y[k];
  return x;
}

export function logitsAt(R: ReferenceRegion, y: Float64Array): Float64Array {
  const s = Float64Array.from(R.sb);
  for (let c = 0; c < R.C; c++) for (let k = 0; k < R.r; k++) s[c] += R.Araw[c * R.r + k] * y[k];
  return s;
}

/** σᵀ F(p) σ with σ = A v, p = softmax(s_b + A y): the squared DIM speed. */
export function speed2(R: ReferenceRegion, y: Float64Array, v: Float64Array): number {
  const s = logitsAt(R, y);
  const mx = Math.max(...s);
  let sum = 0;
  const p = s.map((x) => Math.exp(x - mx));
  for (const x of p) sum += x;
  let m1 = 0, m2 = 0;
  for (let c = 0; c < R.C; c++) {
    let sig = 0;
    for (let k = 0; k < R.r; k++) sig += R.A[c * R.r + k] * v[k];
    m1 += (p[c] / sum) * sig;
    m2 += (p[c] / sum) * sig * sig;
  }
  return m2 - m1 * m1;
}

/** The pattern bit whose pre-activation at y has left its side by more than 1e-12 (largest first), or −1. */
export function violated(R: ReferenceRegion, y: Float64Array): number {
  let worst = 1e-12, which = -1;
  const P = R.zb.length;
  for (let b = 0; b < P; b++) {
    let z = R.zb[b];
    for (let k = 0; k < R.r; k++) z += R.M[b * R.r + k] * y[k];
    const v = on(R, b) ? -z : z;
    if (v > worst) { worst = v; which = b; }
  }
  return which;
}

/** Acceleration ÿ in region coordinates; returns false when G is not positive definite. */
export function acceleration(R: ReferenceRegion, y: Float64Array, v: Float64Array, out: Float64Array): boolean {
  const { C, r, A } = R;
  const s = new Float64Array(C), sig = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let a = R.sb[c], b = 0;
    for (let k = 0; k < r; k++) { a += A[c * r + k] * y[k]; b += A[c * r + k] * v[k]; }
    s[c] = a; sig[c] = b;
  }
  let mx = -Infinity;
  for (let c = 0; c < C; c++) mx = Math.max(mx, s[c]);
  const p = new Float64Array(C);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += p[c] = Math.exp(s[c] - mx);
  let ps = 0;
  for (let c = 0; c < C; c++) { p[c] /= sum; ps += p[c] * sig[c]; }
  let m2 = 0;
  const bar = sig.map((x) => x - ps);
  for (let c = 0; c < C; c++) m2 += p[c] * bar[c] * bar[c];
  const q = new Float64Array(C); // p ⊙ (σ̄² − m₂)
  for (let c = 0; c < C; c++) q[c] = p[c] * (bar[c] * bar[c] - m2);
  // G = Aᵀ F A with F A = p⊙(A − 1 pᵀA); rhs = −½ Aᵀ q.
  const pA = new Float64Array(r);
  for (let k = 0; k < r; k++) for (let c = 0; c < C; c++) pA[k] += p[c] * A[c * r + k];
  const G = new Float64Array(r * r), rhs = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    for (let c = 0; c < C; c++) rhs[i] -= 0.5 * A[c * r + i] * q[c];
    for (let j = 0; j <= i; j++) {
      let g = 0;
      for (let c = 0; c < C; c++) g += A[c * r + i] * p[c] * (A[c * r + j] - pA[j]);
      G[i * r + j] = G[j * r + i] = g;
    }
  }
  return choleskySolve(G, rhs, r, out);
}

/** Solve G x = b (G r×r symmetric positive definite, overwritten) by Cholesky; false if not PD. */
export function choleskySolve(G: Float64Array, b: Float64Array, r: number, x: Float64Array): boolean {
  for (let j = 0; j < r; j++) {
    let dgl = G[j * r + j];
    for (let k = 0; k < j; k++) dgl -= G[j * r + k] * G[j * r + k];
    if (!(dgl > 0)) return false;
    const l = Math.sqrt(dgl);
    G[j * r + j] = l;
    for (let i = j + 1; i < r; i++) {
      let v = G[i * r + j];
      for (let k = 0; k < j; k++) v -= G[i * r + k] * G[j * r + k];
      G[i * r + j] = v / l;
    }
  }
  for (let i = 0; i < r; i++) {
    let v = b[i];
    for (let k = 0; k < i; k++) v -= G[i * r + k] * x[k];
    x[i] = v / G[i * r + i];
  }
  for (let i = r - 1; i >= 0; i--) {
    let v = x[i];
    for (let k = i + 1; k < r; k++) v -= G[k * r + i] * x[k];
    x[i] = v / G[i * r + i];
  }
  return true;
}

/** One RK4 step of (y, v) by h; null when the metric degenerates. */
export function rk4(R: ReferenceRegion, y: Float64Array, v: Float64Array, h: number): [Float64Array, Float64Array] | null {
  const r = R.r;
  const a1 = new Float64Array(r), a2 = new Float64Array(r), a3 = new Float64Array(r), a4 = new Float64Array(r);
  const add = (p: Float64Array, q: Float64Array, c: number) => p.map((x, i) => x + c * q[i]);
  if (!acceleration(R, y, v, a1)) return null;
  const y2 = add(y, v, h / 2), v2 = add(v, a1, h / 2);
  if (!acceleration(R, y2, v2, a2)) return null;
  const y3 = add(y, v2, h / 2), v3 = add(v, a2, h / 2);
  if (!acceleration(R, y3, v3, a3)) return null;
  const y4 = add(y, v3, h), v4 = add(v, a3, h);
  if (!acceleration(R, y4, v4, a4)) return null;
  const yn = y.map((x, i) => x + (h / 6) * (v[i] + 2 * v2[i] + 2 * v3[i] + v4[i]));
  const vn = v.map((x, i) => x + (h / 6) * (a1[i] + 2 * a2[i] + 2 * a3[i] + a4[i]));
  return [yn, vn];
}

/**
 * Integrate inside region R from st until an event (the contract of geodesicSegmentF64, without the vertex
 * buffer): returns the event, the crossed unit (−1 unless "crossing") and the vertices recorded on the way.
 */
export function referenceGeodesicSegment(R: ReferenceRegion, st: ReferenceSegmentState, o: ReferenceSegmentOptions): { event: ReferenceSegmentEvent; crossed: number; vertices: ReferenceVertex[] } {
  const vertices: ReferenceVertex[] = [];
  while (true) {
    if (st.kv >= o.maxVertices) return { event: "maxVertices", crossed: -1, vertices };
    const h = Math.min(o.step, o.maxLength - st.len);
    if (h <= 1e-15) return { event: "length", crossed: -1, vertices };
    let next = rk4(R, st.y, st.v, h);
    if (!next) return { event: "degenerate", crossed: -1, vertices };
    let hUsed = h;
    let crossed = violated(R, next[0]);
    if (crossed >= 0) {
      // Bisect the step length down to the first sign change.
      let a = 0, b = h;
      for (let it = 0; it < 60; it++) {
        const mid = (a + b) / 2;
        const s = rk4(R, st.y, st.v, mid);
        if (s && violated(R, s[0]) < 0) a = mid;
        else b = mid;
      }
      const sb = rk4(R, st.y, st.v, b);
      crossed = sb ? violated(R, sb[0]) : crossed;
      next = rk4(R, st.y, st.v, a);
      if (!next) return { event: "degenerate", crossed: -1, vertices };
      hUsed = a;
    }
    st.y = next[0];
    st.v = next[1];
    st.len += hUsed;
    st.steps++;
    const x = toGlobal(R, st.y);
    if (o.lo && !x.every((xi, j) => xi >= o.lo![j] && xi <= o.hi![j])) return { event: "box", crossed: -1, vertices };
    st.eucl += Math.hypot(...x.map((xi, j) => xi - st.xPrev[j]));
    st.xPrev = x;
    if (crossed >= 0) return { event: "crossing", crossed, vertices };
    if (st.steps % o.recordEvery === 0 || st.len >= o.maxLength - 1e-15) {
      vertices.push({ x, logits: logitsAt(R, st.y), len: st.len, speed2: speed2(R, st.y, st.v) });
      st.kv++;
    }
  }
}
