/**
 * Spawning one worker running dist/worker.js: Node worker_threads or a browser module Web Worker,
 * wrapped by comlink. `onDeath` fires once if the worker exits or errors (not when we terminate it).
 */
import * as Comlink from "comlink";
import type { WorkerApi } from "./worker.js";

export interface SpawnedWorker {
  remote: Comlink.Remote<WorkerApi>;
  terminate(): Promise<void>;
}

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/**
 * Whether workers can write into memory the calling thread sees: always in Node; in browsers only when the
 * page is cross-origin isolated (served with COOP `same-origin` and COEP `require-corp`), which is what
 * makes SharedArrayBuffer available and postable. Without it the pool falls back to copying each chunk.
 */
export const canShareMemory =
  typeof SharedArrayBuffer !== "undefined" && (isNode || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);

/** Whether `a` is a view over a SharedArrayBuffer. */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== "undefined" && a.buffer instanceof SharedArrayBuffer;
}
const nodeWorkerPath = "../../dist/worker.js";

export async function spawnWorker(onDeath: (reason: string) => void): Promise<SpawnedWorker> {
  let ended = false;
  const die = (reason: string) => {
    if (!ended) {
      ended = true;
      onDeath(reason);
    }
  };
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    const { default: nodeEndpoint } = await import("comlink/dist/esm/node-adapter.mjs");
    // Both src/engine/platform.ts (tests) and dist/engine/platform.js resolve to the built worker. The path is
    // a variable here so that bundlers do not copy the unbundled file as an asset.
    const w = new Worker(new URL(nodeWorkerPath, import.meta.url));
    w.on("error", (e) => die(`worker error: ${e.message}`));
    w.on("exit", (code) => die(`worker exited with code ${code}`));
    w.unref();
    const remote = Comlink.wrap<WorkerApi>(nodeEndpoint(w));
    return {
      remote,
      terminate: async () => {
        ended = true;
        remote[Comlink.releaseProxy]();
        await w.terminate();
      },
    };
  }
  // A literal URL inside `new Worker(new URL(...), { type: "module" })`: the pattern bundlers (Vite, webpack)
  // recognize to bundle the worker entry as its own chunk.
  const w = new Worker(new URL("../../dist/worker.js", import.meta.url), { type: "module" });
  w.addEventListener("error", (e) => die(`worker error: ${(e as ErrorEvent).message}`));
  const remote = Comlink.wrap<WorkerApi>(w);
  return {
    remote,
    terminate: async () => {
      ended = true;
      w.terminate();
    },
  };
}
