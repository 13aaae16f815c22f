/**
 * The worker pool: a fixed number of workers, each with its own kernel instance, fed from one FIFO queue.
 * A worker that dies (crash, kill, out of memory) rejects the task it held with WorkerCrashError and is
 * replaced; the pool keeps serving. An aborted task is dropped from the queue, or, if running, its worker is
 * terminated and replaced. Comlink calls do not reject when a worker dies, so every task carries its own
 * settle functions that the pool calls.
 */
import { AbortError, deserializeError, EngineClosedError, WorkerCrashError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import { stagingViews, type Layout, type Outputs } from "./job.js";
import { spawnWorker, type SpawnedWorker } from "./platform.js";
import type { WorkerApi } from "./worker.js";
import type { WasmVariant } from "./wasm.js";
import * as Comlink from "comlink";

/**
 * Workers can write into a SharedArrayBuffer: always in Node; in browsers only when the page is cross-origin
 * isolated (COOP/COEP). Otherwise each worker returns its chunk (transferred) and the pool copies it.
 */
const canShare =
  typeof SharedArrayBuffer !== "undefined" &&
  ((typeof process !== "undefined" && !!process.versions?.node) || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);

/** A job over a chunk of points; or, with `call`, any function of a worker's remote API. */
export interface Task {
  /** Run this instead of a job: it receives the worker's remote API (e.g. Ricci flow's kNN rows). */
  call?: (remote: Comlink.Remote<WorkerApi>) => Promise<unknown>;
  job: string;
  modelId: string;
  spec: ModelSpec;
  X: Float32Array;
  count: number;
  opts: Record<string, unknown>;
  /** Result arrays for the whole call; this task's chunk goes to point index `base` (per-point sizes in `layout`). */
  out?: Outputs;
  layout?: Layout;
  base?: number;
  signal?: AbortSignal;
  /** Checked when the task reaches a worker: true drops it (another part of the same call failed). */
  skip?: () => boolean;
}

interface Pending extends Task {
  resolve(part: unknown): void;
  reject(e: Error): void;
  settled: boolean;
  /** Takes this task off its signal's watch; called when the task settles. */
  detach?: () => void;
}

interface Slot {
  /** Long-lived shared memory the worker writes its chunk's results into (grown on demand, never per call). */
  staging?: SharedArrayBuffer;
  worker?: SpawnedWorker;
  ready: Promise<void>;
  models: Set<string>;
  task?: Pending;
  dead: boolean;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;
  /**
   * One abort listener per caller's signal, however many chunks and calls share it, with the tasks it
   * aborts; removed when the last of them settles, so a long-lived signal keeps no finished call alive.
   */
  private readonly watched = new Map<AbortSignal, { tasks: Set<Pending>; onAbort: () => void }>();
  /** Workers replaced after a crash or abort (for tests and diagnostics). */
  replaced = 0;

  constructor(readonly size: number, private readonly variant?: WasmVariant) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Resolves when every worker has loaded its kernels. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  private spawn(): Slot {
    const slot: Slot = { models: new Set(), dead: false, ready: Promise.resolve() };
    slot.ready = (async () => {
      slot.worker = await spawnWorker((reason) => this.onDeath(slot, reason));
      await slot.worker.remote.init(this.variant);
    })();
    slot.ready.catch((e) => this.onDeath(slot, `worker failed to start: ${e instanceof Error ? e.message : e}`));
    return slot;
  }

  private onDeath(slot: Slot, reason: string, error?: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    const task = slot.task;
    slot.task = undefined;
    if (task) settle(task, error ?? new WorkerCrashError(`the worker running this ${task.job} job died (${reason}); it has been replaced`));
    const i = this.slots.indexOf(slot);
    void slot.worker?.terminate().catch(() => undefined);
    if (i >= 0 && !this.closed) {
      this.replaced++;
      this.slots[i] = this.spawn();
      this.pump();
    }
  }

  run(task: Task): Promise<Outputs | undefined> {
    return this.submit(task) as Promise<Outputs | undefined>;
  }

  /** Run `fn` on the next free worker's remote API, with the pool's queueing, abort and crash handling. */
  call<R>(fn: (remote: Comlink.Remote<WorkerApi>) => Promise<R>, name: string, signal?: AbortSignal): Promise<R> {
    return this.submit({ call: fn, job: name, modelId: "", spec: undefined as never, X: new Float32Array(0), count: 0, opts: {}, signal }) as Promise<R>;
  }

  private submit(task: Task): Promise<unknown> {
    if (this.closed) return Promise.reject(new EngineClosedError("the engine is closed"));
    return new Promise<unknown>((resolve, reject) => {
      const p: Pending = { ...task, resolve, reject, settled: false };
      if (task.signal) {
        if (task.signal.aborted) return reject(new AbortError("aborted before it started"));
        this.watch(p, task.signal);
      }
      this.queue.push(p);
      this.pump();
    });
  }

  /** Abort `p` when `signal` fires, sharing the signal's one listener; `p.detach` undoes it. */
  private watch(p: Pending, signal: AbortSignal): void {
    let watch = this.watched.get(signal);
    if (!watch) {
      const tasks = new Set<Pending>();
      const onAbort = () => {
        this.watched.delete(signal);
        for (const t of [...tasks]) this.abort(t);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.watched.set(signal, (watch = { tasks, onAbort }));
    }
    const { tasks, onAbort } = watch;
    tasks.add(p);
    p.detach = () => {
      tasks.delete(p);
      if (tasks.size > 0 || this.watched.get(signal)?.tasks !== tasks) return;
      this.watched.delete(signal);
      signal.removeEventListener("abort", onAbort);
    };
  }

  private abort(p: Pending): void {
    if (p.settled) return;
    const q = this.queue.indexOf(p);
    if (q >= 0) {
      this.queue.splice(q, 1);
      settle(p, new AbortError("aborted"));
      return;
    }
    const slot = this.slots.find((s) => s.task === p);
    if (slot) this.onDeath(slot, "aborted", new AbortError("aborted while running; its worker was stopped and replaced"));
  }

  private pump(): void {
    for (const slot of this.slots) {
      while (!slot.task && !slot.dead && this.queue.length > 0) this.assign(slot);
    }
  }

  /** Give the next queued task to an idle slot (tasks aborted while queued are settled, not run). */
  private assign(slot: Slot): void {
    const task = this.queue.shift()!;
    if (task.signal?.aborted) return settle(task, new AbortError("aborted"));
    if (task.skip?.()) return settle(task, new AbortError("dropped: another part of the same call failed"));
    slot.task = task;
    void this.execute(slot, task);
  }

  private async execute(slot: Slot, task: Pending): Promise<void> {
    try {
      await slot.ready;
      if (slot.dead || task.settled) return;
      const remote = slot.worker!.remote;
      if (task.call) {
        const value = await task.call(remote);
        if (slot.task === task) settle(task, { value });
        return;
      }
      if (!slot.models.has(task.modelId)) {
        await remote.register(task.modelId, task.spec);
        slot.models.add(task.modelId);
      }
      let views: Outputs | undefined;
      if (task.out && task.layout && canShare) {
        const { bytes, make } = stagingViews(task.layout, task.count);
        if (!slot.staging || slot.staging.byteLength < bytes) slot.staging = new SharedArrayBuffer(Math.max(bytes, 2 * (slot.staging?.byteLength ?? 0)));
        views = make(slot.staging);
      }
      const reply = await remote.run(task.job, task.modelId, Comlink.transfer(task.X, [task.X.buffer]), task.count, task.opts, views, 0);
      if (slot.task !== task) return; // the worker died or the task was aborted meanwhile
      if (!reply.ok) return settle(task, deserializeError(reply.error));
      // copy the chunk out of the staging buffer now, before this slot can take its next task
      const parts = views ?? reply.outputs;
      if (task.out && parts) for (const [key, a] of Object.entries(parts)) (task.out[key] as Float32Array).set(a as Float32Array, (task.base ?? 0) * task.layout![key][1]);
      settle(task, task.out ? undefined : reply.outputs);
    } catch (e) {
      if (slot.task === task) settle(task, e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (slot.task === task) {
        slot.task = undefined;
        this.pump();
      }
    }
  }

  /** Per-worker memory, for tests and benchmarks. */
  async memory(): Promise<{ wasmBytes: number; peakScratch: number; rss: number }[]> {
    await this.ready();
    return Promise.all(this.slots.map((s) => s.worker!.remote.memory()));
  }

  /** Test hooks: occupy one worker for ms, or crash it. */
  async spin(ms: number): Promise<number> {
    await this.ready();
    return this.slots[0].worker!.remote.spin(ms);
  }

  async crashOne(): Promise<void> {
    await this.ready();
    void this.slots[0].worker!.remote.crash().catch(() => undefined);
  }

  /** Kill the worker currently running a task (as if the OS killed it); returns false if none is busy. */
  killBusy(): boolean {
    const slot = this.slots.find((s) => s.task);
    if (!slot) return false;
    void slot.worker?.terminate();
    this.onDeath(slot, "killed");
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) settle(p, new EngineClosedError("the engine was closed"));
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.task) settle(s.task, new EngineClosedError("the engine was closed"));
        s.dead = true;
        await s.ready.catch(() => undefined);
        await s.worker?.terminate().catch(() => undefined);
      }),
    );
  }
}

function settle(p: Pending, result: Outputs | undefined | Error | { value: unknown }): void {
  if (p.settled) return;
  p.settled = true;
  p.detach?.();
  if (result instanceof Error) p.reject(result);
  else if (p.call) p.resolve((result as { value: unknown }).value);
  else p.resolve(result);
}
