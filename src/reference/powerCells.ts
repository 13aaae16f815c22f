/**
 * Exact power (Laguerre) cells in the plane: the reference for semi-discrete optimal transport's cell measures
 * (src/analyses/ot/semiDiscreteOT.ts). Cell i of targets y (N×2) and heights h is
 *   W_i = { x ∈ box : ⟨x, y_i⟩ + h_i ≥ ⟨x, y_j⟩ + h_j for every j },
 * the box clipped by N − 1 half-planes ⟨x, y_i − y_j⟩ + h_i − h_j ≥ 0 (Sutherland–Hodgman, one half-plane at a
 * time; a convex polygon stays convex), its area by the shoelace formula. float64, no sampling. Used only by
 * tests and benchmarks.
 *
 * @example
 * powerCellAreas(Float64Array.of(0.25, 0.5, 0.75, 0.5), Float64Array.of(-0.15625, -0.40625)) // Float64Array [0.5, 0.5]
 */

/** The polygon (k×2 vertices, counter-clockwise) of power cell i within the box [lo, hi]² (default unit square). */
export function powerCell(Y: Float64Array, h: Float64Array, i: number, lo = [0, 0], hi = [1, 1]): number[][] {
  const N = h.length;
  let poly = [[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]];
  for (let j = 0; j < N && poly.length > 2; j++) {
    if (j === i) continue;
    const a = Y[2 * i] - Y[2 * j], b = Y[2 * i + 1] - Y[2 * j + 1], c = h[i] - h[j];
    const f = (p: number[]) => a * p[0] + b * p[1] + c;
    const out: number[][] = [];
    for (let k = 0; k < poly.length; k++) {
      const p = poly[k], q = poly[(k + 1) % poly.length], fp = f(p), fq = f(q);
      if (fp >= 0) out.push(p);
      if ((fp >= 0) !== (fq >= 0)) {
        const r = fp / (fp - fq);
        out.push([p[0] + r * (q[0] - p[0]), p[1] + r * (q[1] - p[1])]);
      }
    }
    poly = out;
  }
  return poly.length > 2 ? poly : [];
}

/** Area of a simple polygon (shoelace; positive when counter-clockwise). */
export function polygonArea(poly: number[][]): number {
  let s = 0;
  for (let k = 0; k < poly.length; k++) {
    const p = poly[k], q = poly[(k + 1) % poly.length];
    s += p[0] * q[1] - q[0] * p[1];
  }
  return s / 2;
}

/** Areas of all N power cells of targets Y (N×2, row-major) with heights h (N) in the box (N values). */
export function powerCellAreas(Y: Float64Array, h: Float64Array, lo = [0, 0], hi = [1, 1]): Float64Array {
  return Float64Array.from(h, (_, i) => polygonArea(powerCell(Y, h, i, lo, hi)));
}
