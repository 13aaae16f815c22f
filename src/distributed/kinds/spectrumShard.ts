/**
 * `spectrum-shard`: per-point DIM spectra (engine.dimSpectrum) of one range of points. The coordinator
 * concatenates the shards' per-point arrays and computes the signature from all of them, so the result is the
 * single-machine DimSpectrumResult bit for bit: each point's spectrum does not depend on which chunk or shard
 * holds it (test/engine/chunks.test.ts), and shards start on multiples of 64 only to keep sizes round.
 */
import { dimSpectrumSignature, type DimSpectrumResult } from "../../analyses/spectrum/dimSpectrum.js";
import type { Model } from "../../model/model.js";
import { ShapeError } from "../../errors.js";
import { decodeArray, encodeArray } from "../codec.js";
import { asObject, field, isArrayRef, isHash, isNum, isPosInt, shardRanges, type JobKind } from "../jobKinds.js";

export interface SpectrumSpec {
  /** A Model, or foliate-model JSON text (then validated by the workers only). */
  model: Model | string;
  /** n×d points, row-major. */
  X: Float32Array;
  d: number;
  floor?: number;
  rankTol?: number;
  /** Points per shard (rounded up to a multiple of 64; default: n/8). */
  shardSize?: number;
}

/** X: the reference of the shard's n×d float32 points in Redis (arrayStore). */
interface Payload { model: string; n: number; d: number; X: string; floor: number; rankTol?: number }
interface Result { n: number; r: number; logEigenvalues: string; trace: string; logTrace: string; spread: string; rank: string }

export const spectrumShard: JobKind<SpectrumSpec, Payload, Result, DimSpectrumResult> = {
  name: "spectrum-shard",
  async plan(spec, ctx) {
    const n = spec.X.length / spec.d;
    if (!Number.isInteger(n) || n < 1) throw new ShapeError(`X has ${spec.X.length} values, not a positive multiple of d = ${spec.d}`);
    const model = await ctx.putModel(spec.model);
    return shardRanges(n, spec.shardSize ?? Math.ceil(n / 8)).map(([a, b], shard): Payload => ({
      model, n: b - a, d: spec.d, X: ctx.putArray(spec.X.subarray(a * spec.d, b * spec.d), `the points of shard ${shard}`), floor: spec.floor ?? -20,
      ...(spec.rankTol !== undefined ? { rankTol: spec.rankTol } : {}),
    }));
  },
  validate(payload) {
    const p = asObject(payload);
    field(p, "n", isPosInt, "a positive integer");
    field(p, "d", isPosInt, "a positive integer");
    field(p, "model", isHash, "a model's SHA-256");
    field(p, "floor", isNum, "a finite number");
    if (p.rankTol !== undefined) field(p, "rankTol", isNum, "a finite number");
    field(p, "X", isArrayRef, "a reference <run id>:<sha256> of the points in Redis");
    return p as unknown as Payload;
  },
  async run(p, ctx) {
    const model = await ctx.model(p.model);
    const X = await ctx.array(p.X, Float32Array, p.n * p.d, "the shard's points");
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
