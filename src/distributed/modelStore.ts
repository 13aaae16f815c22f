/**
 * Models travel once: the coordinator stores a model's foliate-model JSON in Redis under its SHA-256
 * (`foliate:model:<hash>`, kept 7 days), jobs carry only the hash, and each worker fetches a model the first
 * time it needs it, checks the hash, validates it with Model.fromJSON (a bad model fails the job with the
 * ModelFormatError, which is not retried) and caches it.
 */
import type { Redis } from "ioredis";
import { Model } from "../model/model.js";
import { ModelLoadError } from "../errors.js";
import { MAX_MODEL_BYTES } from "./codec.js";
import { PayloadTooLargeError } from "./errors.js";
import { sha256 } from "./results.js";

const KEY = (hash: string) => `foliate:model:${hash}`;
const KEEP_SECONDS = 7 * 24 * 3600;

/** Hashes of the models this process has serialised (a Model is immutable, so its JSON never changes). */
const known = new WeakMap<Model, string>();

/** Store a model (or foliate-model JSON text, not validated here) once; returns its content hash. */
export async function putModel(client: Redis, model: Model | string): Promise<string> {
  const seen = typeof model === "string" ? undefined : known.get(model);
  if (seen && (await client.expire(KEY(seen), KEEP_SECONDS)) === 1) return seen; // already stored: nothing travels
  const text = typeof model === "string" ? model : JSON.stringify(model.toJSON());
  const bytes = Buffer.from(text);
  if (bytes.byteLength > MAX_MODEL_BYTES) throw new PayloadTooLargeError(`the model's JSON is ${bytes.byteLength} bytes, above the bound of ${MAX_MODEL_BYTES} bytes`);
  const hash = sha256(bytes);
  if ((await client.expire(KEY(hash), KEEP_SECONDS)) !== 1) await client.set(KEY(hash), text, "EX", KEEP_SECONDS, "NX");
  if (typeof model !== "string") known.set(model, hash);
  return hash;
}

/** A worker's cache of models by hash (the last `capacity` used). */
export class ModelCache {
  private readonly models = new Map<string, Promise<Model>>();
  constructor(private readonly client: Redis, private readonly capacity = 8) {}

  get(hash: string): Promise<Model> {
    let m = this.models.get(hash);
    if (m) {
      this.models.delete(hash);
      this.models.set(hash, m);
      return m;
    }
    m = this.fetch(hash);
    m.catch(() => this.models.delete(hash));
    this.models.set(hash, m);
    while (this.models.size > this.capacity) this.models.delete(this.models.keys().next().value!);
    return m;
  }

  private async fetch(hash: string): Promise<Model> {
    const text = await this.client.getBuffer(KEY(hash));
    if (!text) throw new ModelLoadError(`model ${hash.slice(0, 12)}… is not in Redis (expired, or stored on another Redis)`);
    if (text.byteLength > MAX_MODEL_BYTES) throw new PayloadTooLargeError(`model ${hash.slice(0, 12)}… is ${text.byteLength} bytes, above the bound of ${MAX_MODEL_BYTES} bytes`);
    if (sha256(text) !== hash) throw new ModelLoadError(`model ${hash.slice(0, 12)}… in Redis does not match its hash`);
    return Model.fromJSON(text.toString("utf8"));
  }
}
