/**
 * float64 TypeScript twins of the linear-region and transport kernels (assembly/regionsPlane.ts, argmax.ts),
 * on plain typed arrays instead of pointers; same layouts, same arithmetic. Used only by tests and benchmarks.
 */

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

/**
 * Twin of splitPolygonsNodeF64: the polygons split by the zero line of every unit j < n in turn, unit j's
 * rows A, B, C at z[first + j], z[ld + first + j], z[2·ld + first + j] (shared by every polygon, parent 0),
 * bit bit0 + j.
 */
export function splitPolygonsNodeF64(ps: PolygonSet, z: Float64Array, ld: number, first: number, n: number, eps: number, words: number, bit0: number): PolygonSet {
  let cur = ps;
  for (let j = 0; j < n; j++) cur = splitPolygonsF64(cur, z, ld, first + j, eps, words, bit0 + j);
  return cur;
}
