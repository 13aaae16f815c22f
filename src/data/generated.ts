/**
 * Generated image sets, seeded and deterministic: uniform noise, inverted images and rotated images. Images
 * are n×h×w×c NHWC float32 in [0, 1] (for MNIST n×28×28×1 = n×784 row-major).
 */
import { OptionError } from "../errors.js";
import { mulberry32 } from "../random.js";

/** n images of independent uniform pixels in [0, 1), seeded: `// n×size`. */
export function uniformNoise(n: number, size: number, seed: number): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new OptionError(`uniformNoise: n must be a non-negative integer, got ${n}`);
  const rand = mulberry32(seed);
  const X = new Float32Array(n * size); // n×size
  for (let i = 0; i < X.length; i++) X[i] = rand();
  return X;
}

/** Photographic negative 1 − x of images in [0, 1] (a new array of the same layout). */
export function invertImages(X: Float32Array): Float32Array {
  const out = new Float32Array(X.length);
  for (let i = 0; i < X.length; i++) out[i] = 1 - X[i];
  return out;
}

/**
 * Rotate each h×w single-channel image by `degrees` counter-clockwise (as displayed, row 0 at the top) about
 * the image centre ((h−1)/2, (w−1)/2). Inverse mapping with bilinear interpolation: output pixel (r, c) reads
 * the input at the point rotated back by the angle; samples outside the image read 0 (black background).
 * A multiple of 90° is an exact permutation of pixels.
 */
export function rotateImages(X: Float32Array, h: number, w: number, degrees: number): Float32Array {
  const size = h * w;
  if (X.length % size !== 0) throw new OptionError(`rotateImages: ${X.length} values are not a whole number of ${h}×${w} images`);
  const n = X.length / size;
  const out = new Float32Array(X.length); // n×h×w
  const t = (degrees * Math.PI) / 180;
  // Snap cos/sin of right angles so that those rotations are exact permutations.
  const snap = (v: number) => (Math.abs(v) < 1e-12 ? 0 : Math.abs(Math.abs(v) - 1) < 1e-12 ? Math.sign(v) : v);
  const cos = snap(Math.cos(t)), sin = snap(Math.sin(t));
  const cy = (h - 1) / 2, cx = (w - 1) / 2;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      // Displayed coordinates have y pointing down; a counter-clockwise turn on screen by t maps the output
      // offset (dx, dy) back to the source offset (cos·dx − sin·dy, sin·dx + cos·dy).
      const dx = c - cx, dy = r - cy;
      const sx = cx + cos * dx - sin * dy;
      const sy = cy + sin * dx + cos * dy;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      for (let i = 0; i < n; i++) {
        const img = i * size;
        const at = (y: number, x: number) => (y >= 0 && y < h && x >= 0 && x < w ? X[img + y * w + x] : 0);
        out[img + r * w + c] =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      }
    }
  }
  return out;
}
