/**
 * The CLI's file interchange: models from `.json` (foliate-model) or `.onnx`, input batches from `.npy`,
 * `.json` or a bundled dataset (`--data name[:split][:N]`), result arrays to `.npy` or `.json`.
 */
import { constants } from "node:fs";
import { access, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { FoliateError, ModelLoadError, OptionError, ShapeError } from "../errors.js";
import { Model } from "../model/model.js";
import { gunzipIfCompressed, modelDocumentFromBytes } from "../model/modelDocument.js";
import { readNpy, writeNpy } from "../io/npy.js";
import { loadDataset } from "../datasets/registry.js";
import type { Command } from "commander";
import { UsageError } from "./command.js";
import { workersOption } from "./engineSession.js";

/** `--input` / `--data` / `--out`, shared by the commands that take a batch. */
export function batchOptions(cmd: Command, outWhat: string): void {
  cmd
    .option("-i, --input <file>", "input points: .npy ([n, d], [n, ...inputShape] or NCHW images) or .json (number[][] or {X, labels})")
    .option("-d, --data <name>", "a bundled dataset: xor|moons|circles|spirals|glyphs|mnist[:train|test][:N]")
    .option("-o, --out <file>", `write ${outWhat} to a .npy or .json file`);
  workersOption(cmd);
}

/** A data file could not be read or does not hold what was expected. */
export class DataFileError extends FoliateError {
  override readonly code = "DATA_FILE";
}

/**
 * Load a model file: `.onnx` through Model.fromOnnx, anything else as foliate-model JSON. Either may be gzip'd
 * (`model.json.gz`, `net.onnx.gz`: detected by the magic bytes), and a trained-model cache entry
 * (`cache/<id>-<hash>.json`, `{ recipe, model, … }`) loads its model.
 */
export async function loadModelFile(path: string): Promise<Model> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new ModelLoadError(`could not read model file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (/\.onnx(\.gz)?$/i.test(path)) return Model.fromOnnx(await gunzipIfCompressed(bytes, path));
  return Model.fromJSON(await modelDocumentFromBytes(bytes, path));
}

export interface InputBatch {
  /** n×d, row-major. */
  X: Float32Array;
  n: number;
  /** Labels when the source has them (bundled datasets, JSON {X, labels}). */
  labels?: Int32Array;
  source: string;
}

/**
 * NCHW → NHWC for one batch (`x` n×C×H×W row-major; returns n×H×W×C). PyTorch users hand over NCHW arrays;
 * Foliate models (including imported ONNX CNNs) take NHWC.
 */
export function nchwToNhwc(x: ArrayLike<number>, n: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(n * C * H * W); // n×H×W×C
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) out[((i * H + h) * W + w) * C + c] = x[((i * C + c) * H + h) * W + w];
  return out;
}

/**
 * Read the batch named by `--input file` or `--data name`, checked against the model's input shape. A
 * 4-d `.npy` is taken as NHWC when its shape is [n, H, W, C]; as NCHW [n, C, H, W] (PyTorch) it is transposed
 * to NHWC, with a note through `log`.
 */
export async function readInputs(opts: { input?: unknown; data?: unknown }, inputShape: readonly number[], log: (line: string) => void = () => {}): Promise<InputBatch> {
  const d = inputShape.reduce((a, b) => a * b, 1);
  if (opts.input && opts.data) throw new UsageError("give either --input <file> or --data <name>, not both");
  if (typeof opts.data === "string") {
    const set = loadDataset(opts.data);
    if (set.X.length / set.n !== d) throw new ShapeError(`dataset ${set.name} has points of size ${set.X.length / set.n}; the model expects d = ${d}`);
    return { X: set.X, n: set.n, labels: set.labels, source: set.name };
  }
  if (typeof opts.input !== "string") throw new UsageError("an input batch is required: --input <file.npy|file.json> or --data <name[:split][:N]>");
  const path = opts.input;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new DataFileError(`could not read input file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (path.toLowerCase().endsWith(".npy")) {
    const a = readNpy(bytes);
    const rest = a.shape.slice(1);
    const size = rest.reduce((x, y) => x * y, 1);
    const expected = `[n, ${d}] or [n, ${inputShape.join(", ")}]${inputShape.length === 3 ? ` or NCHW [n, ${inputShape[2]}, ${inputShape[0]}, ${inputShape[1]}]` : ""}`;
    if (a.shape.length < 1 || size !== d) throw new ShapeError(`${path}: shape [${a.shape}] does not hold points of the model's input size d = ${d} (expected ${expected})`);
    const n = a.shape[0];
    if (rest.length > 1 && !rest.every((s, i) => s === inputShape[i])) {
      const [H, W, C] = inputShape;
      if (inputShape.length === 3 && rest.length === 3 && rest[0] === C && rest[1] === H && rest[2] === W) {
        log(`${path}: shape [${a.shape}] read as NCHW and transposed to the model's NHWC [n, ${H}, ${W}, ${C}]`);
        return { X: nchwToNhwc(a.data, n, C, H, W), n, source: path };
      }
      throw new ShapeError(`${path}: shape [${a.shape}] does not match the model's input shape (expected ${expected})`);
    }
    const X = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
    return { X, n, source: path };
  }
  const text = new TextDecoder().decode(bytes);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const token = nonFiniteToken(text);
    if (token) throw new DataFileError(`${path}: line ${token.line}, column ${token.column}: ${token.text} is not a JSON number (JSON has no NaN or Infinity); every value must be a finite number`);
    throw new DataFileError(`${path}: not valid JSON (${(e as Error).message}); expected number[][] or {"X": number[][]}`);
  }
  const rows = Array.isArray(doc) ? doc : (doc as { X?: unknown })?.X;
  if (!Array.isArray(rows)) throw new DataFileError(`${path}: expected a JSON array of points (number[][]) or {"X": number[][], "labels"?: number[]}`);
  const X = new Float32Array(rows.length * d); // n×d
  rows.forEach((row, i) => {
    const flat = Array.isArray(row) ? (row as unknown[]).flat(3) : null;
    if (!flat || flat.length !== d) throw new ShapeError(`${path}: point ${i} has ${flat ? flat.length : "no"} values, expected the model's input size d = ${d}`);
    flat.forEach((v, j) => {
      const problem = valueProblem(v);
      if (problem) throw new DataFileError(`${path}: point ${i}, value ${j} ${problem}, expected a finite number`);
      X[i * d + j] = v as number;
    });
  });
  const rawLabels = Array.isArray(doc) ? undefined : (doc as { labels?: unknown }).labels;
  const labels = Array.isArray(rawLabels) ? Int32Array.from(rawLabels as number[]) : undefined;
  return { X, n: rows.length, labels, source: path };
}

