/**
 * Transient errors retry with backoff; FoliateErrors do not. A test-only job kind on its own redis-server and
 * an in-process worker (the registry is per process, so no other worker can take these jobs).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startRedis, type RedisServer } from "../support/redis.js";
import { registerJobKind } from "../../src/distributed/jobKinds.js";
import { startWorker, type WorkerHandle } from "../../src/distributed/worker.js";
import { runDistributed } from "../../src/distributed/coordinator.js";
import { ShapeError } from "../../src/errors.js";

let redis: RedisServer;
let worker: WorkerHandle;
const attempts = new Map<number, number>();

registerJobKind({
  name: "flaky-test",
  async plan(spec: { fail: number[]; bad: boolean }) {
    return [0, 1, 2].map((i) => ({ i, fail: spec.fail.includes(i), bad: spec.bad }));
  },
  validate: (p) => p as { i: number; fail: boolean; bad: boolean },
  async run(p: { i: number; fail: boolean; bad: boolean }) {
    const k = (attempts.get(p.i) ?? 0) + 1;
    attempts.set(p.i, k);
    if (p.bad) throw new ShapeError(`shard ${p.i} has the wrong shape`);
    if (p.fail && k === 1) throw new Error("ECONNRESET (a transient failure)");
    return { i: p.i, attempt: k };
  },
  async gather(results: { i: number; attempt: number }[]) {
    return results;
  },
});

beforeAll(async () => {
  redis = await startRedis();
  worker = await startWorker({ redis: redis.url, workers: 0 });
});
afterAll(async () => {
  await worker?.close();
  await redis?.stop();
});

test("a transient error is retried after the backoff and the run succeeds", async () => {
  attempts.clear();
  const t0 = Date.now();
  const r = await runDistributed("flaky-test" as never, { fail: [1], bad: false } as never, { redis: redis.url });
  expect(r).toEqual([{ i: 0, attempt: 1 }, { i: 1, attempt: 2 }, { i: 2, attempt: 1 }]);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // exponential backoff from 1 s
});

test("a FoliateError fails the run at once with its class, without a retry", async () => {
  attempts.clear();
  const e = await runDistributed("flaky-test" as never, { fail: [], bad: true } as never, { redis: redis.url }).catch((x) => x);
  expect(e).toBeInstanceOf(ShapeError);
  expect((e as Error).message).toMatch(/wrong shape/);
  await new Promise((r) => setTimeout(r, 1500));
  expect(Math.max(...attempts.values())).toBe(1);
});
