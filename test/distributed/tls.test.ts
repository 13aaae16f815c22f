/**
 * rediss:// with a password: a redis-server serving TLS only (a throwaway CA and server certificate made with
 * openssl) and requirepass. A `foliate worker` process given the CA with --redis-ca runs a spectrum whose
 * coordinator trusts the same CA (the redisCa option); the result equals the in-process run bit for bit.
 * Without the CA, or with a wrong password, the coordinator fails with RedisUnavailableError, never a hang.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificates, startRedis, type RedisServer, type TestCertificates } from "../support/redis.js";
import { MAIN } from "../cli/run.js";
import { randomMlp } from "../support/models.js";
import { runDistributed } from "../../src/distributed/index.js";
import { RedisUnavailableError } from "../../src/distributed/errors.js";
import { connectRedis } from "../../src/distributed/connection.js";
import { createEngine } from "../../src/api/engine.js";
import { OptionError } from "../../src/errors.js";

let redis: RedisServer;
let certs: TestCertificates;
let dir: string;
let worker: ChildProcess | undefined;
let log = "";
const PASSWORD = "s3cret pass/word";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "foliate-tls-"));
  certs = makeCertificates(dir);
  redis = await startRedis({ password: PASSWORD, tls: certs });
  worker = spawn(process.execPath, [MAIN, "worker", "--redis", redis.url, "--redis-ca", certs.ca, "--workers", "1"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
  worker.stdout!.on("data", (c) => (log += c));
  worker.stderr!.on("data", (c) => (log += c));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (log.includes("foliate worker ")) (clearInterval(t), resolve());
      if (worker!.exitCode !== null) (clearInterval(t), reject(new Error(`worker exited: ${log}`)));
    }, 50);
  });
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill("SIGKILL");
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a spectrum through rediss:// with a password and a private CA equals the in-process run", async () => {
  expect(redis.url).toMatch(/^rediss:\/\/:s3cret%20pass%2Fword@127\.0\.0\.1:\d+$/);
  const model = randomMlp([12, 32, 32, 5], 3);
  const X = Float32Array.from({ length: 300 * 12 }, (_, i) => Math.sin(0.37 * i));
  const s = await runDistributed("spectrum-shard", { model, X, d: 12, shardSize: 128 }, { redis: redis.url, redisCa: certs.caPem });
  const engine = await createEngine({ workers: 1 });
  const ref = await engine.dimSpectrum(model, X);
  await engine.close();
  expect(Buffer.from(s.logEigenvalues.buffer).equals(Buffer.from(ref.logEigenvalues.buffer))).toBe(true);
  expect(Buffer.from(s.rank.buffer).equals(Buffer.from(ref.rank.buffer))).toBe(true);
  expect(log.match(/\(spectrum-shard\) done/g)?.length).toBe(3); // 300 points in shards of 128: 3 jobs, each run once
  expect(log).not.toContain(PASSWORD);
}, 60_000);

test("without the CA, the server's certificate is refused: RedisUnavailableError in bounded time", async () => {
  const t0 = Date.now();
  const e = await runDistributed("spectrum-shard", { model: randomMlp([2, 3, 2], 1), X: new Float32Array(2), d: 2 }, { redis: redis.url, connectTimeoutMs: 1500 }).catch((x) => x);
  expect(e).toBeInstanceOf(RedisUnavailableError);
  expect((e as Error).message).toMatch(/certificate/);
  expect((e as Error).message).not.toContain("s3cret");
  expect(Date.now() - t0).toBeLessThan(4000);
});

test("a wrong password: RedisUnavailableError naming the refusal, the password masked", async () => {
  const url = redis.url.replace(/:[^:@/]*@/, ":badpw42@");
  const e = await connectRedis(url, { timeoutMs: 1500, ca: certs.caPem }).catch((x) => x);
  expect(e).toBeInstanceOf(RedisUnavailableError);
  expect((e as Error).message).toMatch(/WRONGPASS|invalid username-password/i);
  expect((e as Error).message).not.toContain("badpw42");
});

test("a CA with a plain redis:// URL is a mistake named at once", async () => {
  await expect(connectRedis("redis://127.0.0.1:1", { ca: certs.caPem })).rejects.toBeInstanceOf(OptionError);
});
