/**
 * The worker pool: a fixed number of workers, each with its own kernel instance, fed from one FIFO queue.
 *
 * Each worker holds up to DEPTH tasks: the one it runs and the next, already posted, so it never waits for
 * the calling thread between chunks (on a busy machine that thread may not be scheduled for milliseconds),
 * and the calling thread copies a finished chunk while the worker computes the next. Near the end of the
 * queue tasks are no longer posted behind running ones, so the last chunks go to the first free worker.
 * Where memory can be shared (`canShareMemory`), a worker writes its chunk's results into a staging buffer
 * borrowed from the pool (shared memory, reused across chunks and calls), copied into the call's result by
 * the calling thread; straight into the result when the caller's `out` arrays are SharedArrayBuffer views;
 * and without shared memory the worker returns its chunk (transferred) for the calling thread to copy.
 * Results are ordinary arrays: V8 does not count SharedArrayBuffers as external memory, so fresh shared
 * results would not prompt garbage collection and memory would grow with every call until the next one.
 *
 * A worker that dies (crash, kill, out of memory) rejects the task it ran with WorkerCrashError and is
 * replaced; the task posted behind it had not started and goes back to the front of the queue; the pool
 * keeps serving. An aborted task is dropped from the queue, or, if posted to a worker, that worker is
 * terminated and replaced (so nothing writes into an aborted call's results afterwards). Comlink calls do
 * not reject when a worker dies, so every task carries its own settle functions that the pool calls.
 */
