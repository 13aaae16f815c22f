// Seeded joints and helpers shared by the localGeometry tests.
import { mulberry32, gaussian as normal } from "../../../src/random.js";

/** A random joint nx×ny (row-major) whose entries are counts/total with integer counts in 1..maxCount. */
export function countJoint(nx: number, ny: number, seed: number, maxCount = 20): { pxy: Float64Array; counts: Int32Array; total: number } {
  const rand = mulberry32(seed);
  const counts = Int32Array.from({ length: nx * ny }, () => 1 + Math.floor(rand() * maxCount));
  const total = counts.reduce((a, b) => a + b, 0);
  return { pxy: Float64Array.from(counts, (c) => c / total), counts, total };
}

/** The samples (x as a label of its row, y) realising integer counts exactly: one row per sample. */
export function samplesOf(counts: Int32Array, ny: number): { xs: Int32Array; ys: Int32Array } {
  const xs: number[] = [];
  const ys: number[] = [];
  counts.forEach((c, cell) => {
    for (let t = 0; t < c; t++) {
      xs.push(Math.floor(cell / ny));
      ys.push(cell % ny);
    }
  });
  return { xs: Int32Array.from(xs), ys: Int32Array.from(ys) };
}

export function gaussian(len: number, seed: number): Float64Array {
  const g = normal(mulberry32(seed));
  return Float64Array.from({ length: len }, () => g());
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
