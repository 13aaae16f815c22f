/** Shard arrays in Redis (src/distributed/arrayStore.ts): bit-exact round trip, checked length and hash, removal. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { Redis } from "ioredis";
import { startRedis, type RedisServer } from "../support/redis.js";
import { ArrayWriter, getArray } from "../../src/distributed/arrayStore.js";
import { PayloadTooLargeError, RunStateError } from "../../src/distributed/errors.js";
import { MAX_PAYLOAD_BYTES } from "../../src/distributed/codec.js";
import { OptionError } from "../../src/errors.js";

let redis: RedisServer;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

test("arrays travel bit for bit (NaN payloads, −0, subnormals), from a view at any offset", async () => {
  const w = new ArrayWriter(client, "run-a");
  const big = new Float64Array([1, NaN, -0, 5e-324, -Infinity, 1 / 3, 7]);
  const view = big.subarray(1, 6);
  const f32 = Float32Array.from([0.1, -0, 3e-45]);
  const r64 = w.put(view, "view"), r32 = w.put(f32, "f32");
  expect(w.put(Float64Array.from(view), "same bytes")).toBe(r64); // content-addressed within the run: stored once
  await w.flush();
  const back = await getArray(client, r64, Float64Array, 5, "view");
  expect(Buffer.from(back.buffer).equals(Buffer.from(view.buffer, view.byteOffset, view.byteLength))).toBe(true);
  expect(Buffer.from((await getArray(client, r32, Float32Array, 3, "f32")).buffer).equals(Buffer.from(f32.buffer))).toBe(true);
  await expect(getArray(client, r64, Float64Array, 4, "view")).rejects.toBeInstanceOf(OptionError); // wrong length
  await expect(getArray(client, r64, Float32Array, 10, "view")).resolves.toHaveLength(10); // same bytes as float32: the caller's type decides
  await expect(getArray(client, "../etc:" + "0".repeat(64), Float64Array, 1, "bad")).rejects.toBeInstanceOf(OptionError);
  await client.set(`foliate:array:${r32}`, Buffer.from(new Float32Array([1, 2, 3]).buffer));
  await expect(getArray(client, r32, Float32Array, 3, "f32")).rejects.toThrow(/does not match its hash/);
  await w.remove();
  await expect(getArray(client, r64, Float64Array, 5, "view")).rejects.toBeInstanceOf(RunStateError);
});

test("arrays above the payload bound are refused before anything is sent", () => {
  const w = new ArrayWriter(client, "run-b");
  expect(() => w.put(new Float32Array(MAX_PAYLOAD_BYTES / 4 + 1), "points")).toThrow(PayloadTooLargeError);
  expect(() => new ArrayWriter(client, "../x")).toThrow(OptionError);
});
