/** The distributed runner's input checks, without Redis: URLs, run ids, results paths, payload bounds, shards. */
import { describe, expect, test } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRedisUrl } from "../../src/distributed/connection.js";
import { checkRunId, readShardFile, resultsPath, sha256, writeAtomic } from "../../src/distributed/results.js";
import { checkPayloadSize, decodeArray, encodeArray } from "../../src/distributed/codec.js";
import { shardRanges, jobKind } from "../../src/distributed/jobKinds.js";
import { PayloadTooLargeError, ResultsPathError } from "../../src/distributed/errors.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import "../../src/distributed/kinds/index.js";
import { RunStateError } from "../../src/distributed/errors.js";
import { bundledPoints } from "../../src/datasets/bundled.js";
import { randomMlp } from "../support/models.js";

describe("redis URLs", () => {
  test("redis:// and rediss:// with user and password pass through; the password never shows", () => {
    const t = parseRedisUrl("rediss://alice:s3cret@redis.example:6380/2");
    expect(t.url).toBe("rediss://alice:s3cret@redis.example:6380/2");
    expect(t.display).toBe("rediss://alice:***@redis.example:6380/2");
    expect(parseRedisUrl("redis://:pw@10.0.0.5:6379").display).toBe("redis://:***@10.0.0.5:6379");
  });
  test("other schemes, no host or a bad database are OptionErrors", () => {
    expect(() => parseRedisUrl("http://localhost:6379")).toThrow(OptionError);
    expect(() => parseRedisUrl("localhost:6379")).toThrow(OptionError);
    expect(() => parseRedisUrl("redis://localhost:6379/x")).toThrow(/database/);
  });
});

