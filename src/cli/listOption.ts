/** Comma-separated number lists in options (`--k 10,40,150`, `--from 0,0`, `--extent -2,2,-2,2`). */
import { UsageError } from "./command.js";

/** The numbers of `value` ("1,2.5,-3"); a UsageError naming `option` when one is not a finite number or the count is wrong. */
export function numberList(option: string, value: unknown, check: { length?: number; integer?: boolean; min?: number } = {}): number[] {
  if (typeof value !== "string" || value.trim() === "") throw new UsageError(`${option} expects comma-separated numbers, got ${JSON.stringify(value)}`);
  const xs = value.split(",").map((s) => Number(s.trim()));
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new UsageError(`${option}: value ${i + 1} of "${value}" is not a finite number`);
    if (check.integer && !Number.isInteger(x)) throw new UsageError(`${option}: value ${i + 1} of "${value}" must be an integer`);
    if (check.min !== undefined && x < check.min) throw new UsageError(`${option}: value ${i + 1} of "${value}" must be ≥ ${check.min}`);
  });
  if (check.length !== undefined && xs.length !== check.length) throw new UsageError(`${option} expects ${check.length} comma-separated numbers, got ${xs.length} ("${value}")`);
  return xs;
}
