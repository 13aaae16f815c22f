/**
 * The decision boundary inside a polygonal partition: on each polygon the outputs are affine, so the cell
 * where output k is the largest is the polygon clipped by the half-planes l_k ≥ l_m (m ≠ k). Edges of that
 * cell created by the clip with l_k = l_m are boundary segments (kept once, for k < m). A polygon whose
 * vertices all have the same argmax holds no boundary (l_k − l_m ≥ 0 at the vertices of a convex set
 * implies it everywhere), so only mixed polygons are clipped: O(C²·vertices) each. Runs on the host: it
 * touches only the few polygons the boundary crosses.
 */

interface Clip { xs: number[]; ys: number[]; labels: number[] }

/** Clip a convex polygon (with per-edge labels: edge i runs from vertex i to i+1) by f ≥ 0, f = a·s + b·t + c. */
function clipHalfPlane(poly: Clip, a: number, b: number, c: number, label: number): Clip {
  const out: Clip = { xs: [], ys: [], labels: [] };
  const n = poly.xs.length;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const fi = a * poly.xs[i] + b * poly.ys[i] + c;
    const fj = a * poly.xs[j] + b * poly.ys[j] + c;
    if (fi >= 0) {
      out.xs.push(poly.xs[i]);
      out.ys.push(poly.ys[i]);
      out.labels.push(poly.labels[i]); // v_i → (v_j or the exit point) lies on edge i
      if (fj < 0) {
        const r = fi / (fi - fj);
        out.xs.push(poly.xs[i] + r * (poly.xs[j] - poly.xs[i]));
        out.ys.push(poly.ys[i] + r * (poly.ys[j] - poly.ys[i]));
        out.labels.push(label); // exit point → entry point runs along the clip line
      }
    } else if (fj >= 0) {
      const r = fi / (fi - fj);
      out.xs.push(poly.xs[i] + r * (poly.xs[j] - poly.xs[i]));
      out.ys.push(poly.ys[i] + r * (poly.ys[j] - poly.ys[i]));
      out.labels.push(poly.labels[i]);
    }
  }
  return out;
}

/** Segments (s0, t0, s1, t1) of the decision boundary, and the segments chained into polylines. */
export function decisionBoundary(np: number, start: Int32Array, verts: Float64Array, maps: Float64Array, C: number): { segments: Float64Array; polylines: Float64Array[] } {
  const segs: number[] = [];
  if (C < 2) return { segments: new Float64Array(0), polylines: [] };
  const val = (p: number, i: number, s: number, t: number) => maps[(p * C + i) * 3] * s + maps[(p * C + i) * 3 + 1] * t + maps[(p * C + i) * 3 + 2];
  for (let p = 0; p < np; p++) {
    const i0 = start[p], i1 = start[p + 1];
    let first = -1, mixed = false;
    for (let i = i0; i < i1 && !mixed; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (val(p, c, verts[2 * i], verts[2 * i + 1]) > val(p, best, verts[2 * i], verts[2 * i + 1])) best = c;
      if (first < 0) first = best;
      else if (best !== first) mixed = true;
    }
    if (!mixed) continue;
    const base: Clip = { xs: [], ys: [], labels: [] };
    for (let i = i0; i < i1; i++) {
      base.xs.push(verts[2 * i]);
      base.ys.push(verts[2 * i + 1]);
      base.labels.push(-1);
    }
    for (let kc = 0; kc < C; kc++) {
      let cell = base;
      for (let m = 0; m < C && cell.xs.length >= 3; m++) {
        if (m === kc) continue;
        const a = maps[(p * C + kc) * 3] - maps[(p * C + m) * 3];
        const b = maps[(p * C + kc) * 3 + 1] - maps[(p * C + m) * 3 + 1];
        const c = maps[(p * C + kc) * 3 + 2] - maps[(p * C + m) * 3 + 2];
        cell = clipHalfPlane(cell, a, b, c, m);
      }
      const n = cell.xs.length;
      if (n < 3) continue;
      for (let i = 0; i < n; i++) {
        const m = cell.labels[i];
        if (m <= kc) continue;
        const j = (i + 1) % n;
        if (cell.xs[i] === cell.xs[j] && cell.ys[i] === cell.ys[j]) continue;
        segs.push(cell.xs[i], cell.ys[i], cell.xs[j], cell.ys[j]);
      }
    }
  }
  return { segments: Float64Array.from(segs), polylines: chain(segs) };
}

/** Join segments sharing endpoints (to 1e-9 relative) into polylines. */
function chain(segs: number[]): Float64Array[] {
  const ns = segs.length / 4;
  let scale = 1e-300;
  for (const x of segs) scale = Math.max(scale, Math.abs(x));
  const q = 1e-9 * scale;
  const key = (x: number, y: number) => `${Math.round(x / q)},${Math.round(y / q)}`;
  const ends = new Map<string, number[]>();
  for (let i = 0; i < ns; i++) {
    for (const e of [0, 1]) {
      const k = key(segs[4 * i + 2 * e], segs[4 * i + 2 * e + 1]);
      const list = ends.get(k);
      if (list) list.push(2 * i + e);
      else ends.set(k, [2 * i + e]);
    }
  }
  const used = new Uint8Array(ns);
  const lines: Float64Array[] = [];
  const walk = (from: number, end: number, pts: number[], front: boolean) => {
    // Extend from segment `from`'s endpoint `end` while exactly one unused segment continues there.
    let seg = from, e = end;
    for (;;) {
      const k = key(segs[4 * seg + 2 * e], segs[4 * seg + 2 * e + 1]);
      const next = (ends.get(k) ?? []).find((h) => !used[h >> 1]);
      if (next === undefined) return;
      const s2 = next >> 1, e2 = next & 1;
      used[s2] = 1;
      const far = 1 - e2;
      if (front) pts.unshift(segs[4 * s2 + 2 * far], segs[4 * s2 + 2 * far + 1]);
      else pts.push(segs[4 * s2 + 2 * far], segs[4 * s2 + 2 * far + 1]);
      seg = s2;
      e = far;
    }
  };
  for (let i = 0; i < ns; i++) {
    if (used[i]) continue;
    used[i] = 1;
    const pts = [segs[4 * i], segs[4 * i + 1], segs[4 * i + 2], segs[4 * i + 3]];
    walk(i, 1, pts, false);
    walk(i, 0, pts, true);
    lines.push(Float64Array.from(pts));
  }
  return lines;
}