describe("results directory", () => {
  test("paths stay inside DIR: traversal, separators and absolute names are refused", () => {
    const dir = "/tmp/results";
    expect(resultsPath(dir, "run-1", "shard-00001.jacobian.npy")).toBe("/tmp/results/run-1/shard-00001.jacobian.npy");
    for (const bad of ["..", "../x", "a/../../b", "/etc/passwd", "a/b", ""]) expect(() => resultsPath(dir, "run-1", bad)).toThrow(ResultsPathError);
    expect(() => resultsPath(dir, "..", "x.npy")).toThrow(ResultsPathError);
    expect(() => checkRunId("../run")).toThrow(OptionError);
    expect(() => checkRunId("a".repeat(81))).toThrow(OptionError);
    expect(checkRunId("run-2026.12_a")).toBe("run-2026.12_a");
  });
  test("atomic writes leave no temporary file; a shard whose bytes changed is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foliate-results-"));
    try {
      const bytes = new Uint8Array([1, 2, 3, 4]);
      await writeAtomic(resultsPath(dir, "r", "f.npy"), bytes);
      expect(readdirSync(join(dir, "r"))).toEqual(["f.npy"]);
      expect(new Uint8Array(readFileSync(join(dir, "r", "f.npy")))).toEqual(bytes);
      const file = { shard: 0, array: "a", file: "f.npy", sha256: sha256(bytes), shape: [4], dtype: "Uint8Array", bytes: 4 };
      expect(await readShardFile(dir, "r", file)).toEqual(bytes);
      await expect(readShardFile(dir, "r", { ...file, sha256: sha256(new Uint8Array([9])) })).rejects.toThrow(ResultsPathError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("payloads", () => {
  test("a shard naming a bundled dataset runs only where the worker's copy of the set hashes as the coordinator's did", async () => {
    const spectrum = jobKind("spectrum-shard");
    const model = randomMlp([64, 8, 3], 1);
    const set = await bundledPoints("glyphs:test:10");
    const ctx = { model: async () => model, engine: { dimSpectrum: async () => { throw new Error("must not compute"); } } } as never;
    const payload = { model: "a".repeat(64), n: 2, d: 64, data: "glyphs:test:10", start: 4, floor: -20 };
    await expect(spectrum.run({ ...payload, sha256: "0".repeat(64) }, ctx)).rejects.toBeInstanceOf(RunStateError);
    // The right hash passes the check and reaches the engine with rows 4..6 of the set.
    let seen: Float32Array | undefined;
    const engine = { dimSpectrum: async (_m: unknown, X: Float32Array) => { seen = X; throw new Error("stop"); } };
    await expect(spectrum.run({ ...payload, sha256: sha256(Buffer.from(set.X.buffer, set.X.byteOffset, set.X.byteLength)) }, { ...(ctx as object), engine } as never)).rejects.toThrow("stop");
    expect(Array.from(seen!)).toEqual(Array.from(set.X.subarray(4 * 64, 6 * 64)));
    await expect(spectrum.run({ ...payload, start: 9, sha256: sha256(Buffer.from(set.X.buffer, set.X.byteOffset, set.X.byteLength)) }, ctx)).rejects.toBeInstanceOf(ShapeError);
  });

  test("typed arrays travel bit for bit (NaN payloads, −0, subnormals)", () => {
    const a = new Float64Array([NaN, -0, 5e-324, 1 / 3, -Infinity]);
    const b = decodeArray(Float64Array, encodeArray(a), "a", 5);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(() => decodeArray(Float64Array, encodeArray(new Float32Array(3)), "a")).toThrow(ShapeError);
    expect(() => decodeArray(Float32Array, encodeArray(new Float32Array(3)), "a", 4)).toThrow(ShapeError);
  });
  test("payloads above the bound are refused with PayloadTooLargeError", () => {
    expect(() => checkPayloadSize({ X: "x".repeat(2000) }, "a payload", 1000)).toThrow(PayloadTooLargeError);
    expect(checkPayloadSize({ X: "x" }, "a payload", 1000)).toBe(9);
  });
  test("workers validate payloads: unknown kinds and malformed fields are OptionErrors (not retried)", () => {
    expect(() => jobKind("shell")).toThrow(OptionError);
    const spectrum = jobKind("spectrum-shard");
    const ref = `run-1:${"b".repeat(64)}`;
    expect(spectrum.validate({ model: "a".repeat(64), n: 2, d: 2, X: ref, floor: -20 })).toEqual({ model: "a".repeat(64), n: 2, d: 2, X: ref, floor: -20 });
    expect(() => spectrum.validate({ model: "x", n: 1, d: 1, X: ref, floor: -20 })).toThrow(/SHA-256/);
    // Points travel by reference (arrayStore.ts), never inline: base64 data or a path-like reference is refused.
    expect(() => spectrum.validate({ model: "a".repeat(64), n: 2, d: 2, X: encodeArray(new Float32Array(4)), floor: -20 })).toThrow(OptionError);
    expect(() => spectrum.validate({ model: "a".repeat(64), n: 2, d: 2, X: `..:${"b".repeat(64)}`, floor: -20 })).toThrow(OptionError);
    // Or a bundled dataset's name, a start row and the set's SHA-256.
    const named = { model: "a".repeat(64), n: 2, d: 64, data: "glyphs:test:10", start: 4, sha256: "c".repeat(64), floor: -20 };
    expect(spectrum.validate(named)).toEqual(named);
    expect(() => spectrum.validate({ ...named, start: 1.5 })).toThrow(OptionError);
    expect(() => spectrum.validate({ ...named, start: -64 })).toThrow(OptionError);
    expect(() => spectrum.validate({ ...named, sha256: "c" })).toThrow(OptionError);
    const ricci = jobKind("ricci-network");
    const ok = { dataset: "blobs", nTrain: 200, nTest: 200, dataSeed: 1, epochs: 30, ks: [10], mode: "directed", network: { hidden: [25], seed: 1 } };
    expect(ricci.validate(ok)).toEqual(ok);
    expect(() => ricci.validate({ ...ok, network: { hidden: [1e6], seed: 1 } })).toThrow(OptionError);
    expect(() => ricci.validate({ ...ok, dataset: "/etc/passwd" })).toThrow(OptionError);
    const map = jobKind("map-shard");
    expect(() => map.validate({ run: "../x", shard: 0, model: "a".repeat(64), op: "dim", n: 1, d: 1, X: ref, options: {} })).toThrow(OptionError);
    expect(() => map.validate({ run: "r", shard: 0, model: "a".repeat(64), op: "leaves", n: 1, d: 1, X: ref, directions: [1], options: {} })).toThrow(OptionError);
  });
  test("shards start on multiples of 64 and cover every point once", () => {
    expect(shardRanges(2000, 250)).toEqual([[0, 256], [256, 512], [512, 768], [768, 1024], [1024, 1280], [1280, 1536], [1536, 1792], [1792, 2000]]);
    expect(shardRanges(10, 1)).toEqual([[0, 10]]);
    expect(() => shardRanges(10, 0)).toThrow(OptionError);
  });
});
