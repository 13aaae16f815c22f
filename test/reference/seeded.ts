import { mulberry32 } from "../../src/random.js";

export { mulberry32 };

/** n uniform values in [-scale, scale), rounded to float32 so that float32 and float64 paths share them. */
export function uniformF32(rand: () => number, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.fround((2 * rand() - 1) * scale);
  return a;
}
