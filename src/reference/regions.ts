/**
 * float64 TypeScript twins of the linear-region and transport kernels (assembly/regionsLine.ts,
 * regionsPlane.ts, argmax.ts), on plain typed arrays instead of pointers; same layouts, same arithmetic.
 * Used only by tests and benchmarks.
 */

export function biasRowsF64(count: number, n: number, bias: Float64Array, z: Float64Array, z0: number, ldz: number, stride: number): void {
  for (let r = 0; r < count; r++) for (let j = 0; j < n; j++) z[z0 + r * stride * ldz + j] += bias[j];
}

export function lineCrossingsF64(m: number, n: number, z: Float64Array, t: Float64Array, roots: Float64Array, counts: Int32Array): number {
  let total = 0;
  for (let k = 0; k < m; k++) {
    let found = 0;
    for (let j = 0; j < n; j++) {
      const q = z[(2 * k + 1) * n + j];
      if (q === 0) continue;
      const r = -z[2 * k * n + j] / q;
      if (r > t[k] && r < t[k + 1]) {
        roots[total++] = r;
        found++;
      }
    }
    counts[k] = found;
  }
  return total;
}

export function lineActivateF64(m: number, n: number, z: Float64Array, parent: Int32Array, t: Float64Array, alpha: number, x: Float64Array, srcBits: Uint32Array, dstBits: Uint32Array, words: number, offset: number): void {
  for (let k = 0; k < m; k++) {
    const p = parent[k];
    const mid = 0.5 * (t[k] + t[k + 1]);
    for (let w = 0; w < words; w++) dstBits[k * words + w] = srcBits[p * words + w];
    for (let j = 0; j < n; j++) {
      const P = z[2 * p * n + j], Q = z[(2 * p + 1) * n + j];
      let s = alpha;
      if (P + mid * Q > 0) {
        s = 1;
        dstBits[k * words + ((offset + j) >>> 5)] |= 1 << ((offset + j) & 31);
      }
      x[2 * k * n + j] = s * P;
      x[(2 * k + 1) * n + j] = s * Q;
    }
  }
}

export interface PolygonSet { start: Int32Array; verts: Float64Array; parent: Int32Array; bits: Uint32Array; count: number }

export function splitPolygonsF64(ps: PolygonSet, z: Float64Array, n: number, j: number, eps: number, words: number, bit: number): PolygonSet {
  const start = [0], verts: number[] = [], parent: number[] = [], bits: number[] = [];
  const emit = (par: number, p: number, setBit: boolean) => {
    start.push(verts.length / 2);
    parent.push(par);
    const row = Array.from(ps.bits.subarray(p * words, (p + 1) * words));
    if (setBit) row[bit >>> 5] = (row[bit >>> 5] | (1 << (bit & 31))) >>> 0;
    bits.push(...row);
  };
  for (let p = 0; p < ps.count; p++) {
    const par = ps.parent[p];
    const a = z[3 * par * n + j], b = z[(3 * par + 1) * n + j], c = z[(3 * par + 2) * n + j];
    const tol = eps * (Math.abs(a) + Math.abs(b) + Math.abs(c));
    const i0 = ps.start[p], i1 = ps.start[p + 1];
    let lo = Infinity, hi = -Infinity, sum = 0;
    for (let i = i0; i < i1; i++) {
      const f = a * ps.verts[2 * i] + b * ps.verts[2 * i + 1] + c;
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
      sum += f;
    }
    if (lo >= -tol || hi <= tol) {
      for (let i = i0; i < i1; i++) verts.push(ps.verts[2 * i], ps.verts[2 * i + 1]);
      emit(par, p, hi > tol ? lo >= -tol : sum > 0);
      continue;
    }
    for (const sg of [1, -1]) {
      for (let i = i0; i < i1; i++) {
        const w = i + 1 < i1 ? i + 1 : i0;
        const vx = ps.verts[2 * i], vy = ps.verts[2 * i + 1], wx = ps.verts[2 * w], wy = ps.verts[2 * w + 1];
        const fv = sg * (a * vx + b * vy + c), fw = sg * (a * wx + b * wy + c);
        if (fv >= -tol) verts.push(vx, vy);
        if ((fv > tol && fw < -tol) || (fv < -tol && fw > tol)) {
          const r = fv / (fv - fw);
          verts.push(vx + r * (wx - vx), vy + r * (wy - vy));
        }
      }
      emit(par, p, sg > 0);
    }
  }
  return { start: Int32Array.from(start), verts: Float64Array.from(verts), parent: Int32Array.from(parent), bits: Uint32Array.from(bits), count: parent.length };
}

