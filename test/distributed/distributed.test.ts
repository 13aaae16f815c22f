/**
 * The distributed runner end to end: a real redis-server (test/support/redis.ts) and three `foliate worker`
 * processes (dist/cli/main.js: tests run after `npm run build`). Outputs are compared bit for bit with the
 * in-process runs; workers are SIGKILLed mid-job, a coordinator is killed and resumed, a bad model fails the
 * run once with its typed error, and Redis is stopped under a running coordinator.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { freePort, startRedis, type RedisServer } from "../support/redis.js";
import { MAIN } from "../cli/run.js";
import { randomMlp } from "../support/models.js";
import { runDistributed } from "../../src/distributed/index.js";
import { RedisUnavailableError, RunStateError } from "../../src/distributed/errors.js";
import { SHARD_QUEUE } from "../../src/distributed/connection.js";
import { createEngine } from "../../src/api/engine.js";
import { Model } from "../../src/model/model.js";
import { ModelFormatError, OptionError } from "../../src/errors.js";
import { bundledPoints } from "../../src/datasets/bundled.js";
import { writeNpy } from "../../src/io/npy.js";
import { populationRecipe, populationData } from "../../src/experiments/ricciRecipe.js";
import { populationOn, summarizePopulation, type NetworkResult, type PopulationResult } from "../../src/experiments/ricciPopulation.js";
import type { DimSpectrumResult } from "../../src/analyses/spectrum/dimSpectrum.js";

interface WorkerProc { child: ChildProcess; log: string }

let redis: RedisServer;
let dir: string;
const workers: WorkerProc[] = [];

function startWorkerProcess(): Promise<WorkerProc> {
  const child = spawn(process.execPath, [MAIN, "worker", "--redis", redis.url, "--workers", "1", "--lock-ms", "3000", "--results", join(dir, "results")], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
  const w: WorkerProc = { child, log: "" };
  child.stdout!.on("data", (c) => (w.log += c));
  child.stderr!.on("data", (c) => (w.log += c));
  workers.push(w);
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (w.log.includes("foliate worker ")) (clearInterval(t), resolve(w));
      if (child.exitCode !== null) (clearInterval(t), reject(new Error(`worker exited: ${w.log}`)));
    }, 50);
  });
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSamePopulation(a: PopulationResult, b: PopulationResult) {
  expect(a.networks.length).toBe(b.networks.length);
  a.networks.forEach((n, i) => {
    const m = b.networks[i];
    expect([n.hidden, n.seed, n.accuracy, n.finalLoss, n.reasons]).toEqual([m.hidden, m.seed, m.accuracy, m.finalLoss, m.reasons]);
    expect(bytes(n.rho).equals(bytes(m.rho))).toBe(true);
    n.ric.forEach((r, k) => expect(bytes(r).equals(bytes(m.ric[k]))).toBe(true));
    n.g.forEach((g, k) => expect(bytes(g).equals(bytes(m.g[k]))).toBe(true));
  });
  expect(bytes(a.fractionNegative).equals(bytes(b.fractionNegative))).toBe(true);
  expect(bytes(a.correlation).equals(bytes(b.correlation))).toBe(true);
  expect(a.wellTrained).toBe(b.wellTrained);
}

function expectSameSpectrum(a: DimSpectrumResult, b: DimSpectrumResult) {
  for (const k of ["logEigenvalues", "trace", "logTrace", "spread", "rank"] as const) expect(bytes(a[k]).equals(bytes(b[k]))).toBe(true);
  for (const k of ["median", "q10", "q90", "samples"] as const) expect(bytes(a.signature[k]).equals(bytes(b.signature[k]))).toBe(true);
  expect(a.signature.medianSpread).toBe(b.signature.medianSpread);
}

// The spectrum case: a 20 → 64 → 64 → 10 ReLU classifier (seeded) on 2 000 seeded points.
const D = 20, N = 2000;
const modelJson = JSON.stringify(randomMlp([D, 64, 64, 10], 7).toJSON());
const model = Model.fromJSON(modelJson);
const X = Float32Array.from({ length: N * D }, (_, i) => Math.sin(0.731 * i) * Math.cos(0.017 * i));
let spectrumRef: DimSpectrumResult;

// The population case: the reduced recipe (200 + 200 points, 30 epochs, k = 10, 40, 150) with 12 networks.
const recipe = populationRecipe("blobs", { quick: true, networks: 12 });
let populationRef: PopulationResult;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), "foliate-dist-"));
  writeFileSync(join(dir, "model.json"), modelJson);
  writeFileSync(join(dir, "x.npy"), writeNpy(X, [N, D]));
  await Promise.all([startWorkerProcess(), startWorkerProcess(), startWorkerProcess()]);
  const engine = await createEngine({ workers: 1 });
  spectrumRef = await engine.dimSpectrum(model, X);
  await engine.close();
  const { train, test } = await populationData(recipe);
  populationRef = await populationOn(train, test, recipe);
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("distributed runs over BullMQ equal the in-process runs bit for bit", () => {
  test("a 2 000-point DIM spectrum in 8 shards, 3 worker processes", async () => {
    const seen: number[] = [];
    const s = await runDistributed("spectrum-shard", { model, X, d: D, shardSize: 250 }, { redis: redis.url, onProgress: (p) => seen.push(p.workers) });
    expect(Math.max(...seen)).toBe(3);
    expectSameSpectrum(s, spectrumRef);
  });

  test("a spectrum of a bundled dataset named, not sent (glyphs:test:700 in 6 shards): the same as in process, by the library and the CLI", async () => {
    const glyphModel = randomMlp([64, 32, 10], 5);
    const set = await bundledPoints("glyphs:test:700");
    const engine = await createEngine({ workers: 1 });
    const ref = await engine.dimSpectrum(glyphModel, set.X);
    await engine.close();
    expectSameSpectrum(await runDistributed("spectrum-shard", { model: glyphModel, data: "glyphs:test:700", d: 64, shardSize: 128 }, { redis: redis.url }), ref);
    // Points or a name, not both nor neither.
    await expect(runDistributed("spectrum-shard", { model: glyphModel, d: 64 }, { redis: redis.url })).rejects.toBeInstanceOf(OptionError);
    await expect(runDistributed("spectrum-shard", { model: glyphModel, X: set.X, data: "glyphs:test:700", d: 64 }, { redis: redis.url })).rejects.toBeInstanceOf(OptionError);
    const m = join(dir, "glyph-model.json");
    writeFileSync(m, JSON.stringify(glyphModel.toJSON()));
    const code = await new Promise<number | null>((resolve) => spawn(process.execPath, [MAIN, "spectrum", m, "--data", "glyphs:test:700", "--redis", redis.url, "--shard-size", "128", "--out", join(dir, "glyph.npy"), "-q"], { stdio: "ignore", env: { ...process.env, CI: "1" } }).on("close", resolve));
    expect(code).toBe(0);
    expect(readFileSync(join(dir, "glyph.npy")).equals(Buffer.from(writeNpy(ref.logEigenvalues, [ref.n, ref.r])))).toBe(true);
  });

  test("a 12-network Ricci population study", async () => {
    expectSamePopulation(await runDistributed("ricci-network", recipe, { redis: redis.url }), populationRef);
  }, 120_000);

  test("the same with one worker SIGKILLed mid-job: its job is taken again (stalled-job recovery)", async () => {
    const client = new Redis(redis.url);
    const queue = new Queue(SHARD_QUEUE, { connection: client });
    let killed = "";
    const recipe6 = populationRecipe("blobs", { quick: true, networks: 6 });
    const run = runDistributed("ricci-network", recipe6, { redis: redis.url, run: "kill-test" });
    for (let t = 0; !killed && t < 400; t++) {
      const active = await queue.getActive();
      const victim = active.map((j) => workers.find((w) => w.child.exitCode === null && j.processedBy?.endsWith(`-${w.child.pid}`))).find(Boolean);
      if (victim) {
        victim.child.kill("SIGKILL");
        killed = String(victim.child.pid);
      } else await new Promise((r) => setTimeout(r, 100));
    }
    expect(killed).not.toBe("");
    const r = await run;
    expectSamePopulation(r, summarizePopulation(populationRef.networks.slice(0, 6), recipe.ks, recipe.accuracyThreshold));
    await queue.close();
    client.disconnect();
    await startWorkerProcess(); // back to three
  }, 150_000);

  test("a coordinator SIGKILLed mid-run and started again with the same --run resumes; each shard counted once", async () => {
    const args = [MAIN, "reproduce-ricci", "--quick", "--networks", "6", "--redis", redis.url, "--run", "resume-test", "--out", join(dir, "resumed.json"), "--json"];
    const first = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
    let err = "";
    first.stderr!.on("data", (c) => (err += c));
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (/\((?:[1-5])\/6\)/.test(err)) (clearInterval(t), resolve());
        if (first.exitCode !== null) (clearInterval(t), reject(new Error(`coordinator ended before it could be killed: ${err}`)));
      }, 50);
    });
    first.kill("SIGKILL");
    const second = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
    let err2 = "";
    second.stderr!.on("data", (c) => (err2 += c));
    const code = await new Promise((r) => second.on("close", r));
    expect(code, err2).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, "resumed.json"), "utf8")) as { networks: { seed: number; rho: (number | null)[]; reasons: (string | null)[]; accuracy: number }[]; perK: { fractionNegative: number; correlation: number }[] };
    expect(doc.networks.map((n) => n.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    const ref6: NetworkResult[] = populationRef.networks.slice(0, 6);
    doc.networks.forEach((n, i) => {
      expect(n.accuracy).toBe(ref6[i].accuracy);
      expect(n.rho).toEqual(Array.from(ref6[i].rho, (v) => (Number.isNaN(v) ? null : v)));
      expect(n.reasons).toEqual(ref6[i].reasons); // why a ρ_k is null (JSON has no NaN)
    });
    const summary = summarizePopulation(ref6, recipe.ks, recipe.accuracyThreshold);
    doc.perK.forEach((k, i) => expect(k.fractionNegative ?? NaN).toBe(summary.fractionNegative[i]));
    // Every job of that run is removed once the run is gathered; reusing the id with another specification is refused while it exists.
    expect(err2).not.toContain("different specification");
  }, 150_000);

  test("the CLI coordinator writes the same .npy as the single-machine command (spectrum, jacobian)", async () => {
    const run = (args: string[]) => new Promise<string>((resolve) => {
      const c = spawn(process.execPath, [MAIN, ...args, "-q"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
      let e = "";
      c.stderr!.on("data", (x) => (e += x));
      c.on("close", (code) => resolve(`${code} ${e}`));
    });
    const m = join(dir, "model.json"), x = join(dir, "x.npy"), res = join(dir, "results");
    // What the single-machine commands write: writeNpy of the engine's arrays (src/cli/files.ts writeArray).
    expect(await run(["spectrum", m, "--input", x, "--redis", redis.url, "--out", join(dir, "sd.npy")])).toBe("0 ");
    expect(readFileSync(join(dir, "sd.npy")).equals(Buffer.from(writeNpy(spectrumRef.logEigenvalues, [spectrumRef.n, spectrumRef.r]))), "spectrum .npy").toBe(true);
    expect(await run(["jacobian", m, "--input", x, "--redis", redis.url, "--results", res, "--shard-size", "300", "--run", "jac", "--out", join(dir, "jd.npy")])).toBe("0 ");
    const engine = await createEngine({ workers: 1 });
    const J = await engine.jacobian(model, X);
    await engine.close();
    expect(readFileSync(join(dir, "jd.npy")).equals(Buffer.from(writeNpy(J.data, J.shape))), "jacobian .npy").toBe(true);
    const manifest = JSON.parse(readFileSync(join(res, "jac", "manifest.json"), "utf8")) as { shards: number; files: { shard: number }[] };
    expect(manifest.shards).toBe(7); // 300 → 320 points per shard
    expect(manifest.files.map((f) => f.shard)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  }, 120_000);

  test("leaves from 130 start points (map-shard, random directions from one seed) equal engine.leaves", async () => {
    const X130 = X.subarray(0, 130 * D);
    const o = { distribution: "data" as const, maxLength: 0.3, seed: 5 };
    const r = await runDistributed("map-shard", { model, op: "leaves", X: X130, d: D, options: o, resultsDir: join(dir, "results"), shardSize: 64 }, { redis: redis.url, run: "leaves" });
    const engine = await createEngine({ workers: 1 });
    const ref = await engine.leaves(model, Float64Array.from(X130), o);
    await engine.close();
    expect(Array.from(r.arrays.vertices.data)).toEqual(ref.map((l) => l.vertices));
    expect(bytes(r.arrays.length.data).equals(bytes(Float64Array.from(ref, (l) => l.length)))).toBe(true);
    const points = Float64Array.from(ref.flatMap((l) => Array.from(l.points.subarray(0, l.vertices * D))));
    expect(bytes(r.arrays.points.data).equals(bytes(points))).toBe(true);
    expect(ref.some((l) => l.vertices > 2)).toBe(true); // the paths cross regions: a non-trivial comparison
  }, 60_000);
});

describe("faults", () => {
  test("a bad model fails the run once with ModelFormatError, and nothing retries it", async () => {
    const bad = JSON.stringify({ format: "foliate-model", version: 1, inputShape: [D], layers: [{ type: "dense", units: 3, kernel: [1, 2], bias: [0, 0, 0] }] });
    const before = workers.map((w) => w.log.length);
    const t0 = Date.now();
    const e = await runDistributed("spectrum-shard", { model: bad, X, d: D, shardSize: 250 }, { redis: redis.url, run: "bad-model" }).catch((x) => x);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect((e as Error).message).toMatch(/kernel/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 2500)); // a retry would come after the 1 s backoff
    const failures = workers.map((w, i) => w.log.slice(before[i] ?? 0)).join("").match(/job bad-model-\d+ \(spectrum-shard\) failed/g) ?? [];
    const perJob = new Map<string, number>();
    for (const f of failures) perJob.set(f, (perJob.get(f) ?? 0) + 1);
    expect(failures.length).toBeGreaterThan(0);
    expect(Math.max(...perJob.values())).toBe(1);
    const client = new Redis(redis.url);
    const queue = new Queue(SHARD_QUEUE, { connection: client });
    expect((await queue.getJobCounts("wait", "delayed", "active")).delayed).toBe(0);
    await queue.close();
    client.disconnect();
  });

  test("a run id reused with another specification is refused", async () => {
    const client = new Redis(redis.url);
    const queue = new Queue("foliate-runs", { connection: client });
    await queue.add("spectrum-shard", { fingerprint: "other" }, { jobId: "taken" });
    await expect(runDistributed("spectrum-shard", { model, X, d: D }, { redis: redis.url, run: "taken" })).rejects.toBeInstanceOf(RunStateError);
    await queue.close();
    client.disconnect();
  });

  test("Redis unreachable at the start: RedisUnavailableError within the connect timeout", async () => {
    const port = await freePort();
    const t0 = Date.now();
    const e = await runDistributed("spectrum-shard", { model, X, d: D }, { redis: `redis://:secret@127.0.0.1:${port}`, connectTimeoutMs: 1500 }).catch((x) => x);
    expect(e).toBeInstanceOf(RedisUnavailableError);
    expect((e as Error).message).toContain(`127.0.0.1:${port}`);
    expect((e as Error).message).not.toContain("secret");
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  test("Redis stopped mid-run: RedisUnavailableError within the allowed time, no hang", async () => {
    const run = runDistributed("ricci-network", populationRecipe("blobs", { quick: true, networks: 6 }), { redis: redis.url, run: "redis-dies", unreachableMs: 2000 }).catch((x) => x);
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    redis.process.kill("SIGKILL");
    const e = await run;
    expect(e).toBeInstanceOf(RedisUnavailableError);
    expect((e as Error).message).toMatch(/lost the connection to Redis/);
    expect(Date.now() - t0).toBeLessThan(8000);
  }, 30_000);
});
