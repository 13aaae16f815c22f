import { describe, expect, it } from "vitest";
import { base64LengthForFloat32, decodeFloat32Base64, encodeFloat32Base64, float32CountOfBase64 } from "../../src/model/base64.js";
import { FoliateError, ModelFormatError } from "../../src/errors.js";
import { mulberry32 } from "../reference/seeded.js";

/** Independent reference: Node's Buffer on a little-endian byte copy. */
function bufferBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return Buffer.from(bytes).toString("base64");
}

describe("base64 float32 codec", () => {
  it("encodes known values little-endian", () => {
    expect(encodeFloat32Base64([1])).toBe("AACAPw=="); // 1.0f = 0x3F800000 → bytes 00 00 80 3F
    expect(encodeFloat32Base64([])).toBe("");
    expect(Array.from(decodeFloat32Base64("AACAPw=="))).toEqual([1]);
    expect(Array.from(decodeFloat32Base64(""))).toEqual([]);
  });

  it("matches Buffer's base64 and round-trips every length 0..40 (all padding cases)", () => {
    const rand = mulberry32(7);
    for (let n = 0; n <= 40; n++) {
      const v = new Float32Array(n).map(() => (rand() - 0.5) * 10 ** Math.floor(rand() * 20 - 10));
      const text = encodeFloat32Base64(v);
      expect(text).toBe(bufferBase64(v));
      expect(text.length).toBe(base64LengthForFloat32(n));
      expect(float32CountOfBase64(text)).toBe(n);
      expect(decodeFloat32Base64(text)).toEqual(v);
    }
  });

  it("preserves special values bit-exactly (−0, subnormals, extremes)", () => {
    const v = Float32Array.of(-0, 1e-45, -1.1754942e-38, 3.4028235e38, -3.4028235e38, Math.fround(Math.PI));
    const back = decodeFloat32Base64(encodeFloat32Base64(v));
    expect(Object.is(back[0], -0)).toBe(true);
    expect(Array.from(back)).toEqual(Array.from(v));
  });

  it("rounds float64 inputs to float32", () => {
    expect(decodeFloat32Base64(encodeFloat32Base64([0.1]))[0]).toBe(Math.fround(0.1));
  });

  it("rejects bad lengths, partial values and characters outside the alphabet with ModelFormatError", () => {
    const bad: [string, RegExp][] = [
      ["AACAP", /5 characters, not a multiple of 4/],
      ["AACA", /3 bytes, not a whole number of float32/],
      ["AAC*Pw==", /invalid character "\*" at position 3/],
      ["AACA=w==", /invalid character "=" at position 4/],
      ["AACAPw=é", /not a whole number|invalid character/],
    ];
    for (const [text, msg] of bad) {
      let err: unknown;
      try {
        decodeFloat32Base64(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(ModelFormatError);
      expect(err).toBeInstanceOf(FoliateError);
      expect((err as Error).message).toMatch(msg);
    }
  });
});