export function polygonActivateF64(npoly: number, n: number, z: Float64Array, parent: Int32Array, bits: Uint32Array, words: number, offset: number, alpha: number, x: Float64Array): void {
  for (let p = 0; p < npoly; p++) {
    for (let r = 0; r < 3; r++) {
      for (let j = 0; j < n; j++) {
        const b = offset + j;
        const on = (bits[p * words + (b >>> 5)] >>> (b & 31)) & 1;
        const v = z[(3 * parent[p] + r) * n + j];
        x[(3 * p + r) * n + j] = on ? v : alpha * v;
      }
    }
  }
}

/** FNV-1a 64 over u32 words, byte by byte (little-endian), from the standard offset basis. */
export function fnv64Rows(count: number, words: number, bits: Uint32Array): BigUint64Array {
  const out = new BigUint64Array(count);
  for (let r = 0; r < count; r++) {
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < words; i++) {
      let v = bits[r * words + i];
      for (let b = 0; b < 4; b++) {
        h ^= BigInt(v & 0xff);
        h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
        v >>>= 8;
      }
    }
    out[r] = h;
  }
  return out;
}

export function argmaxRowsF64(m: number, n: number, s: Float64Array, lds: number, h: Float64Array, idx: Int32Array, counts: Int32Array): void {
  for (let r = 0; r < m; r++) {
    let best = s[r * lds] + h[0], bi = 0;
    for (let i = 1; i < n; i++) {
      const v = s[r * lds + i] + h[i];
      if (v > best) {
        best = v;
        bi = i;
      }
    }
    idx[r] = bi;
    counts[bi]++;
  }
}

export interface PoolGeometry { h: number; w: number; c: number; ph: number; pw: number; sh: number; sw: number; padT: number; padL: number; oh: number; ow: number }

function windowCells(g: PoolGeometry, y: number, xo: number, ch: number): number[] {
  const cells: number[] = [];
  for (let i = 0; i < g.ph; i++) for (let j = 0; j < g.pw; j++) {
    const iy = y * g.sh - g.padT + i, ix = xo * g.sw - g.padL + j;
    if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) cells.push((iy * g.w + ix) * g.c + ch);
  }
  return cells;
}

/** Twin of lineMaxPoolCrossingsF64: upper-envelope breakpoints of each window inside each piece. */
export function lineMaxPoolCrossingsF64(m: number, g: PoolGeometry, x: Float64Array, t: Float64Array, roots: Float64Array, counts: Int32Array): number {
  const inSize = g.h * g.w * g.c;
  let total = 0;
  for (let k = 0; k < m; k++) {
    const P = (i: number) => x[2 * k * inSize + i], Q = (i: number) => x[(2 * k + 1) * inSize + i];
    let found = 0;
    for (let y = 0; y < g.oh; y++) for (let xo = 0; xo < g.ow; xo++) for (let ch = 0; ch < g.c; ch++) {
      const cells = windowCells(g, y, xo, ch);
      let cur = -1, cv = 0, cq = 0;
      for (const i of cells) {
        const v = P(i) + t[k] * Q(i);
        if (cur < 0 || v > cv || (v === cv && Q(i) > cq)) {
          cur = i;
          cv = v;
          cq = Q(i);
        }
      }
      let at = t[k];
      for (;;) {
        let next = -1, tn = t[k + 1], qn = 0;
        for (const i of cells) {
          if (i === cur || Q(i) <= Q(cur)) continue;
          const r = (P(cur) - P(i)) / (Q(i) - Q(cur));
          if (r > at && (r < tn || (r === tn && Q(i) > qn))) {
            next = i;
            tn = r;
            qn = Q(i);
          }
        }
        if (next < 0) break;
        roots[total++] = tn;
        found++;
        cur = next;
        at = tn;
      }
    }
    counts[k] = found;
  }
  return total;
}

/** Twin of lineMaxPoolActivateF64. */
export function lineMaxPoolActivateF64(m: number, g: PoolGeometry, x: Float64Array, parent: Int32Array, t: Float64Array, out: Float64Array, srcRows: Uint32Array, dstRows: Uint32Array, words: number, argOffset: number): void {
  const inSize = g.h * g.w * g.c, outSize = g.oh * g.ow * g.c;
  for (let k = 0; k < m; k++) {
    const p = parent[k], mid = 0.5 * (t[k] + t[k + 1]);
    for (let i = 0; i < words; i++) dstRows[k * words + i] = srcRows[p * words + i];
    for (let y = 0; y < g.oh; y++) for (let xo = 0; xo < g.ow; xo++) for (let ch = 0; ch < g.c; ch++) {
      let best = -Infinity, at = -1;
      for (const i of windowCells(g, y, xo, ch)) {
        const v = x[2 * p * inSize + i] + mid * x[(2 * p + 1) * inSize + i];
        if (at < 0 || v > best) {
          best = v;
          at = i;
        }
      }
      const o = (y * g.ow + xo) * g.c + ch;
      out[2 * k * outSize + o] = x[2 * p * inSize + at];
      out[(2 * k + 1) * outSize + o] = x[(2 * p + 1) * inSize + at];
      dstRows[k * words + argOffset + o] = at;
    }
  }
}