/** Largest finite float32 (the engine computes in float32): larger JSON numbers would become Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * What is wrong with one value of a JSON input, or undefined when it is a finite float32 number. JSON.parse
 * reads a literal beyond the float64 range (1e400) as Infinity: that is named, never shown as JSON's `null`.
 */
function valueProblem(v: unknown): string | undefined {
  if (typeof v !== "number") return `is ${v === undefined ? "missing" : JSON.stringify(v)}`;
  if (!Number.isFinite(v)) return `is ${v > 0 ? "+" : "-"}Infinity (a number literal beyond the float64 range, such as 1e400)`;
  if (Math.abs(v) > FLOAT32_MAX) return `is ${v}, beyond the float32 range (±3.4e38) the engine computes in`;
  return undefined;
}

/** The first NaN/Infinity token outside strings in JSON-like text (not JSON, but what Python's json.dump writes), with its line and column (1-based). */
export function nonFiniteToken(text: string): { text: string; line: number; column: number } | undefined {
  let inString = false;
  let line = 1, lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "\n") {
      line++;
      lineStart = i + 1;
    } else {
      const m = /^[-+]?(NaN|Infinity)/.exec(text.slice(i, i + 9));
      if (m) return { text: m[0], line, column: i - lineStart + 1 };
    }
  }
  return undefined;
}

/**
 * Check an output file option before any computing: its extension must name one of `formats` (the format
 * follows the extension, nothing is written in a format the name does not say), its folder must exist and be
 * writable, and the path must not be a folder. Returns the path (undefined when the option was not given).
 */
export async function checkOutputFile(option: string, path: unknown, formats: readonly string[]): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const p = String(path);
  if (!formats.some((f) => p.toLowerCase().endsWith(f))) throw new OptionError(`${option} ${p}: the format follows the file's extension; expected ${formats.map((f) => `a ${f} file`).join(" or ")}`);
  const existing = await stat(p).catch(() => undefined);
  if (existing?.isDirectory()) throw new OptionError(`${option} ${p} is a folder; expected a file name`);
  await checkWritableFolder(option, p, dirname(resolve(p)));
  return p;
}

/** Check an output folder option (created when missing): it, or its nearest existing parent, must be a writable folder. */
export async function checkOutputFolder(option: string, path: unknown): Promise<string> {
  const p = String(path);
  let dir = resolve(p);
  for (;;) {
    const s = await stat(dir).catch(() => undefined);
    if (s) {
      if (!s.isDirectory()) throw new OptionError(`${option} ${p}: ${dir} is a file, not a folder`);
      break;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  await checkWritableFolder(option, p, dir);
  return p;
}

async function checkWritableFolder(option: string, p: string, dir: string): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new OptionError(`${option} ${p}: the folder ${dir} does not exist`);
  if (!s.isDirectory()) throw new OptionError(`${option} ${p}: ${dir} is not a folder`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new OptionError(`${option} ${p}: the folder ${dir} is not writable`);
  }
}

/** Nested number arrays of a row-major typed array with the given shape (for JSON output). */
export function nest(data: ArrayLike<number>, shape: readonly number[]): unknown {
  if (shape.length <= 1) return Array.from(data);
  const [, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < shape[0]; i++) out.push(nest(Array.prototype.slice.call(data, i * size, (i + 1) * size), rest));
  return out;
}

/** Write one array: `.npy` (float32/float64/int32 as given) or `.json` (nested arrays). */
export async function writeArray(path: string, data: Float32Array | Float64Array | Int32Array, shape: readonly number[]): Promise<void> {
  if (path.toLowerCase().endsWith(".npy")) await writeFile(path, writeNpy(data, shape));
  else await writeFile(path, JSON.stringify({ shape, data: nest(data, shape) }));
}

/** Write several named arrays as one JSON document ({ name: { shape, data } }). */
export async function writeArraysJson(path: string, arrays: Record<string, { data: ArrayLike<number>; shape: readonly number[] }>, extra: Record<string, unknown> = {}): Promise<void> {
  const doc: Record<string, unknown> = { ...extra };
  for (const [k, a] of Object.entries(arrays)) doc[k] = { shape: a.shape, data: nest(a.data, a.shape) };
  await writeFile(path, JSON.stringify(doc));
}