import { AbortError, deserializeError, EngineClosedError, WorkerCrashError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import { stagingViews, type Layout, type Outputs } from "./job.js";
import { canShareMemory, isShared, spawnWorker, type SpawnedWorker } from "./platform.js";
import type { WorkerApi } from "./worker.js";
import type { WasmVariant } from "./wasm.js";
import * as Comlink from "comlink";

/** Tasks posted to one worker at a time: the running one and the next. */
const DEPTH = 2;
/** Shared buffers kept for reuse, and the largest kept. */
const KEPT_BUFFERS = 8;
const KEPT_BYTES = 256 * 2 ** 20;

/** A job over a chunk of points; or, with `call`, any function of a worker's remote API. */
export interface Task {
  /** Run this instead of a job: it receives the worker's remote API (e.g. Ricci flow's kNN rows). */
  call?: (remote: Comlink.Remote<WorkerApi>) => Promise<unknown>;
  job: string;
  modelId: string;
  spec: ModelSpec;
  /**
   * The chunk's points, count×d: a view of shared memory, or an array of its own (copied when posted, never
   * transferred: a task a dead worker held goes back to the queue and is posted again).
   */
  X: Float32Array;
  count: number;
  opts: Record<string, unknown>;
  /**
   * Result arrays for the whole call; this task's chunk goes to point index `base` (per-point sizes in
   * `layout`). A promise stands for fresh arrays the caller allocates after posting the first chunks (their
   * zeroing then overlaps the workers' first chunks); only the caller's own arrays can be written directly.
   */
  out?: Outputs | Promise<Outputs>;
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
  worker?: SpawnedWorker;
  ready: Promise<void>;
  /** Models registered with this worker (the registration, awaited by every task of that model). */
  models: Map<string, Promise<void>>;
  /** Tasks posted to this worker, in order: the first is running, the others wait in its message queue. */
  tasks: Pending[];
  dead: boolean;
  /** Index in the pool (kept by a replacement), for the per-worker statistics. */
  index: number;
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
  /** Tasks completed by the worker at each index (replacements included), for tests and benchmarks. */
  readonly completed: number[];
  /** Shared buffers not in use (staging for chunks, batches of inputs), smallest first. */
  private readonly spare: SharedArrayBuffer[] = [];

  constructor(readonly size: number, private readonly variant?: WasmVariant) {
    this.completed = new Array<number>(size).fill(0);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(i));
  }

  /** Resolves when every worker has loaded its kernels. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  private spawn(index: number): Slot {
    const slot: Slot = { models: new Map(), tasks: [], dead: false, ready: Promise.resolve(), index };
    slot.ready = (async () => {
      slot.worker = await spawnWorker((reason) => this.onDeath(slot, reason));
      await slot.worker.remote.init(this.variant);
    })();
    slot.ready.catch((e) => this.onDeath(slot, `worker failed to start: ${e instanceof Error ? e.message : e}`));
    return slot;
  }

  /**
   * The worker of `slot` died or is stopped. With `aborted`, the tasks in it are rejected with AbortError;
   * otherwise the running task (the first posted) is rejected with WorkerCrashError. Every other task it
   * held had not started: back to the front of the queue.
   */
  private onDeath(slot: Slot, reason: string, aborted?: ReadonlySet<Pending>): void {
    if (slot.dead) return;
    slot.dead = true;
    const held = slot.tasks.splice(0);
    const requeue: Pending[] = [];
    held.forEach((task, k) => {
      if (aborted?.has(task)) settle(task, new AbortError("aborted while running; its worker was stopped and replaced"));
      else if (!aborted && k === 0) settle(task, new WorkerCrashError(`the worker running this ${task.job} job died (${reason}); it has been replaced`));
      else if (!task.settled) requeue.push(task);
    });
    const i = this.slots.indexOf(slot);
    void slot.worker?.terminate().catch(() => undefined);
    if (this.closed) {
      for (const task of requeue) settle(task, new EngineClosedError("the engine was closed"));
      return;
    }
    this.queue.unshift(...requeue);
    if (i >= 0) {
      this.replaced++;
      this.slots[i] = this.spawn(slot.index);
    }
    this.pump();
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
        this.abort(new Set(tasks));
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

  /** Abort `tasks`: queued ones are dropped, and every worker holding one is stopped and replaced. */
  private abort(tasks: ReadonlySet<Pending>): void {
    for (let q = this.queue.length - 1; q >= 0; q--) {
      const p = this.queue[q];
      if (!tasks.has(p)) continue;
      this.queue.splice(q, 1);
      settle(p, new AbortError("aborted"));
    }
    for (const slot of [...this.slots]) if (slot.tasks.some((t) => tasks.has(t))) this.onDeath(slot, "aborted", tasks);
  }

  /**
   * Post queued tasks to workers, the idle ones first; a busy worker gets a task posted behind its running
   * one only while the queue holds a task for every worker, so the last tasks go to whichever worker frees
   * first instead of waiting behind a busy one while another worker idles.
   */
  private pump(): void {
    for (let depth = 1; depth <= DEPTH; depth++) {
      const reserve = depth === 1 ? 1 : this.slots.length;
      for (const slot of this.slots) {
        while (slot.tasks.length < depth && !slot.dead && this.queue.length >= reserve) this.assign(slot);
      }
    }
  }

  /** Give the next queued task to a slot (tasks aborted while queued are settled, not run). */
  private assign(slot: Slot): void {
    const task = this.queue.shift()!;
    if (task.signal?.aborted) return settle(task, new AbortError("aborted"));
    if (task.skip?.()) return settle(task, new AbortError("dropped: another part of the same call failed"));
    slot.tasks.push(task);
    void this.execute(slot, task);
  }

  /** The model's registration with this slot's worker (posted once; later tasks await the same promise). */
  private registered(slot: Slot, remote: Comlink.Remote<WorkerApi>, task: Pending): Promise<void> {
    let done = slot.models.get(task.modelId);
    if (!done) {
      done = remote.register(task.modelId, task.spec);
      done.catch(() => slot.models.delete(task.modelId));
      slot.models.set(task.modelId, done);
    }
    return done;
  }

  /**
   * A shared buffer of at least `bytes`: the smallest spare one that fits, else a new one (a power of two
   * from 64 KiB, so it fits later requests of similar size; exact above KEPT_BYTES, as it will not be kept).
   * Give it back after use.
   */
  borrowShared(bytes: number): SharedArrayBuffer {
    const i = this.spare.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return this.spare.splice(i, 1)[0];
    const rounded = Math.max(2 ** 16, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
    return new SharedArrayBuffer(rounded <= KEPT_BYTES ? rounded : bytes);
  }

  /** Keep `buffer` for reuse (nothing may still write into it), up to KEPT_BUFFERS of at most KEPT_BYTES. */
  giveBackShared(buffer: SharedArrayBuffer): void {
    if (buffer.byteLength > KEPT_BYTES || this.closed) return;
    this.spare.push(buffer);
    this.spare.sort((a, b) => a.byteLength - b.byteLength);
    if (this.spare.length > KEPT_BUFFERS) this.spare.shift();
  }

  private async execute(slot: Slot, task: Pending): Promise<void> {
    const holds = () => slot.tasks.includes(task); // false once the worker died or the task was aborted
    let staging: SharedArrayBuffer | undefined;
    try {
      await slot.ready;
      if (slot.dead || task.settled) return;
      const remote = slot.worker!.remote;
      if (task.call) {
        const value = await task.call(remote);
        if (holds()) settle(task, { value });
        return;
      }
      // Registration is posted before this task's run and not awaited: the worker handles messages in order,
      // so runs reach it in the order they were posted and the first task a slot holds is the one running.
      const registration = this.registered(slot, remote, task);
      // where the worker writes: the result itself (shared), a staging buffer (copied here), or its own arrays
      let views: Outputs | undefined;
      let base = 0;
      const given = task.out instanceof Promise ? undefined : task.out; // the caller's own arrays
      if (given && canShareMemory && Object.values(given).every(isShared)) {
        views = given;
        base = task.base ?? 0;
      } else if (task.out && task.layout && canShareMemory) {
        const { bytes, make } = stagingViews(task.layout, task.count);
        staging = this.borrowShared(bytes);
        views = make(staging);
      }
      const reply = await remote.run(task.job, task.modelId, task.X, task.count, task.opts, views, base);
      await registration; // a failed registration is the error to report (the run then lacked the model)
      if (!holds()) return;
      if (!reply.ok) return settle(task, deserializeError(reply.error));
      const parts = given && views === given ? undefined : (views ?? reply.outputs);
      const target = await task.out;
      if (!holds()) return;
      if (target && parts) for (const [key, a] of Object.entries(parts)) (target[key] as Float32Array).set(a as Float32Array, (task.base ?? 0) * task.layout![key][1]);
      this.completed[slot.index]++;
      settle(task, task.out ? undefined : reply.outputs);
    } catch (e) {
      if (holds()) settle(task, e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (staging && holds()) this.giveBackShared(staging); // a dead worker's staging buffer is not reused
      const k = slot.tasks.indexOf(task);
      if (k >= 0) {
        slot.tasks.splice(k, 1);
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
    const slot = this.slots.find((s) => s.tasks.length > 0);
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
        for (const t of s.tasks.splice(0)) settle(t, new EngineClosedError("the engine was closed"));
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
