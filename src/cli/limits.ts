/**
 * Bounds of the count options (`--samples`, `--steps`, `--max-vertices`, `--epochs`, …) by what memory and time
 * allow. A count is checked before anything is allocated or computed; one outside its bounds is an input error
 * (OptionError, exit 2) whose message names the limit and where it comes from, e.g.
 * `--samples must be an integer in 2..4194304 (each sample holds 256 bytes for this model; 1 GiB at most), got "1e12"`.
 */
import { OptionError } from "../errors.js";

/** Bytes the arrays that grow with one count option may take together. */
export const MEMORY_BUDGET = 2 ** 30;

/** `MEMORY_BUDGET` as people read it. */
export const MEMORY_BUDGET_TEXT = "1 GiB";

export interface CountBound {
  /** Smallest accepted value (default 1). */
  min?: number;
  /** Largest accepted value. */
  max: number;
  /** Where `max` comes from, shown in the error. */
  why: string;
}

/** The largest count whose arrays fit the memory budget at `bytesPerUnit` bytes each, and the reason as text. */
export function memoryBound(bytesPerUnit: number, unit: string): CountBound {
  const per = Math.max(1, Math.ceil(bytesPerUnit));
  return { max: Math.floor(MEMORY_BUDGET / per), why: `each ${unit} holds ${per} bytes for this model; ${MEMORY_BUDGET_TEXT} of memory at most` };
}

/**
 * Most SiMEC steps per direction: a time limit (a step took ≈ 12 µs on a 2-input network, 2 cores, so 10^7
 * steps is minutes; larger networks are slower per step and are bounded by memory first).
 */
export const STEPS_BOUND: CountBound = { max: 10_000_000, why: "a time limit: about 12 µs per step on the smallest networks" };

/** The tighter of two bounds (its reason with it). */
export function tighter(a: CountBound, b: CountBound): CountBound {
  return a.max <= b.max ? a : b;
}

/** Parse the integer count of `option` (text as the user gave it) within `bound`, else an OptionError naming the limit. */
export function parseCount(option: string, text: unknown, bound: CountBound): number {
  const min = bound.min ?? 1;
  const x = Number(text);
  if (((typeof text === "string" && text.trim() !== "") || typeof text === "number") && Number.isInteger(x) && x >= min && x <= bound.max) return x;
  throw new OptionError(`${option} must be an integer in ${min}..${bound.max} (${bound.why}), got "${String(text)}"`);
}
