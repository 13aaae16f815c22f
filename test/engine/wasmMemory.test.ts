/** requireWasmMemory: the 4 GiB wasm32 limit the analyses check their counted memory against. */
import { describe, expect, test } from "vitest";
import { OptionError } from "../../src/errors.js";
import { requireWasmMemory, WASM_BYTES } from "../../src/engine/wasmMemory.js";

describe("requireWasmMemory", () => {
  test("up to 2³² bytes passes; one byte more is an OptionError with the GiB to one decimal, what needs it and the advice", () => {
    expect(WASM_BYTES).toBe(4 * 1024 * 1024 * 1024);
    expect(() => requireWasmMemory(WASM_BYTES, () => "never", "never")).not.toThrow();
    expect(() => requireWasmMemory(WASM_BYTES + 1, (gib) => `x needs ${gib} GiB`, "try less")).toThrow(OptionError);
    expect(() => requireWasmMemory(WASM_BYTES + 1, (gib) => `x needs ${gib} GiB`, "try less")).toThrow(/^x needs 4\.0 GiB, more than the 4 GiB Wasm memory; try less$/);
    expect(() => requireWasmMemory(5 * 2 ** 30, (gib) => `layer "a" needs ${gib} GiB`, "choose a narrower node")).toThrow(
      'layer "a" needs 5.0 GiB, more than the 4 GiB Wasm memory; choose a narrower node',
    );
    // a size far past 2³² is refused as it is, not wrapped
    expect(() => requireWasmMemory(2 ** 60, (gib) => `${gib}`, "")).toThrow(/^1073741824\.0,/);
  });
});
