/** src/model/modelDocument.ts: gzip detection and both inflaters (node:zlib, DecompressionStream), cache entries. */
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { gunzipIfCompressed, gunzipStream, isGzip, modelDocument } from "../../src/model/modelDocument.js";
import { ModelLoadError } from "../../src/errors.js";

const text = JSON.stringify({ format: "foliate-model", version: 1, inputShape: [2], layers: Array.from({ length: 50 }, () => ({ type: "relu" })) });
const bytes = new TextEncoder().encode(text);

describe("modelDocument", () => {
  test("the magic bytes decide, not the name", () => {
    expect(isGzip(gzipSync(bytes))).toBe(true);
    expect(isGzip(bytes)).toBe(false);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
  });

  test("node:zlib and DecompressionStream inflate to the original bytes", async () => {
    const gz = new Uint8Array(gzipSync(bytes));
    expect(new TextDecoder().decode(await gunzipIfCompressed(gz, "x"))).toBe(text);
    expect(new TextDecoder().decode(await gunzipStream(gz, 1 << 20))).toBe(text);
    expect(await gunzipIfCompressed(bytes, "x")).toBe(bytes); // not gzip: passed through
  });

  test("both inflaters stop at the limit", async () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array(1 << 20)));
    await expect(gunzipIfCompressed(gz, "big.json.gz", 1000)).rejects.toThrow(ModelLoadError);
    await expect(gunzipIfCompressed(gz, "big.json.gz", 1000)).rejects.toThrow(/could not decompress big\.json\.gz \(gzip, at most 1000 bytes/);
    await expect(gunzipStream(gz, 1000)).rejects.toThrow(/exceeds 1000 bytes/);
  });

  test("a cache entry gives its model; plain documents and unparsable text pass through", () => {
    const model = JSON.parse(text);
    expect(modelDocument(JSON.stringify({ recipe: { id: "moons" }, quick: true, training: {}, model }))).toEqual(model);
    expect(modelDocument({ recipe: {}, model })).toBe(model);
    expect(modelDocument(text)).toEqual(model);
    expect(modelDocument("{ not json")).toBe("{ not json");
    expect(modelDocument({ model: 3 })).toEqual({ model: 3 }); // not a cache entry: fromJSON reports it
  });
});
