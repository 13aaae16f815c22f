/**
 * Data leaves and kernel leaves through a point of a 2D classifier with C = 2, traced in the page by short
 * steps along a direction field computed by Foliate in its workers: at each point, `engine.dim` gives the top
 * eigenvector v of the data information matrix D(x). The data leaf is the integral curve of v; the kernel leaf
 * is the integral curve of its orthogonal complement (in 2D, with rank D ≤ C − 1 = 1, a single direction v⊥).
 *
 * This is a stand-in for the engine's own `engine.leaf`: everything the lab knows about leaves is in this one
 * module, so swapping it changes nothing else. Note for the swap: `engine.leaf` walks along one fixed direction
 * w projected per region and stops ("orthogonal") where the leaf turns 90° or more away from w, so a closed
 * kernel leaf (circles) needs a loop that restarts it from the last vertex along the last segment.
 *
 * Integration: Euler steps (one `engine.dim` call each) with the eigenvector's sign aligned to the previous
 * step. For a ReLU network the field is constant inside each linear region, so a step that stays in its region
 * is exact; higher-order rules gain nothing at the region boundaries, where the field jumps. A leaf stops where it leaves the bounds, where D vanishes (a saturated softmax: no direction),
 * after `maxSteps`, or when it closes on itself (kernel leaves of circles are closed curves).
 */
import type { Engine, Model } from "../dist/index.js";

export type LeafKind = "data" | "kernel";

export interface LeafOptions {
  /** Step length in input units. */
  step: number;
  /** Steps per direction (the leaf grows both ways from the point). */
  maxSteps: number;
  /** The square [lo, hi]² the leaf stays in. */
  bounds: [number, number];
  /** D(x) with a top eigenvalue at or below this has no direction: the leaf stops. Default 1e-12. */
  minEigenvalue?: number;
  signal?: AbortSignal;
}

export interface Leaf {
  kind: LeafKind;
  /** Points along the leaf, k×2 row-major, in order along the curve. */
  points: Float64Array;
  /** Whether the leaf closed on itself. */
  closed: boolean;
  /** `engine.dim` calls made. */
  evaluations: number;
}

type Direction = [number, number] | undefined;

/** The data leaf or kernel leaf through `x0` (a 2-vector). */
export async function traceLeaf(engine: Engine, model: Model, x0: readonly number[], kind: LeafKind, opts: LeafOptions): Promise<Leaf> {
  if (model.inputSize !== 2 || model.outputSize !== 2)
    throw new Error(`traceLeaf draws leaves of 2D classifiers with 2 classes; this model maps ${model.inputSize} inputs to ${model.outputSize} outputs`);
  const minEigenvalue = opts.minEigenvalue ?? 1e-12;
  let evaluations = 0;
  const direction = async (x: number, y: number): Promise<Direction> => {
    evaluations++;
    const r = await engine.dim(model, new Float32Array([x, y]), { signal: opts.signal });
    const lambda = r.eigenvalues[0], vx = r.eigenvectors[0], vy = r.eigenvectors[1];
    const norm = Math.hypot(vx, vy);
    if (!(lambda > minEigenvalue) || !(Math.abs(norm - 1) < 1e-3)) return undefined;
    return kind === "data" ? [vx / norm, vy / norm] : [-vy / norm, vx / norm];
  };
  const start = await direction(x0[0], x0[1]);
  if (!start) return { kind, points: Float64Array.from([x0[0], x0[1]]), closed: false, evaluations };
  const forward = await walk(direction, x0, start, opts);
  const backward = forward.closed ? { path: [] as number[], closed: true } : await walk(direction, x0, [-start[0], -start[1]], opts);
  const points = new Float64Array(2 * (backward.path.length / 2 + 1 + forward.path.length / 2)); // k×2
  let k = 0;
  for (let i = backward.path.length - 2; i >= 0; i -= 2) {
    points[k++] = backward.path[i];
    points[k++] = backward.path[i + 1];
  }
  points[k++] = x0[0];
  points[k++] = x0[1];
  points.set(forward.path, k);
  return { kind, points, closed: forward.closed, evaluations };
}

/** Follow the field from x0, first heading along `heading`; returns the points after x0 (flat x, y pairs). */
async function walk(direction: (x: number, y: number) => Promise<Direction>, x0: readonly number[], heading: [number, number], opts: LeafOptions) {
  const h = opts.step, [lo, hi] = opts.bounds;
  const path: number[] = [];
  let x = x0[0], y = x0[1], prev = heading;
  let px = x, py = y; // the previous point
  let turning = 0; // signed total turn of the heading, radians
  const align = (v: [number, number], ref: [number, number]): [number, number] => (v[0] * ref[0] + v[1] * ref[1] < 0 ? [-v[0], -v[1]] : v);
  for (let s = 0; s < opts.maxSteps; s++) {
    const d = s === 0 ? heading : await direction(x, y);
    if (!d) break;
    const v = align(d, prev);
    // A simple closed curve turns through 2π once round: past 2π + π/2 Euler drift has kept the leaf from
    // meeting its start and it is spiralling round a closed leaf, so stop and call it closed.
    turning += Math.atan2(prev[0] * v[1] - prev[1] * v[0], prev[0] * v[0] + prev[1] * v[1]);
    if (Math.abs(turning) > 2.5 * Math.PI) return { path, closed: true };
    x += h * v[0];
    y += h * v[1];
    if (!(x >= lo && x <= hi && y >= lo && y <= hi)) break;
    path.push(x, y);
    prev = v;
    // Closed: the curve comes back across the line through x0 normal to the first heading, heading the same way,
    // near x0 (within a few steps: Euler drift at region boundaries keeps it from landing exactly on x0).
    const before = (px - x0[0]) * heading[0] + (py - x0[1]) * heading[1];
    const after = (x - x0[0]) * heading[0] + (y - x0[1]) * heading[1];
    if (s > 8 && before < 0 && after >= 0) {
      const t = before / (before - after);
      const cx = px + t * (x - px), cy = py + t * (y - py);
      if (Math.hypot(cx - x0[0], cy - x0[1]) < 5 * h) {
        path.push(x0[0], x0[1]);
        return { path, closed: true };
      }
    }
    px = x;
    py = y;
  }
  return { path, closed: false };
}
