/**
 * Seeded synthetic 3-D binary classification sets in the spirit of the paper's synthetic data (Baptista et al.
 * 2024). Point i has class y_i = i mod 2 (balanced, interleaved); every draw comes from mulberry32(seed).
 * TODO for the image tasks (MNIST 1 vs 7, 6 vs 8, Fashion-MNIST 5 vs 9, shirt vs coat) lives with the shipped data.
 */
import { OptionError } from "../../errors.js";
import { mulberry32, gaussian } from "../../random.js";

export interface LabelledPoints {
  /** n×3 float32, row-major. */
  X: Float32Array;
  /** n: class 0 or 1. */
  y: Uint8Array;
  n: number;
  dim: 3;
}

function checkN(n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new OptionError(`a data set needs an integer n ≥ 2 points, got ${n}`);
}

/**
 * Two interleaved spiral sheets (a two-class Swiss roll): t ~ U(0,1), θ = π/2 + 3πt (1.5 turns),
 * r = θ/(3.5π), x = r cos(θ + π y) + ε₁, y-coordinate = r sin(θ + π y) + ε₂, z ~ U(−1, 1), ε ~ N(0, noise²):
 * class 1 is class 0 rotated by π about the z axis.
 */
export function twoClassSpiral(n: number, seed: number, noise = 0.02): LabelledPoints {
  checkN(n);
  const u = mulberry32(seed);
  const normal = gaussian(u);
  const X = new Float32Array(n * 3); // n×3
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const theta = Math.PI / 2 + 3 * Math.PI * u();
    const r = theta / (3.5 * Math.PI);
    X[3 * i] = r * Math.cos(theta + Math.PI * c) + noise * normal();
    X[3 * i + 1] = r * Math.sin(theta + Math.PI * c) + noise * normal();
    X[3 * i + 2] = 2 * u() - 1;
    y[i] = c;
  }
  return { X, y, n, dim: 3 };
}

/**
 * Two blobs nested in a cube: class 1 is uniform in the union of two balls of radius 0.35 centred at
 * (±0.5, 0, 0) (a fair coin picks the ball); class 0 is uniform in the cube [−1, 1]³ outside both balls
 * (rejection sampling).
 */
export function nestedBlobs(n: number, seed: number): LabelledPoints {
  checkN(n);
  const u = mulberry32(seed);
  const R = 0.35;
  const inBall = (x: number, y: number, z: number, cx: number) => (x - cx) ** 2 + y * y + z * z <= R * R;
  const X = new Float32Array(n * 3); // n×3
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    let a: number, b: number, d: number;
    if (c === 1) {
      const cx = u() < 0.5 ? -0.5 : 0.5;
      do {
        a = (2 * u() - 1) * R;
        b = (2 * u() - 1) * R;
        d = (2 * u() - 1) * R;
      } while (a * a + b * b + d * d > R * R);
      a += cx;
    } else {
      do {
        a = 2 * u() - 1;
        b = 2 * u() - 1;
        d = 2 * u() - 1;
      } while (inBall(a, b, d, -0.5) || inBall(a, b, d, 0.5));
    }
    X[3 * i] = a;
    X[3 * i + 1] = b;
    X[3 * i + 2] = d;
    y[i] = c;
  }
  return { X, y, n, dim: 3 };
}

/**
 * Two interleaved sine sheets: x, y ~ U(−1, 1), z = 0.5·sin(2πx) + (class 1 ? +0.2 : −0.2) + ε, ε ~ N(0, noise²).
 */
export function sineSheets(n: number, seed: number, noise = 0.02): LabelledPoints {
  checkN(n);
  const u = mulberry32(seed);
  const normal = gaussian(u);
  const X = new Float32Array(n * 3); // n×3
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const a = 2 * u() - 1;
    const b = 2 * u() - 1;
    X[3 * i] = a;
    X[3 * i + 1] = b;
    X[3 * i + 2] = 0.5 * Math.sin(2 * Math.PI * a) + (c === 1 ? 0.2 : -0.2) + noise * normal();
    y[i] = c;
  }
  return { X, y, n, dim: 3 };
}
