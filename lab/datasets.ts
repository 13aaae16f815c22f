/**
 * Seeded 2D toy datasets for the lab: two classes in roughly [-1.2, 1.2]², labels 0/1. Every generator takes
 * a seed (mulberry32) and a noise level; the same arguments give the same points.
 */
import { gaussian, mulberry32 } from "../dist/random.js";

export type DatasetName = "xor" | "circles" | "moons" | "spirals" | "draw";

export interface Dataset {
  /** n×2, row-major. */
  points: Float32Array;
  /** n class labels, 0 or 1. */
  labels: Uint8Array;
}

export const DATASETS: { name: DatasetName; title: string }[] = [
  { name: "xor", title: "XOR" },
  { name: "circles", title: "Circles" },
  { name: "moons", title: "Moons" },
  { name: "spirals", title: "Spirals" },
  { name: "draw", title: "Draw (click to add points)" },
];

/** n points of the named dataset (an empty set for "draw"). */
export function makeDataset(name: DatasetName, n: number, seed: number, noise = 0.08): Dataset {
  const u = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x5bd1e995));
  const points = new Float32Array(name === "draw" ? 0 : 2 * n); // n×2
  const labels = new Uint8Array(name === "draw" ? 0 : n);
  if (name === "draw") return { points, labels };
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    let x: number, y: number;
    switch (name) {
      case "xor": {
        // uniform in the square, class by quadrant sign, kept off the axes by a margin of 0.1
        const sx = u() < 0.5 ? -1 : 1, sy = label === 0 ? sx : -sx;
        x = sx * (0.1 + 0.9 * u());
        y = sy * (0.1 + 0.9 * u());
        break;
      }
      case "circles": {
        const r = label === 0 ? 0.45 : 1.0, t = 2 * Math.PI * u();
        x = r * Math.cos(t);
        y = r * Math.sin(t);
        break;
      }
      case "moons": {
        const t = Math.PI * u();
        // upper moon centred left, lower moon centred right; the pair centred at the origin
        x = label === 0 ? Math.cos(t) - 0.5 : 0.5 - Math.cos(t);
        y = label === 0 ? Math.sin(t) - 0.25 : 0.25 - Math.sin(t);
        break;
      }
      case "spirals": {
        const t = 0.25 + 2.75 * Math.PI * u(), r = t / (3 * Math.PI);
        const phase = label === 0 ? 0 : Math.PI;
        x = r * Math.cos(t + phase) * 1.1;
        y = r * Math.sin(t + phase) * 1.1;
        break;
      }
    }
    points[2 * i] = x + noise * g();
    points[2 * i + 1] = y + noise * g();
    labels[i] = label;
  }
  return { points, labels };
}

/** The dataset with one more point appended. */
export function addPoint(data: Dataset, x: number, y: number, label: 0 | 1): Dataset {
  const points = new Float32Array(data.points.length + 2);
  points.set(data.points);
  points[data.points.length] = x;
  points[data.points.length + 1] = y;
  const labels = new Uint8Array(data.labels.length + 1);
  labels.set(data.labels);
  labels[data.labels.length] = label;
  return { points, labels };
}
