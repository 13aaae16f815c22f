/**
 * The registry of job kinds a worker accepts. No code travels in a job: a job names its kind and carries a
 * plain JSON payload, which the worker validates as the single-machine commands validate their inputs. Each
 * kind also knows how a coordinator splits a specification into shard payloads and gathers the shards'
 * results into exactly what the single-machine run returns.
 */
import type { Engine } from "../api/engine.js";
import type { Model } from "../model/model.js";
import { OptionError } from "../errors.js";

/** What a worker gives a running job. */
export interface WorkerContext {
  engine: Engine;
  /** The model stored under this content hash (fetched once, then cached by the worker). */
  model(hash: string): Promise<Model>;
  /** The array a payload references (stored by the coordinator's putArray), `expected` values of `Ctor`. */
  array<T extends Float32Array | Float64Array>(ref: string, Ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }, expected: number, what: string): Promise<T>;
  /** The worker's --results DIR (map-shard needs one). */
  resultsDir?: string;
  /** Report progress of this job, 0..1. */
  progress(fraction: number): Promise<void>;
}

/** What a coordinator gives a kind while planning. */
export interface PlanContext {
  /** Store a model (or foliate-model JSON text, validated by the workers) in Redis; returns its content hash. */
  putModel(model: Model | string): Promise<string>;
  /** Store an input array of one shard as raw bytes in Redis (sent before the flow is added); returns the reference a payload carries. */
  putArray(a: Float32Array | Float64Array, what: string): string;
  runId: string;
}

export interface JobKind<Spec = any, Payload = any, Result = any, Output = any> {
  name: string;
  /** Split a specification into shard payloads (plain JSON, each under the payload bound). */
  plan(spec: Spec, ctx: PlanContext): Promise<Payload[]>;
  /** Check a payload as it arrives at a worker (throws a FoliateError: the job then fails without retry). */
  validate(payload: unknown): Payload;
  run(payload: Payload, ctx: WorkerContext): Promise<Result>;
  /** Combine the shards' results (in shard order) into the single-machine result. */
  gather(results: Result[], spec: Spec, ctx: { runId: string }): Promise<Output>;
}

const kinds = new Map<string, JobKind>();

export function registerJobKind(kind: JobKind): void {
  kinds.set(kind.name, kind);
}

export function jobKind(name: string): JobKind {
  const k = kinds.get(name);
  if (!k) throw new OptionError(`unknown job kind "${name}"; this worker runs ${[...kinds.keys()].join(", ")}`);
  return k;
}

export function jobKindNames(): string[] {
  return [...kinds.keys()];
}

/** Small checks for payload fields. */
export function field<T>(p: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, expected: string): T {
  const v = p[name];
  if (!ok(v)) throw new OptionError(`job payload field "${name}" must be ${expected}, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v as T;
}
export const isInt = (v: unknown) => Number.isSafeInteger(v);
export const isPosInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
export const isNum = (v: unknown) => typeof v === "number" && Number.isFinite(v);
export const isStr = (v: unknown) => typeof v === "string";
export const isHash = (v: unknown) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v);
export { isArrayRef } from "./arrayStore.js";

export function asObject(payload: unknown): Record<string, unknown> {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw new OptionError("a job payload must be a JSON object");
  return payload as Record<string, unknown>;
}

/** [start, end) of each shard of n points: shards of `size` points (rounded up to a multiple of `align`). */
export function shardRanges(n: number, size: number, align = 64): [number, number][] {
  if (!Number.isSafeInteger(size) || size < 1) throw new OptionError(`shard size must be a positive integer, got ${size}`);
  const s = Math.ceil(size / align) * align;
  const out: [number, number][] = [];
  for (let a = 0; a < n; a += s) out.push([a, Math.min(n, a + s)]);
  return out;
}
