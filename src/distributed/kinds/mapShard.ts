/**
 * `map-shard`: one range of points through `forward`, `jacobian`, `dim` or `leaves`, written as `.npy` files
 * under DIR/<run id>/ (atomically, with their SHA-256 in the job's return value). The coordinator checks each
 * file against its checksum, lists them in the run's manifest and concatenates them along the first axis into
 * the arrays the single-machine call returns. Leaves without a given direction get per-point directions drawn
 * by the coordinator from `seed` exactly as engine.leaves draws them, so sharding changes no path.
 */
import { readNpy, writeNpy } from "../../io/npy.js";
import type { Model } from "../../model/model.js";
import type { LeafOptions } from "../../analyses/leaf.js";
import { OptionError, ShapeError } from "../../errors.js";
import { gaussian, mulberry32 } from "../../random.js";
import { asObject, field, isArrayRef, isHash, isInt, isPosInt, shardRanges, type JobKind } from "../jobKinds.js";
import { checkRunId, readShardFile, resultsPath, sha256, writeAtomic, writeManifest, type ShardFile } from "../results.js";

export const MAP_OPS = ["forward", "jacobian", "dim", "leaves"] as const;
export type MapOp = (typeof MAP_OPS)[number];

type NpyArray = Float32Array | Float64Array | Int32Array;

export interface MapSpec {
  model: Model | string;
  op: MapOp;
  /** n×d points (float32; leaves start points are read as float64 from these values). */
  X: Float32Array;
  d: number;
  /** The op's options: jacobian { output }, dim { rankTol }, leaves LeafOptions without callbacks. */
  options?: Record<string, unknown>;
  /** A directory every worker and the coordinator can reach. */
  resultsDir: string;
  shardSize?: number;
}

export interface MapOutput {
  /** Each array concatenated over the shards: forward logits, probs; jacobian; dim eigenvalues, eigenvectors, rank; leaves points, vertices, length. */
  arrays: Record<string, { data: NpyArray; shape: number[] }>;
  manifest: string;
}

/** X (n×d float32) and directions (n×d float64): references of the shard's arrays in Redis (arrayStore). */
interface Payload { run: string; shard: number; model: string; op: MapOp; n: number; d: number; X: string; options: Record<string, unknown>; directions?: string }
interface Result { files: ShardFile[] }

async function compute(p: Payload, model: Model, X: Float32Array, directions: Float64Array | undefined, engine: import("../../api/engine.js").Engine, progress: (done: number, total: number) => void): Promise<Record<string, { data: NpyArray; shape: number[] }>> {
  const o = p.options;
  if (p.op === "forward") {
    const r = await engine.forward(model, X, { onProgress: progress });
    return { logits: { data: r.logits, shape: [r.n, r.m] }, probs: { data: r.probs, shape: [r.n, r.m] } };
  }
  if (p.op === "jacobian") {
    const r = await engine.jacobian(model, X, { output: o.output as never, onProgress: progress });
    return { jacobian: { data: r.data, shape: r.shape } };
  }
  if (p.op === "dim") {
    const r = await engine.dim(model, X, { rankTol: o.rankTol as number | undefined, onProgress: progress });
    return { eigenvalues: { data: r.eigenvalues, shape: [r.n, r.r] }, eigenvectors: { data: r.eigenvectors, shape: [r.n, r.r, r.d] }, rank: { data: r.rank, shape: [r.n] } };
  }
  const leafOpts: LeafOptions = { ...(o as LeafOptions) };
  if (directions) leafOpts.direction = directions;
  const paths = await engine.leaves(model, Float64Array.from(X), { ...leafOpts, onProgress: progress });
  const total = paths.reduce((a, l) => a + l.vertices, 0);
  const points = new Float64Array(total * p.d); // (Σ vertices)×d, the paths one after another
  let at = 0;
  for (const l of paths) {
    points.set(l.points.subarray(0, l.vertices * p.d), at * p.d);
    at += l.vertices;
  }
  return {
    points: { data: points, shape: [total, p.d] },
    vertices: { data: Int32Array.from(paths, (l) => l.vertices), shape: [paths.length] },
    length: { data: Float64Array.from(paths, (l) => l.length), shape: [paths.length] },
  };
}

