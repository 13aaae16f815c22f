/**
 * Seeded 2D toy classification sets (the classic playgrounds for decision regions and leaves): XOR, two
 * moons, concentric circles and two spirals. Points are float32 n×2 row-major, labels Int32Array n.
 */
import { OptionError } from "../errors.js";
import { gaussian, mulberry32 } from "../random.js";

export interface LabeledSet {
  /** n×d, row-major (NHWC per point for images). */
  X: Float32Array;
  /** n class indices in 0..classes−1. */
  labels: Int32Array;
  n: number;
  /** Per-point shape ([2], or [H, W, C] for images). */
  shape: number[];
  classes: number;
  /** Class names, index = label. */
  classNames: string[];
}

export type Toy2dName = "xor" | "moons" | "circles" | "spirals";
export const TOY2D: readonly Toy2dName[] = ["xor", "moons", "circles", "spirals"];

/** n points (balanced over 2 classes), Gaussian noise of standard deviation `noise`. */
export function toy2d(name: Toy2dName, n: number, seed = 1, noise = 0.1): LabeledSet {
  if (!TOY2D.includes(name)) throw new OptionError(`unknown 2D toy set "${name}": expected one of ${TOY2D.join(", ")}`);
  if (!Number.isInteger(n) || n < 2) throw new OptionError(`a toy set needs an integer n ≥ 2 points, got ${n}`);
  const u = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x9e3779b9));
  const X = new Float32Array(n * 2); // n×2
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    let x = 0, y = 0;
    if (name === "xor") {
      // four Gaussian blobs at (±1, ±1); class = sign(x)·sign(y) < 0
      const sx = u() < 0.5 ? -1 : 1;
      const sy = c === 0 ? sx : -sx;
      x = sx * (0.5 + 0.5 * u());
      y = sy * (0.5 + 0.5 * u());
    } else if (name === "moons") {
      const t = Math.PI * u();
      if (c === 0) { x = Math.cos(t); y = Math.sin(t); }
      else { x = 1 - Math.cos(t); y = 0.5 - Math.sin(t); }
      x -= 0.5; y -= 0.25;
    } else if (name === "circles") {
      const t = 2 * Math.PI * u();
      const r = c === 0 ? 0.4 : 1;
      x = r * Math.cos(t); y = r * Math.sin(t);
    } else {
      const t = 0.25 + 2.75 * u(); // radius parameter in [0.25, 3)
      const a = t * Math.PI + c * Math.PI;
      x = (t / 3) * Math.cos(a); y = (t / 3) * Math.sin(a);
    }
    X[2 * i] = x + noise * g();
    X[2 * i + 1] = y + noise * g();
    labels[i] = c;
  }
  return { X, labels, n, shape: [2], classes: 2, classNames: ["0", "1"] };
}
