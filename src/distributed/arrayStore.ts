/**
 * Points travel as bytes: a shard's input arrays (its n×d points, leaf directions) are stored in Redis as raw
 * little-endian bytes under `foliate:array:<run>:<sha256>` (kept 7 days, deleted when the run is gathered),
 * and a job payload carries only the reference `<run>:<sha256>`. No base64, no JSON of megabytes: the
 * coordinator writes all of a run's arrays in one pipeline before the flow is added, the flow itself is a few
 * hundred bytes per shard, and a worker gets a shard's points with one GET, checks their length and hash,
 * and reads them in place.
 */
import type { Redis } from "ioredis";
import { OptionError } from "../errors.js";
import { MAX_PAYLOAD_BYTES } from "./codec.js";
import { PayloadTooLargeError, RunStateError } from "./errors.js";
import { checkRunId, sha256 } from "./results.js";

type Typed = Float32Array | Float64Array | Int32Array;
type TypedCtor<T extends Typed> = { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number };

const KEEP_SECONDS = 7 * 24 * 3600;
const KEY = (ref: string) => `foliate:array:${ref}`;
const REF = /^([A-Za-z0-9][A-Za-z0-9._-]{0,79}):([0-9a-f]{64})$/;

/** True for an array reference `<run id>:<sha256>`. */
export const isArrayRef = (v: unknown) => typeof v === "string" && REF.test(v) && !v.includes("..");

/** A coordinator's writes of one run's arrays: queued by put(), sent in one pipeline by flush(). */
export class ArrayWriter {
  private readonly pending: [string, Buffer][] = [];
  readonly refs: string[] = [];

  constructor(private readonly client: Redis, private readonly run: string) {
    checkRunId(run);
  }

  /** Queue `a`'s bytes; returns the reference a payload carries. Arrays above the payload bound are refused. */
  put(a: Typed, what: string): string {
    if (a.byteLength > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(`${what} is ${a.byteLength} bytes, above the bound of ${MAX_PAYLOAD_BYTES} bytes; use more, smaller shards (--shard-size)`);
    const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const ref = `${this.run}:${sha256(bytes)}`;
    if (!this.refs.includes(ref)) {
      this.refs.push(ref);
      this.pending.push([KEY(ref), bytes]);
    }
    return ref;
  }

  /** Store every queued array (one pipeline, one round trip). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const p = this.client.pipeline();
    for (const [key, bytes] of this.pending.splice(0)) p.set(key, bytes, "EX", KEEP_SECONDS);
    for (const [error] of (await p.exec()) ?? []) if (error) throw error;
  }

  /** Delete the run's arrays (once its results are gathered, or it failed for good). */
  async remove(): Promise<void> {
    if (this.refs.length) await this.client.unlink(...this.refs.map(KEY)); // freed by Redis in the background
  }
}

/**
 * Read the array `ref` as `Ctor` with `expected` values, checking its length and hash: the reply's own memory
 * when the reply owns a whole ArrayBuffer (large replies do), else an aligned copy.
 * A missing array (its run was gathered or removed) is a RunStateError: the job fails without retry.
 */
export async function getArray<T extends Typed>(client: Redis, ref: string, Ctor: TypedCtor<T>, expected: number, what: string): Promise<T> {
  if (!isArrayRef(ref)) throw new OptionError(`${what} must be an array reference <run id>:<sha256>, got ${JSON.stringify(ref)?.slice(0, 80)}`);
  const bytes = await client.getBuffer(KEY(ref));
  if (!bytes) throw new RunStateError(`${what} (${ref.slice(0, 40)}…) is not in Redis: its run was gathered or removed`);
  if (bytes.byteLength !== expected * Ctor.BYTES_PER_ELEMENT) throw new OptionError(`${what} has ${bytes.byteLength} bytes, expected ${expected} values of ${Ctor.BYTES_PER_ELEMENT} bytes`);
  if (sha256(bytes) !== REF.exec(ref)![2]) throw new RunStateError(`${what} in Redis does not match its hash`);
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength) return new Ctor(bytes.buffer as ArrayBuffer, 0, expected); // the reply owns its memory: read in place
  const copy = new ArrayBuffer(bytes.byteLength); // a slice of a shared buffer: copy (aligned, and nobody else's bytes)
  new Uint8Array(copy).set(bytes);
  return new Ctor(copy, 0, expected);
}
