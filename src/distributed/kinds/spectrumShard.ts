/**
 * `spectrum-shard`: per-point DIM spectra (engine.dimSpectrum) of one range of points. The points travel one of
 * two ways: a bundled dataset's name and the shard's range (`data`: each worker reads the set from its own
 * package once, hashes it once, and checks that hash against the coordinator's, so nothing of size travels), or
 * the points themselves (`X`: raw bytes in Redis, arrayStore.ts). The coordinator
 * concatenates the shards' per-point arrays and computes the signature from all of them, so the result is the
 * single-machine DimSpectrumResult bit for bit: each point's spectrum does not depend on which chunk or shard
 * holds it (test/engine/chunks.test.ts), and shards start on multiples of 64 only to keep sizes round.
 */
import { dimSpectrumSignature, type DimSpectrumResult } from "../../analyses/spectrum/dimSpectrum.js";
import type { Model } from "../../model/model.js";
import { decodeArray, encodeArray } from "../codec.js";
import { asObject, field, isArrayRef, isHash, isInt, isNum, isPosInt, isStr, shardRanges, type JobKind } from "../jobKinds.js";
import { bundledPoints } from "../../datasets/bundled.js";
import { OptionError, ShapeError } from "../../errors.js";
import { RunStateError } from "../errors.js";
import { sha256 } from "../results.js";

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Bundled sets this process has read, with their SHA-256 (a process keeps the last few: runs over one set share them). */
const datasets = new Map<string, Promise<{ X: Float32Array; sha256: string }>>();

/** The points of a bundled set and their hash, checked against d (read and hashed once per process). */
async function datasetPoints(name: string, d: number): Promise<{ X: Float32Array; sha256: string }> {
  let set = datasets.get(name);
  if (!set) {
    set = bundledPoints(name).then((s) => {
      if (s.d !== d) throw new ShapeError(`dataset ${s.name} has points of size ${s.d}; the model expects d = ${d}`);
      return { X: s.X, sha256: sha256(bytesOf(s.X)) };
    });
    set.catch(() => datasets.delete(name));
    datasets.set(name, set);
    while (datasets.size > 4) datasets.delete(datasets.keys().next().value!);
  }
  return set;
}

/** A shard's rows of its bundled set, once the set's hash equals the coordinator's (same package data on both sides). */
async function datasetRange(p: Payload): Promise<Float32Array> {
  const { X, sha256: hash } = await datasetPoints(p.data!, p.d);
  if (hash !== p.sha256) throw new RunStateError(`dataset ${p.data} differs on this worker from the coordinator's (another package version?)`);
  const end = p.start! + p.n;
  if (end * p.d > X.length) throw new ShapeError(`dataset ${p.data} has ${X.length / p.d} points; the shard asks for rows ${p.start}..${end}`);
  return X.subarray(p.start! * p.d, end * p.d);
}

export interface SpectrumSpec {
  /** A Model, or foliate-model JSON text (then validated by the workers only). */
  model: Model | string;
  /** n×d points, row-major (or give `data`). */
  X?: Float32Array;
  /** A bundled dataset's name (`mnist:test:2000`, src/datasets/bundled.ts) instead of X: workers read it themselves. */
  data?: string;
  d: number;
  floor?: number;
  rankTol?: number;
  /** Points per shard (rounded up to a multiple of 64; default: n/8). */
  shardSize?: number;
}

/**
 * X: the reference of the shard's n×d float32 points in Redis (arrayStore); or data, start and sha256: rows
 * [start, start + n) of a bundled dataset, and the SHA-256 of the whole set's float32 bytes.
 */
interface Payload { model: string; n: number; d: number; X?: string; data?: string; start?: number; sha256?: string; floor: number; rankTol?: number }
interface Result { n: number; r: number; logEigenvalues: string; trace: string; logTrace: string; spread: string; rank: string }

export const spectrumShard: JobKind<SpectrumSpec, Payload, Result, DimSpectrumResult> = {
  name: "spectrum-shard",
  async plan(spec, ctx) {
    if ((spec.X === undefined) === (spec.data === undefined)) throw new OptionError("a spectrum needs either X (the points) or data (a bundled dataset's name), not both");
    const set = spec.data !== undefined ? await datasetPoints(spec.data, spec.d) : undefined;
    const X = spec.X ?? set!.X;
    const n = X.length / spec.d;
    if (!Number.isInteger(n) || n < 1) throw new ShapeError(`X has ${X.length} values, not a positive multiple of d = ${spec.d}`);
    const common = { model: await ctx.putModel(spec.model), d: spec.d, floor: spec.floor ?? -20, ...(spec.rankTol !== undefined ? { rankTol: spec.rankTol } : {}) };
    return shardRanges(n, spec.shardSize ?? Math.ceil(n / 8)).map(([a, b], shard): Payload => {
      const rows = X.subarray(a * spec.d, b * spec.d);
      const points = set ? { data: spec.data, start: a, sha256: set.sha256 } : { X: ctx.putArray(rows, `the points of shard ${shard}`) };
      return { ...common, n: b - a, ...points };
    });
  },
  validate(payload) {
    const p = asObject(payload);
    field(p, "n", isPosInt, "a positive integer");
    field(p, "d", isPosInt, "a positive integer");
    field(p, "model", isHash, "a model's SHA-256");
    field(p, "floor", isNum, "a finite number");
    if (p.rankTol !== undefined) field(p, "rankTol", isNum, "a finite number");
    if (p.data === undefined) field(p, "X", isArrayRef, "a reference <run id>:<sha256> of the points in Redis");
    else {
      field(p, "data", isStr, "a bundled dataset's name");
      field(p, "start", (v) => isInt(v) && (v as number) >= 0, "a row index ≥ 0");
      field(p, "sha256", isHash, "the SHA-256 of the dataset's points");
    }
    return p as unknown as Payload;
  },
  async run(p, ctx) {
    const model = await ctx.model(p.model);
    const X = p.data !== undefined ? await datasetRange(p) : await ctx.array(p.X!, Float32Array, p.n * p.d, "the shard's points");
    const s = await ctx.engine.dimSpectrum(model, X, { floor: p.floor, rankTol: p.rankTol, onProgress: (done, total) => void ctx.progress(done / total) });
    return { n: s.n, r: s.r, logEigenvalues: encodeArray(s.logEigenvalues), trace: encodeArray(s.trace), logTrace: encodeArray(s.logTrace), spread: encodeArray(s.spread), rank: encodeArray(s.rank) };
  },
  async gather(results, spec) {
    const n = results.reduce((a, r) => a + r.n, 0), r = results[0].r;
    const logEigenvalues = new Float64Array(n * r), trace = new Float64Array(n), logTrace = new Float64Array(n), spread = new Float64Array(n);
    const rank = new Int32Array(n);
    let at = 0;
    for (const s of results) {
      if (s.r !== r) throw new ShapeError(`shards disagree on r: ${s.r} vs ${r}`);
      logEigenvalues.set(decodeArray(Float64Array, s.logEigenvalues, "logEigenvalues", s.n * r), at * r);
      trace.set(decodeArray(Float64Array, s.trace, "trace", s.n), at);
      logTrace.set(decodeArray(Float64Array, s.logTrace, "logTrace", s.n), at);
      spread.set(decodeArray(Float64Array, s.spread, "spread", s.n), at);
      rank.set(decodeArray(Int32Array, s.rank, "rank", s.n), at);
      at += s.n;
    }
    return { n, r, logEigenvalues, trace, logTrace, spread, rank, signature: dimSpectrumSignature(logEigenvalues, r, logTrace, spec.floor ?? -20) };
  },
};
