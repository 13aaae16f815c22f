/**
 * From the bytes of a model file to the document `Model.fromJSON` takes. Shared by `Model.load`, the command
 * line's model paths and `foliate serve`, so all three read the same files:
 *
 * - gzip (magic bytes 1f 8b, e.g. the bundled `data/models/*.foliate.json.gz`) is inflated first, with
 *   node:zlib in Node and `DecompressionStream` in browsers, never to more than `GUNZIP_LIMIT` bytes;
 * - a trained-model cache entry (`{ recipe, training, model, … }`, as `foliate start` writes to `cache/`) is
 *   unwrapped to its `model`.
 */
import { ModelLoadError } from "../errors.js";

/** Most bytes a compressed model may inflate to (a model cannot make the loader allocate more). */
export const GUNZIP_LIMIT = 1 << 30;

/** True when `bytes` start with the gzip magic number 1f 8b (RFC 1952). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const inNode = () => typeof process !== "undefined" && !!process.versions?.node;

async function gunzipNode(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  const { gunzip } = await import("node:zlib");
  return new Promise((resolve, reject) => {
    gunzip(bytes, { maxOutputLength: limit }, (e, out) => (e ? reject(e) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength))));
  });
}

/** Inflate with the web platform's DecompressionStream (the browser route; exported for tests). */
export async function gunzipStream(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new RangeError(`output exceeds ${limit} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * `bytes` inflated when they are gzip, else `bytes` itself. `source` names the file in errors; a corrupt or
 * oversized stream throws ModelLoadError.
 */
export async function gunzipIfCompressed(bytes: Uint8Array, source: string, limit = GUNZIP_LIMIT): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return inNode() ? await gunzipNode(bytes, limit) : await gunzipStream(bytes, limit);
  } catch (e) {
    throw new ModelLoadError(`could not decompress ${source} (gzip, at most ${limit} bytes once inflated): ${(e as Error).message}`);
  }
}

/**
 * The foliate-model document in `doc` (a parsed object or JSON text): a cache entry `{ model: {...}, … }`
 * without a `format` field is unwrapped to its model; anything else (including text that does not parse,
 * whose error `Model.fromJSON` reports) is returned as it came.
 */
export function modelDocument(doc: unknown): unknown {
  let obj = doc;
  if (typeof doc === "string") {
    try {
      obj = JSON.parse(doc);
    } catch {
      return doc;
    }
  }
  if (obj !== null && typeof obj === "object" && !Array.isArray(obj) && !("format" in obj)) {
    const inner = (obj as { model?: unknown }).model;
    if (inner !== null && typeof inner === "object" && "format" in inner) return inner;
  }
  return obj;
}

/** The model document in a model file's bytes (gzip or not, a cache entry or a plain model). */
export async function modelDocumentFromBytes(bytes: Uint8Array, source: string): Promise<unknown> {
  return modelDocument(new TextDecoder().decode(await gunzipIfCompressed(bytes, source)));
}
