/**
 * Input batches: X as Float32Array / Float64Array (n·d values, row-major, NHWC for images) or number[][]
 * (n rows of d), checked and converted to one Float32Array n×d.
 */
import { EmptyBatchError, NonFiniteError, ShapeError } from "../errors.js";

export type BatchInput = Float32Array | Float64Array | ArrayLike<number>[] | number[][];

export interface Batch {
  data: Float32Array; // n×d, row-major
  n: number;
  d: number;
}

/** Validate and convert; `what` names the argument in messages. */
export function toBatch(X: unknown, d: number, what = "X"): Batch {
  let data: Float32Array;
  if (X instanceof Float32Array || X instanceof Float64Array) {
    if (X.length % d !== 0)
      throw new ShapeError(`${what} has ${X.length} values, not a multiple of the model's input size d = ${d}`);
    data = X instanceof Float32Array ? X : Float32Array.from(X); // never written: no copy needed
  } else if (Array.isArray(X)) {
    data = new Float32Array(X.length * d);
    X.forEach((row, i) => {
      if (!row || typeof row !== "object" || typeof (row as ArrayLike<number>).length !== "number")
        throw new ShapeError(`${what}[${i}] is not an array of ${d} numbers`);
      const r = row as ArrayLike<number>;
      if (r.length !== d) throw new ShapeError(`${what}[${i}] has ${r.length} values, expected the model's input size d = ${d}`);
      for (let j = 0; j < d; j++) {
        if (typeof r[j] !== "number") throw new ShapeError(`${what}[${i}][${j}] is ${typeof r[j]}, expected a number`);
        data[i * d + j] = r[j];
      }
    });
  } else {
    throw new ShapeError(`${what} must be a Float32Array, Float64Array or number[][] of n×${d} values, got ${describe(X)}`);
  }
  const n = data.length / d;
  if (n === 0) throw new EmptyBatchError(`${what} is an empty batch (0 points)`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const src = Array.isArray(X) ? (X[Math.floor(i / d)] as ArrayLike<number>)[i % d] : (X as Float64Array)[i];
      throw new NonFiniteError(`${what}: point ${Math.floor(i / d)}, coordinate ${i % d} is ${Number.isFinite(src) ? "outside float32 range" : String(src)}`);
    }
  }
  return { data, n, d };
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}