export const mapShard: JobKind<MapSpec, Payload, Result, MapOutput> = {
  name: "map-shard",
  async plan(spec, ctx) {
    if (!MAP_OPS.includes(spec.op)) throw new OptionError(`op must be one of ${MAP_OPS.join(", ")}, got "${spec.op}"`);
    const n = spec.X.length / spec.d;
    if (!Number.isInteger(n) || n < 1) throw new ShapeError(`X has ${spec.X.length} values, not a positive multiple of d = ${spec.d}`);
    const options = { ...(spec.options ?? {}) };
    let directions: Float64Array | undefined;
    if (spec.op === "leaves" && options.direction === undefined && options.target === undefined) {
      const g = gaussian(mulberry32((options.seed as number | undefined) ?? 1)); // as leafJobOptions draws them
      directions = Float64Array.from({ length: n * spec.d }, () => g());
    }
    for (const k of ["direction", "target"]) if (options[k] !== undefined) options[k] = Array.from(options[k] as ArrayLike<number>);
    if (Array.isArray(options.box)) options.box = options.box.map((b: number | ArrayLike<number>) => (typeof b === "number" ? b : Array.from(b)));
    const model = await ctx.putModel(spec.model);
    return shardRanges(n, spec.shardSize ?? Math.ceil(n / 8)).map(([a, b], shard) => {
      const p: Payload = {
        run: ctx.runId, shard, model, op: spec.op, n: b - a, d: spec.d, X: ctx.putArray(spec.X.subarray(a * spec.d, b * spec.d), `the points of shard ${shard}`), options,
        ...(directions ? { directions: ctx.putArray(directions.subarray(a * spec.d, b * spec.d), `the directions of shard ${shard}`) } : {}),
      };
      return p;
    });
  },
  validate(payload) {
    const p = asObject(payload);
    checkRunId(p.run);
    field(p, "shard", (v) => isInt(v) && (v as number) >= 0, "a shard index ≥ 0");
    field(p, "model", isHash, "a model's SHA-256");
    field(p, "op", (v) => MAP_OPS.includes(v as MapOp), MAP_OPS.join("|"));
    field(p, "n", isPosInt, "a positive integer");
    field(p, "d", isPosInt, "a positive integer");
    asObject(p.options);
    field(p, "X", isArrayRef, "a reference <run id>:<sha256> of the points in Redis");
    if (p.directions !== undefined) field(p, "directions", isArrayRef, "a reference <run id>:<sha256> of the directions in Redis");
    return p as unknown as Payload;
  },
  async run(p, ctx) {
    if (!ctx.resultsDir) throw new OptionError("map-shard jobs need a worker started with --results DIR (a directory the coordinator also reaches)");
    const model = await ctx.model(p.model);
    const X = await ctx.array(p.X, Float32Array, p.n * p.d, "the shard's points");
    const directions = p.directions === undefined ? undefined : await ctx.array(p.directions, Float64Array, p.n * p.d, "the shard's directions");
    const arrays = await compute(p, model, X, directions, ctx.engine, (done, total) => void ctx.progress(done / total));
    const files: ShardFile[] = [];
    for (const [array, a] of Object.entries(arrays)) {
      const file = `shard-${String(p.shard).padStart(5, "0")}.${array}.npy`;
      const bytes = writeNpy(a.data, a.shape);
      await writeAtomic(resultsPath(ctx.resultsDir, p.run, file), bytes);
      files.push({ shard: p.shard, array, file, sha256: sha256(bytes), shape: a.shape, dtype: a.data.constructor.name, bytes: bytes.byteLength });
    }
    return { files };
  },
  async gather(results, spec, ctx) {
    const files = results.flatMap((r) => r.files);
    const names = [...new Set(files.map((f) => f.array))];
    const arrays: MapOutput["arrays"] = {};
    for (const name of names) {
      const parts = [];
      for (const f of files.filter((x) => x.array === name)) parts.push(readNpy(await readShardFile(spec.resultsDir, ctx.runId, f)));
      const rows = parts.reduce((a, q) => a + q.shape[0], 0);
      const Ctor = parts[0].data.constructor as new (n: number) => NpyArray;
      const data = new Ctor(parts.reduce((a, q) => a + q.data.length, 0));
      let at = 0;
      for (const q of parts) {
        data.set(q.data as NpyArray, at);
        at += q.data.length;
      }
      arrays[name] = { data, shape: [rows, ...parts[0].shape.slice(1)] };
    }
    const manifest = await writeManifest(spec.resultsDir, { run: ctx.runId, kind: "map-shard", shards: results.length, files });
    return { arrays, manifest };
  },
};
