/**
 * Exact transport of typed arrays through job payloads and return values (JSON): the array's bytes in base64,
 * so every float arrives bit for bit (NaN and −0 included), with the payload bounds checked on both sides.
 */
import { PayloadTooLargeError } from "./errors.js";
import { ShapeError } from "../errors.js";

/** Largest job payload or return value (bytes of its JSON). Larger results go to --results DIR. */
export const MAX_PAYLOAD_BYTES = 32 * 2 ** 20;
/** Largest stored model (bytes of its foliate-model JSON). */
export const MAX_MODEL_BYTES = 256 * 2 ** 20;

type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;
type TypedCtor<T extends Typed> = { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number };

export function encodeArray(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

/** Decode base64 bytes into a fresh array of `Ctor`; `expected` (when given) is the element count required. */
export function decodeArray<T extends Typed>(Ctor: TypedCtor<T>, text: unknown, what: string, expected?: number): T {
  if (typeof text !== "string") throw new ShapeError(`${what} must be a base64 string, got ${typeof text}`);
  const bytes = Buffer.from(text, "base64");
  if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new ShapeError(`${what} has ${bytes.byteLength} bytes, not a whole number of ${Ctor.BYTES_PER_ELEMENT}-byte values`);
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  const a = new Ctor(copy, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  if (expected !== undefined && a.length !== expected) throw new ShapeError(`${what} has ${a.length} values, expected ${expected}`);
  return a;
}

/** Throw PayloadTooLargeError when the JSON of `value` exceeds `limit` bytes; returns the JSON length. */
export function checkPayloadSize(value: unknown, what: string, limit = MAX_PAYLOAD_BYTES): number {
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > limit) throw new PayloadTooLargeError(`${what} is ${size} bytes, above the bound of ${limit} bytes; use more, smaller shards (--shard-size)`);
  return size;
}
