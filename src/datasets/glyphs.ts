/**
 * Glyphs: a tiny seeded image set of 8×8 digit-like patterns (ten classes drawn as strokes on a 3×5 seven-
 * segment-like grid, then jittered by a random shift, stroke intensity and pixel noise). A stand-in for MNIST
 * that the package can generate offline in milliseconds. Images are NHWC [8, 8, 1], values in [0, 1].
 */
import { OptionError } from "../errors.js";
import { gaussian, mulberry32 } from "../random.js";
import type { LabeledSet } from "./toy2d.js";

/** The ten glyphs on a 5-row × 3-column grid ("#" = ink). */
const GLYPHS: readonly string[][] = [
  ["###", "#.#", "#.#", "#.#", "###"], // 0
  [".#.", "##.", ".#.", ".#.", "###"], // 1
  ["###", "..#", "###", "#..", "###"], // 2
  ["###", "..#", ".##", "..#", "###"], // 3
  ["#.#", "#.#", "###", "..#", "..#"], // 4
  ["###", "#..", "###", "..#", "###"], // 5
  ["###", "#..", "###", "#.#", "###"], // 6
  ["###", "..#", ".#.", ".#.", ".#."], // 7
  ["###", "#.#", "###", "#.#", "###"], // 8
  ["###", "#.#", "###", "..#", "###"], // 9
];

export const GLYPH_SIZE = 8;

/** n images (classes cycle 0..9), seeded. Each glyph cell is 1×1 pixel of a 6×5 box placed at a random offset. */
export function glyphs(n: number, seed = 1, noise = 0.08): LabeledSet {
  if (!Number.isInteger(n) || n < 1) throw new OptionError(`glyphs needs an integer n ≥ 1 images, got ${n}`);
  const S = GLYPH_SIZE;
  const u = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x85ebca6b));
  const X = new Float32Array(n * S * S); // n×8×8×1, row-major (NHWC)
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    labels[i] = c;
    // glyph cells are 2 pixels wide and 1 tall, scaled to a 6×5 box; offsets keep it inside the 8×8 frame
    const ox = Math.floor(u() * 3), oy = Math.floor(u() * 4);
    const ink = 0.7 + 0.3 * u();
    const base = i * S * S;
    GLYPHS[c].forEach((row, r) => {
      for (let col = 0; col < 3; col++) {
        if (row[col] !== "#") continue;
        for (let w = 0; w < 2; w++) X[base + (oy + r) * S + ox + 2 * col + w] = ink;
      }
    });
    for (let p = 0; p < S * S; p++) X[base + p] = Math.min(1, Math.max(0, X[base + p] + noise * g()));
  }
  return { X, labels, n, shape: [S, S, 1], classes: 10, classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] };
}
