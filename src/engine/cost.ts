/**
 * What a point costs, and how many points make a chunk. The runtime splits a batch into chunks of equal
 * work so that a cheap model's chunk is not dominated by messaging and an expensive model's batch still
 * spreads over every worker. The chunk size depends on the model, the job and n only — never on the worker
 * count — so results are the same for any number of workers.
 *
 * Cost model (floating-point operations per point, multiply and add counted separately), from the compiled
 * layer table (src/model/compile.ts):
 * - dense in → out: 2·in·out; conv: 2·oh·ow·oc·kh·kw·(c/groups);
 * - pooling: oh·ow·oc·kh·kw; every other node (add, concat, affine, activation, global pool): its input size.
 * A job's per-point cost is its own `cost(net, opts)` when it declares one, otherwise a Jacobian's worth:
 * one forward pass and one reverse pass per output (1 + outputSize forward passes), what the per-point
 * geometry jobs (jacobian, dim, pullbackMetric) do.
 *
 * The batch's last points are cut into halving chunks (`chunkRanges`), so that the workers finish together:
 * a worker that takes the last full-size chunk just as another runs dry would otherwise leave it idle for up
 * to a chunk's time.
 */
import type { CompiledNetwork } from "../model/compile.js";
import { nodeField } from "../model/compile.js";
import * as O from "../model/opcodes.js";

/**
 * Work aimed at per chunk (flops): several milliseconds of one kernel instance, so that the per-chunk costs
 * (a message each way, the calling thread's copy, the job's setup: ≈ 0.1 – 0.3 ms) stay a few percent.
 */
export const CHUNK_WORK = 2 ** 29;
/** A batch is cut into at least this many chunks when it has the points (so small batches use every worker). */
export const MIN_CHUNKS = 8;
/** Points per chunk at most (bounds one chunk's staging memory and the tail a worker holds alone). */
export const MAX_CHUNK = 1024;

/** Flops of one forward pass of one point through the compiled network. */
export function forwardFlops(net: CompiledNetwork): number {
  let flops = 0;
  for (let k = 0; k < net.nodeCount; k++) {
    const f = (i: number) => nodeField(net, k, i);
    const outSize = f(O.F_OUT_SIZE);
    switch (f(O.F_OP)) {
      case O.OP_DENSE:
        flops += 2 * f(O.F_IN_SIZE) * outSize;
        break;
      case O.OP_CONV:
        flops += 2 * outSize * f(O.F_KH) * f(O.F_KW) * (f(O.F_C) / Math.max(1, f(O.F_GROUPS)));
        break;
      case O.OP_MAXPOOL:
      case O.OP_AVGPOOL:
        flops += outSize * f(O.F_KH) * f(O.F_KW);
        break;
      default:
        flops += f(O.F_IN_SIZE);
    }
  }
  return flops;
}

/** The default per-point cost of a job: a forward pass and one reverse pass per output. */
export function jacobianFlops(net: CompiledNetwork): number {
  return forwardFlops(net) * (1 + net.outputSize);
}

/**
 * Points per chunk for n points that cost `flopsPerPoint` each: CHUNK_WORK of work, at most ⌈n / MIN_CHUNKS⌉
 * (so a small batch still makes several chunks), clamped to 1..MAX_CHUNK.
 * @example
 * chunkPoints(5.9e6, 1024) // 91: the MLP 784-256-256-10's Jacobians
 * chunkPoints(4e8, 50)     // 1: one CNN point is already a chunk's work
 */
export function chunkPoints(flopsPerPoint: number, n: number): number {
  const byCost = flopsPerPoint > 0 && Number.isFinite(flopsPerPoint) ? Math.round(CHUNK_WORK / flopsPerPoint) : MAX_CHUNK;
  return Math.max(1, Math.min(byCost, Math.ceil(n / MIN_CHUNKS), MAX_CHUNK));
}

/**
 * [start, end) of each chunk of n points: chunks of `size` while more than 2·size points remain, then
 * halving chunks (never below ⌈size / 8⌉ points) over the rest.
 * @example
 * chunkRanges(20, 4) // [[0,4],[4,8],[8,12],[12,16],[16,18],[18,19],[19,20]]
 */
export function chunkRanges(n: number, size: number): [number, number][] {
  const smallest = Math.max(1, Math.ceil(size / 8));
  const ranges: [number, number][] = [];
  for (let s = 0; s < n; ) {
    const left = n - s;
    const take = Math.min(left, left > 2 * size ? size : Math.max(smallest, Math.ceil(left / 2)));
    ranges.push([s, s + take]);
    s += take;
  }
  return ranges;
}
