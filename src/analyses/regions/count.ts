/**
 * countRegions: how many linear regions a network has in a box. In any dimension, a sampling lower bound —
 * the number of distinct region hashes among uniform samples — and two estimates of the total: Chapman's
 * capture–recapture estimate from two independent halves of the sample, N̂ = (n1+1)(n2+1)/(m+1) − 1
 * (n1, n2 distinct regions in each half, m seen in both), and Chao1, N̂ = S + f1²/(2·f2) (f1, f2 regions seen
 * once, twice). Regions have very unequal volumes, so both remain estimates (biased low when many regions are
 * tiny). For 2-input models the exact count comes from the plane partition of the box.
 */
import { OptionError, ShapeError } from "../../errors.js";
import type { Model } from "../../model/model.js";
import { mulberry32 } from "../../random.js";
import { forward } from "../forward.js";
import { runtimeOf, type RuntimeLike } from "../../engine/runtime.js";
import { regionsInPlane } from "./plane.js";

export interface CountRegionsOptions {
  /** The box: per-dimension bounds (length model.inputSize each). */
  box: { lo: ArrayLike<number>; hi: ArrayLike<number> };
  /** Uniform samples (default 10 000), split into two halves for capture–recapture. */
  samples?: number;
  seed?: number;
  /** For 2-input models, also compute the exact count (default true). */
  exact?: boolean;
}

export interface CountRegionsResult {
  samples: number;
  /** Distinct region hashes among the samples: a lower bound of the count. */
  distinct: number;
  /** Chapman's capture–recapture estimate from the two halves. */
  captureRecapture: number;
  /** Chao1 estimate from the singletons and doubletons. */
  chao1: number;
  /** Exact count in the box (2-input models only; max-pool argmax cells count as regions, as in the hash). */
  exact?: number;
}

export async function countRegions(engine: RuntimeLike, model: Model, opts: CountRegionsOptions): Promise<CountRegionsResult> {
  const d = model.inputSize;
  const { box } = opts ?? ({} as CountRegionsOptions);
  if (!box || !box.lo || !box.hi) throw new OptionError(`countRegions: expected { box: { lo, hi } }`);
  if (box.lo.length !== d || box.hi.length !== d) throw new ShapeError(`countRegions: box.lo and box.hi need ${d} values (the input size), got ${box.lo.length} and ${box.hi.length}`);
  for (let i = 0; i < d; i++) {
    if (!(Number.isFinite(box.lo[i]) && Number.isFinite(box.hi[i]) && box.hi[i] > box.lo[i])) throw new OptionError(`countRegions: box dimension ${i} must have finite lo < hi, got [${box.lo[i]}, ${box.hi[i]}]`);
  }
  const samples = opts.samples ?? 10000;
  if (!Number.isInteger(samples) || samples < 2) throw new OptionError(`countRegions: samples must be an integer ≥ 2, got ${samples}`);
  const rnd = mulberry32(opts.seed ?? 1);
  const X = new Float32Array(samples * d); // samples×d, row-major
  for (let p = 0; p < samples; p++) for (let i = 0; i < d; i++) X[p * d + i] = box.lo[i] + (box.hi[i] - box.lo[i]) * rnd();
  const { regionHash } = await forward(runtimeOf(engine), model, X);
  const half = samples >> 1;
  const seen = new Map<bigint, number>();
  const first = new Set<bigint>(), second = new Set<bigint>();
  for (let p = 0; p < samples; p++) {
    const h = regionHash[p];
    seen.set(h, (seen.get(h) ?? 0) + 1);
    (p < half ? first : second).add(h);
  }
  let both = 0, f1 = 0, f2 = 0;
  for (const h of first) if (second.has(h)) both++;
  for (const c of seen.values()) {
    if (c === 1) f1++;
    else if (c === 2) f2++;
  }
  const S = seen.size;
  const result: CountRegionsResult = {
    samples,
    distinct: S,
    captureRecapture: ((first.size + 1) * (second.size + 1)) / (both + 1) - 1,
    chao1: f2 > 0 ? S + (f1 * f1) / (2 * f2) : S + (f1 * (f1 - 1)) / 2,
  };
  if (d === 2 && opts.exact !== false) {
    const plane = regionsInPlane(await runtimeOf(engine).arena(), model, [0, 0], [1, 0], [0, 1], [box.lo[0], box.hi[0], box.lo[1], box.hi[1]]);
    result.exact = plane.count;
  }
  return result;
}
