/**
 * What wakes a waiting coordinator: BullMQ's event stream of the shard queue (QueueEvents: a blocking XREAD
 * on its own connection), filtered to one run's job ids. The coordinator looks at Redis when a shard of its run
 * completes or fails (or when it is woken for another reason: abort, Redis lost), and at least every `ms` as a
 * fallback (worker count, events missed while the connection was down), instead of polling on a timer.
 */
import { QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { connectRedis, SHARD_QUEUE, type ConnectOptions } from "./connection.js";

export class RunEvents {
  private pending = false;
  private waiter?: () => void;

  private constructor(private readonly events: QueueEvents, private readonly connection: Redis) {}

  /**
   * Listen to the shard queue's completed and failed events of jobs `<run>-<shard>`, from the Redis server's
   * present time on (so no event of the run is missed between this call and the flow's creation).
   */
  static async open(url: string, client: Redis, run: string, connect: Omit<ConnectOptions, "blocking">): Promise<RunEvents> {
    const [sec, usec] = await client.time();
    const since = `${Number(sec) * 1000 + Math.floor(Number(usec) / 1000) - 1}-0`;
    const connection = await connectRedis(url, { ...connect, blocking: true });
    const events = new QueueEvents(SHARD_QUEUE, { connection, lastEventId: since, blockingTimeout: 5000 });
    events.on("error", () => {}); // connection trouble is judged by the coordinator's watchRedis
    const r = new RunEvents(events, connection);
    const prefix = `${run}-`;
    const mine = ({ jobId }: { jobId: string }) => {
      if (jobId.startsWith(prefix)) r.wake();
    };
    events.on("completed", mine);
    events.on("failed", mine);
    await events.waitUntilReady();
    return r;
  }

  /** Wake the waiter now (or the next one, at once). */
  wake(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Resolve at the next event of the run (at once if one came since the last call), on abort, or after `ms`. */
  next(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiter = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done);
      this.waiter = done;
    });
  }

  async close(): Promise<void> {
    this.waiter?.();
    await this.events.close().catch(() => {});
    this.connection.disconnect();
  }
}
