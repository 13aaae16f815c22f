/**
 * The datasets shipped with Foliate (data/, see data/README.md) and the generated sets built from them.
 *
 * Names: "mnist:train" (8 000), "mnist:test" (2 000), "fashion:train" (2 000), "fashion:test" (2 000),
 * "mnist-inverted:<split>" (1 − x), "mnist-rotated:<split>" (rotated by `angle`, default 45°
 * counter-clockwise, bilinear, black fill; see generated.ts), "noise" (uniform pixels in [0, 1), `limit`
 * images, default 2 000, seeded; its labels are seeded uniform random classes, a chance-level target).
 * Adversarial MNIST needs a model: see adversarial.ts.
 *
 * In Node the files are read from the package's data/ folder (found relative to this module, which sits two
 * levels below the package root in both src/ and dist/); elsewhere they are fetched from the same relative
 * URL and gunzipped with DecompressionStream, so a browser build serving data/ beside the bundle works too.
 * `dataUrl` overrides the folder. The uint8 files are read once per folder and kept (≈ 11 MB for all four).
 */
import { FoliateError, OptionError } from "../errors.js";
import { mulberry32 } from "../random.js";
import { invertImages, rotateImages, uniformNoise } from "./generated.js";

export type DatasetName =
  | "mnist:train" | "mnist:test" | "fashion:train" | "fashion:test"
  | "mnist-inverted:train" | "mnist-inverted:test" | "mnist-rotated:train" | "mnist-rotated:test" | "noise";

export const DATASET_NAMES: readonly DatasetName[] = [
  "mnist:train", "mnist:test", "fashion:train", "fashion:test",
  "mnist-inverted:train", "mnist-inverted:test", "mnist-rotated:train", "mnist-rotated:test", "noise",
];

export interface LoadDatasetOptions {
  /** Keep the first `limit` images (for "noise": how many to make; default 2 000). */
  limit?: number;
  /** Seed of generated sets ("noise"). Default 1. */
  seed?: number;
  /** Rotation of "mnist-rotated:*" in degrees, counter-clockwise. Default 45. */
  angle?: number;
  /** Folder holding the IDX files (a file path, file: URL or http(s) URL ending in "/"). Default: the package's data/. */
  dataUrl?: string | URL;
}

export interface Dataset {
  name: string;
  n: number;
  /** n×784 row-major NHWC (28×28×1), values in [0, 1]. */
  X: Float32Array;
  /** n class indices 0..9. */
  labels: Uint8Array;
  shape: [28, 28, 1];
  /** False for sets whose labels carry no information ("noise"). */
  labelled: boolean;
}

/** The data folder or its file could not be read, or the file is not the expected IDX. */
export class DatasetError extends FoliateError {
  override readonly code = "DATASET";
}

const PIXELS = 784;
const isNode = typeof process !== "undefined" && !!process.versions?.node;

async function readBytes(base: URL, file: string): Promise<Uint8Array> {
  const url = new URL(file, base);
  try {
    if (isNode && url.protocol === "file:") {
      const { readFile } = await import("node:fs/promises");
      const bytes = new Uint8Array(await readFile(url));
      if (!file.endsWith(".gz")) return bytes;
      const { gunzipSync } = await import("node:zlib");
      return new Uint8Array(gunzipSync(bytes));
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if (!file.endsWith(".gz")) return new Uint8Array(await res.arrayBuffer());
    const stream = res.body!.pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DatasetError(`could not read dataset file ${url.href}: ${(e as Error).message}`);
  }
}

/** Parse an IDX file: magic 0x0000_08_<dims>, big-endian sizes, then uint8 values. */
export function parseIdx(bytes: Uint8Array, what: string): { dims: number[]; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint16(0) !== 0 || bytes[2] !== 0x08)
    throw new DatasetError(`${what}: not an IDX file of unsigned bytes (expected magic 0x000008xx)`);
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const start = 4 + 4 * rank;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== start + count) throw new DatasetError(`${what}: IDX sizes [${dims}] need ${start + count} bytes, the file has ${bytes.length}`);
  return { dims, data: bytes.subarray(start) };
}

function defaultDataUrl(): URL {
  return new URL("../../data/", import.meta.url);
}

function toUrl(u: string | URL): URL {
  if (u instanceof URL) return u;
  const s = u.endsWith("/") ? u : `${u}/`;
  if (/^[a-z]+:/i.test(s) && !/^[a-z]:[\\/]/i.test(s)) return new URL(s);
  return new URL(`file://${s.startsWith("/") ? "" : "/"}${s.replace(/\\/g, "/")}`);
}

const cache = new Map<string, Promise<{ images: Uint8Array; labels: Uint8Array }>>();

/** The stored split `stem` ("mnist-test", ...) as uint8 images and labels, read once per folder. */
function stored(base: URL, stem: string) {
  const key = `${base.href}|${stem}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const img = parseIdx(await readBytes(base, `${stem}-images.idx.gz`), `${stem}-images.idx.gz`);
      const lab = parseIdx(await readBytes(base, `${stem}-labels.idx`), `${stem}-labels.idx`);
      if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28 || lab.dims.length !== 1 || lab.dims[0] !== img.dims[0])
        throw new DatasetError(`${stem}: expected n×28×28 images and n labels, got [${img.dims}] and [${lab.dims}]`);
      return { images: img.data, labels: lab.data };
    })();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

function checkLimit(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) throw new OptionError(`limit must be a non-negative integer, got ${String(limit)}`);
  return limit;
}

/**
 * Load a dataset by name as float32 images in [0, 1].
 * @example
 *   const { X, labels, n } = await loadDataset("mnist:test", { limit: 100 }); // X: 100×784, labels: 100
 */
export async function loadDataset(name: DatasetName, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  if (!DATASET_NAMES.includes(name)) throw new OptionError(`unknown dataset "${String(name)}"; expected one of ${DATASET_NAMES.join(", ")}`);
  const limit = checkLimit(opts.limit);
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed)) throw new OptionError(`seed must be an integer, got ${String(seed)}`);
  const shape: [28, 28, 1] = [28, 28, 1];
  if (name === "noise") {
    const n = limit ?? 2000;
    const X = uniformNoise(n, PIXELS, seed);
    const rand = mulberry32(seed ^ 0x5eed);
    const labels = Uint8Array.from({ length: n }, () => Math.floor(rand() * 10));
    return { name, n, X, labels, shape, labelled: false };
  }
  const [family, split] = name.split(":") as [string, "train" | "test"];
  const source = family === "fashion" ? "fashion" : "mnist";
  const base = opts.dataUrl !== undefined ? toUrl(opts.dataUrl) : defaultDataUrl();
  const { images, labels } = await stored(base, `${source}-${split}`);
  const n = Math.min(limit ?? labels.length, labels.length);
  let X: Float32Array = new Float32Array(n * PIXELS); // n×784
  for (let i = 0; i < X.length; i++) X[i] = images[i] / 255;
  if (family === "mnist-inverted") X = invertImages(X);
  if (family === "mnist-rotated") {
    const angle = opts.angle ?? 45;
    if (typeof angle !== "number" || !Number.isFinite(angle)) throw new OptionError(`angle must be a finite number of degrees, got ${String(angle)}`);
    X = rotateImages(X, 28, 28, angle);
  }
  return { name, n, X, labels: labels.slice(0, n), shape, labelled: true };
}
