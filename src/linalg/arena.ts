/**
 * The one Arena per thread that the high-tier linear-algebra functions (eigh, matmul) share. Created on
 * first use with the best Wasm variant of this runtime; each call takes scratch from it and releases it.
 */
import { Arena } from "../engine/arena.js";

let shared: Promise<Arena> | undefined;

/** This thread's linear-algebra arena (created lazily, then reused). */
export function linalgArena(): Promise<Arena> {
  if (!shared) {
    shared = Arena.create();
    shared.catch(() => {
      shared = undefined; // a failed load (e.g. missing build) is retried on the next call
    });
  }
  return shared;
}
