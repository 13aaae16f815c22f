import { describe, expect, test } from "vitest";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { loadDataset, parseIdx, DatasetError } from "../../src/data/datasets.js";
import { invertImages, rotateImages, uniformNoise } from "../../src/data/generated.js";
import { OptionError } from "../../src/errors.js";

const dataDir = new URL("../../data/", import.meta.url);

describe("loadDataset: the committed subsets", () => {
  test.each([
    ["mnist:train", 8000],
    ["mnist:test", 2000],
    ["fashion:train", 2000],
    ["fashion:test", 2000],
  ] as const)("%s: %i images of 28×28×1 in [0, 1], labels 0..9 with every class present", async (name, count) => {
    const ds = await loadDataset(name);
    expect(ds.n).toBe(count);
    expect(ds.shape).toEqual([28, 28, 1]);
    expect(ds.X.length).toBe(count * 784);
    expect(ds.labels.length).toBe(count);
    let lo = Infinity, hi = -Infinity;
    for (const v of ds.X) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    const perClass = new Array(10).fill(0);
    for (const y of ds.labels) perClass[y]++;
    expect(perClass.every((c) => c >= count / 20)).toBe(true); // roughly balanced, ≥ half the even share
    expect(ds.labelled).toBe(true);
  });

  test("pixels are the IDX bytes / 255 (independent parse with node:zlib); limit keeps the first images", async () => {
    const raw = gunzipSync(readFileSync(new URL("mnist-test-images.idx.gz", dataDir)));
    expect(raw.readUInt32BE(0)).toBe(0x803);
    const labels = readFileSync(new URL("mnist-test-labels.idx", dataDir));
    const ds = await loadDataset("mnist:test", { limit: 7 });
    expect(ds.n).toBe(7);
    for (let i = 0; i < 7 * 784; i++) expect(ds.X[i]).toBe(Math.fround(raw[16 + i] / 255));
    for (let i = 0; i < 7; i++) expect(ds.labels[i]).toBe(labels[8 + i]);
  });

  test("MNIST train and test share no image", async () => {
    const tr = await loadDataset("mnist:train");
    const te = await loadDataset("mnist:test");
    const key = (X: Float32Array, i: number) => Array.from(X.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)).join(",");
    const seen = new Set<string>();
    for (let i = 0; i < tr.n; i++) seen.add(key(tr.X, i));
    let shared = 0;
    for (let i = 0; i < te.n; i++) if (seen.has(key(te.X, i))) shared++;
    expect(shared).toBe(0);
  });

  test("generated sets: inverted is 1 − x, rotated by 0° is the identity, noise is seeded", async () => {
    const m = await loadDataset("mnist:test", { limit: 20 });
    const inv = await loadDataset("mnist-inverted:test", { limit: 20 });
    for (let i = 0; i < m.X.length; i++) expect(inv.X[i]).toBeCloseTo(1 - m.X[i], 6);
    expect(Array.from(inv.labels)).toEqual(Array.from(m.labels));
    const rot0 = await loadDataset("mnist-rotated:test", { limit: 20, angle: 0 });
    expect(Array.from(rot0.X)).toEqual(Array.from(m.X));
    const a = await loadDataset("noise", { limit: 30, seed: 5 });
    const b = await loadDataset("noise", { limit: 30, seed: 5 });
    const c = await loadDataset("noise", { limit: 30, seed: 6 });
    expect(Array.from(a.X)).toEqual(Array.from(b.X));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.X)).not.toEqual(Array.from(c.X));
    expect(a.labelled).toBe(false);
    expect(a.X.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  test("bad names, limits and folders throw typed errors", async () => {
    await expect(loadDataset("cifar:test" as never)).rejects.toThrow(OptionError);
    await expect(loadDataset("mnist:test", { limit: -1 })).rejects.toThrow(OptionError);
    await expect(loadDataset("mnist:test", { dataUrl: "/nonexistent/folder" })).rejects.toThrow(DatasetError);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]), "x")).toThrow(DatasetError);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1]), "x")).toThrow(/need 13 bytes/);
  });
});

describe("generators", () => {
  test("uniformNoise is deterministic per seed and different across seeds", () => {
    expect(Array.from(uniformNoise(3, 10, 9))).toEqual(Array.from(uniformNoise(3, 10, 9)));
    expect(Array.from(uniformNoise(3, 10, 9))).not.toEqual(Array.from(uniformNoise(3, 10, 10)));
  });

  test("rotation: 90° counter-clockwise moves the top-middle pixel to the middle-left; four turns are the identity", () => {
    const img = new Float32Array(9);
    img[1] = 1; // row 0, column 1
    const r = rotateImages(img, 3, 3, 90);
    const expected = new Float32Array(9);
    expected[3] = 1; // row 1, column 0
    expect(Array.from(r)).toEqual(Array.from(expected));
    const X = uniformNoise(2, 28 * 28, 3);
    let y = X;
    for (let k = 0; k < 4; k++) y = rotateImages(y, 28, 28, 90);
    expect(Array.from(y)).toEqual(Array.from(X));
    expect(Array.from(rotateImages(X, 28, 28, 180))).toEqual(Array.from(rotateImages(rotateImages(X, 28, 28, 90), 28, 28, 90)));
  });

  test("rotation by 45°: bilinear value at a hand-computed pixel; the centre pixel is fixed", () => {
    // 3×3 image with a ramp x[r][c] = c. Output (0,1): offset (0, −1) rotated back by 45° reads the source at
    // (sx, sy) = (1 + sin45, 1 − cos45) = (1.7071, 0.2929): bilinear of the ramp gives 1.7071 · (weight inside).
    const img = Float32Array.from({ length: 9 }, (_, i) => i % 3);
    const out = rotateImages(img, 3, 3, 45);
    expect(out[4]).toBeCloseTo(1, 6);
    const s = Math.SQRT1_2;
    expect(out[1]).toBeCloseTo(1 + s, 5); // all four neighbours inside: bilinear reproduces the linear ramp
    expect(Array.from(invertImages(Float32Array.of(0, 0.25, 1)))).toEqual([1, 0.75, 0]);
  });
});

describe("loadDataset over http (the browser path: fetch + DecompressionStream)", () => {
  test("serves data/ from a local server and reads the same images", async () => {
    const { createServer } = await import("node:http");
    const { readFile } = await import("node:fs/promises");
    const server = createServer(async (req, res) => {
      try {
        res.end(await readFile(new URL(`.${req.url}`, dataDir)));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const remote = await loadDataset("fashion:test", { limit: 5, dataUrl: `http://127.0.0.1:${port}/` });
      const local = await loadDataset("fashion:test", { limit: 5 });
      expect(Array.from(remote.X)).toEqual(Array.from(local.X));
      expect(Array.from(remote.labels)).toEqual(Array.from(local.labels));
      await expect(loadDataset("mnist:test", { dataUrl: `http://127.0.0.1:${port}/missing/` })).rejects.toThrow(/HTTP 404/);
    } finally {
      server.close();
    }
  });
});
