/**
 * Options naming single points for the path commands (`leaf`, `class`): a start point given inline
 * (`--start 0.25,0.25`) or picked from a batch (`--data name --index i`, `--input file --index i`), vectors
 * (`--direction`, `--target`) and input boxes (`--box lo:hi`, each side a number or one value per
 * coordinate). Values that start with "-" need the `=` form: `--start=-0.5,0.2`, `--box=-1:1`.
 */
import type { Command } from "commander";
import { OptionError, ShapeError } from "../errors.js";
import { readInputs } from "./files.js";
import { UsageError } from "./command.js";

/** `--start`, `--data`, `--input`, `--index`. */
export function startOptions(cmd: Command): void {
  cmd
    .option("-s, --start <x>", "start point, comma-separated (d values)")
    .option("-d, --data <name>", "take the start point from a bundled dataset (name[:split][:N]), see --index")
    .option("-i, --input <file>", "take the start point from a .npy/.json batch, see --index")
    .option("--index <i>", "which point of --data/--input is the start (default 0)", "0");
}

/** A comma-separated list of d finite numbers. */
export function parseVector(text: unknown, d: number, name: string): Float64Array {
  const parts = String(text).split(",").map((s) => s.trim());
  const v = Float64Array.from(parts, Number);
  if (parts.some((s) => s === "") || !v.every(Number.isFinite)) throw new OptionError(`${name} must be ${d} comma-separated finite numbers, got "${String(text)}"`);
  if (v.length !== d) throw new ShapeError(`${name} has ${v.length} values, expected the model's input size d = ${d}`);
  return v;
}

/** A positive finite number (integer when asked). */
export function parsePositive(text: unknown, name: string, integer = false): number {
  const x = Number(text);
  if (!(x > 0) || !Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new OptionError(`${name} must be a positive ${integer ? "integer" : "number"}, got "${String(text)}"`);
  return x;
}

/** An integer seed. */
export function parseSeed(text: unknown): number {
  const x = Number(text);
  if (!Number.isSafeInteger(x)) throw new OptionError(`--seed must be an integer, got "${String(text)}"`);
  return x;
}

/** `lo:hi`, each side one number (every coordinate) or d comma-separated numbers. */
export function parseBox(text: unknown, d: number): [number | Float64Array, number | Float64Array] {
  const sides = String(text).split(":");
  if (sides.length !== 2) throw new OptionError(`--box must be lo:hi (each a number or ${d} comma-separated numbers), got "${String(text)}"`);
  const side = (s: string, name: string) => (s.includes(",") ? parseVector(s, d, `--box ${name}`) : parseVector(s, 1, `--box ${name}`)[0]);
  return [side(sides[0], "lo"), side(sides[1], "hi")];
}

/** The start point (float64, d values) from `--start` or point `--index` of `--data`/`--input`. */
export async function readStart(opts: Record<string, unknown>, inputShape: readonly number[], log: (line: string) => void): Promise<{ x0: Float64Array; source: string }> {
  const d = inputShape.reduce((a, b) => a * b, 1);
  if (opts.start !== undefined) {
    if (opts.data || opts.input) throw new UsageError("give either --start or --data/--input with --index, not both");
    return { x0: parseVector(opts.start, d, "--start"), source: "--start" };
  }
  if (!opts.data && !opts.input) throw new UsageError("a start point is required: --start x1,x2,... or --data <name> / --input <file> with --index <i>");
  const batch = await readInputs(opts, inputShape, log);
  const i = Number(opts.index ?? 0);
  if (!Number.isInteger(i) || i < 0 || i >= batch.n) throw new OptionError(`--index must be an integer in 0..${batch.n - 1} (${batch.source} has ${batch.n} points), got "${String(opts.index)}"`);
  return { x0: Float64Array.from(batch.X.subarray(i * d, (i + 1) * d)), source: `${batch.source}[${i}]` };
}
