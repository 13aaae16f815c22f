import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readNpy, writeNpy, NpyFormatError, NPY_MAX_HEADER_SIZE } from "../../src/io/npy.js";
import { FoliateError, ShapeError } from "../../src/errors.js";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/npy/${name}`, import.meta.url)));
const pytorchFixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/onnx-pytorch/${name}`, import.meta.url)));

/** A .npy file with an arbitrary header text (padded like NumPy's) and body. */
function npyWithHeader(header: string, body: Uint8Array, version = 1): Uint8Array {
  const lenBytes = version === 1 ? 2 : 4;
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + lenBytes + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  new DataView(out.buffer).setUint32(8, text.length, true);
  if (lenBytes === 2) new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(text, 8 + lenBytes);
  out.set(body, 8 + lenBytes + text.length);
  return out;
}

describe("readNpy on files written by NumPy", () => {
  it("reads <f4 (3, 4) with the values NumPy wrote", () => {
    const { data, shape, dtype } = readNpy(fixture("f4_3x4.npy"));
    expect(dtype).toBe("<f4");
    expect(shape).toEqual([3, 4]);
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data)).toEqual(Array.from({ length: 12 }, (_, i) => i / 8 - 0.5));
  });

  it("reads format versions 2.0 and 3.0 identically to 1.0", () => {
    const v1 = readNpy(fixture("f4_3x4.npy"));
    const b2 = fixture("f4_3x4_v2.npy");
    const b3 = fixture("f4_3x4_v3.npy");
    expect([b2[6], b3[6]]).toEqual([2, 3]);
    for (const b of [b2, b3]) expect(readNpy(b)).toEqual(v1);
  });

  it("reads <f8, |u1, <i4, <i8, 0-d and empty arrays", () => {
    const f8 = readNpy(fixture("f8_2x3x2.npy"));
    expect(f8.shape).toEqual([2, 3, 2]);
    expect(f8.data).toBeInstanceOf(Float64Array);
    Array.from(f8.data).forEach((v, i) => expect(v).toBeCloseTo(-1 + (2 * i) / 11, 15));

    const u1 = readNpy(fixture("u1_5.npy"));
    expect(u1.dtype).toBe("|u1");
    expect(u1.data).toEqual(new Uint8Array([0, 1, 127, 128, 255]));

    const i4 = readNpy(fixture("i4_2x2.npy"));
    expect(i4.data).toEqual(new Int32Array([-2147483648, -1, 0, 2147483647]));

    const i8 = readNpy(fixture("i8_4.npy"));
    expect(i8.dtype).toBe("<i8");
    expect(i8.data).toEqual(new Float64Array([-(2 ** 53), -1, 0, 2 ** 53]));

    const scalar = readNpy(fixture("f8_scalar.npy"));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([3.25]);

    const empty = readNpy(fixture("f4_empty_0x3.npy"));
    expect(empty.shape).toEqual([0, 3]);
    expect(empty.data.length).toBe(0);
  });

  it("reads the PyTorch reference arrays with the manifest's shapes", () => {
    const manifest = JSON.parse(readFileSync(new URL("../fixtures/onnx-pytorch/manifest.json", import.meta.url), "utf8"));
    for (const [name, m] of Object.entries<any>(manifest)) {
      expect(readNpy(pytorchFixture(`${name}.inputs.npy`)).shape).toEqual([m.n, ...m.input_shape_nchw]);
      expect(readNpy(pytorchFixture(`${name}.outputs.npy`)).shape).toEqual(m.outputs);
      const j = readNpy(pytorchFixture(`${name}.jacobians.npy`));
      expect(j.shape).toEqual(m.jacobians);
      expect(j.dtype).toBe("<f8");
    }
  });

  it("rejects what it does not read, saying why", () => {
    const cases: [string, RegExp][] = [
      ["f4_fortran.npy", /Fortran.*ascontiguousarray/],
      ["f4_bigendian.npy", /big-endian.*'>f4'|'>f4'.*big-endian/],
      ["c16_complex.npy", /unsupported \.npy dtype '<c16'/],
      ["structured.npy", /structured dtypes are not supported/],
      ["i8_big.npy", /not exactly representable/],
    ];
    for (const [name, message] of cases) {
      expect(() => readNpy(fixture(name)), name).toThrow(NpyFormatError);
      expect(() => readNpy(fixture(name)), name).toThrow(message);
    }
  });
});

describe("writeNpy", () => {
  it("writes byte-for-byte what NumPy writes (format 1.0, 64-byte aligned header)", () => {
    const f4 = readNpy(fixture("f4_3x4.npy"));
    expect(writeNpy(f4.data, f4.shape)).toEqual(fixture("f4_3x4.npy"));
    for (const name of ["f8_2x3x2.npy", "u1_5.npy", "i4_2x2.npy", "f8_scalar.npy", "f4_empty_0x3.npy"]) {
      const a = readNpy(fixture(name));
      expect(writeNpy(a.data, a.shape), name).toEqual(fixture(name));
    }
  });

  it("round-trips every dtype and rank (property)", () => {
    const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });
    fc.assert(
      fc.property(shapeArb, fc.constantFrom("f4", "f8", "u1", "i4"), fc.integer(), (shape, kind, seed) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, (_, i) => Math.sin(seed + i) * 1000);
        const data =
          kind === "f4" ? Float32Array.from(values) : kind === "f8" ? Float64Array.from(values) : kind === "u1" ? Uint8Array.from(values) : Int32Array.from(values);
        const bytes = writeNpy(data, shape);
        expect((10 + (bytes[8] | (bytes[9] << 8))) % 64).toBe(0);
        const back = readNpy(bytes);
        expect(back.shape).toEqual(shape);
        expect(back.data).toEqual(data);
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it("rejects a shape that does not match the data, and unsupported arrays", () => {
    expect(() => writeNpy(new Float32Array(6), [4, 2])).toThrow(ShapeError);
    expect(() => writeNpy(new Float32Array(6), [4, 2])).toThrow(/\[4, 2\] has 8 elements, data has 6/);
    expect(() => writeNpy(new Float32Array(2), [-1, -2])).toThrow(ShapeError);
    expect(() => writeNpy(new Float32Array(2), [2.5])).toThrow(ShapeError);
    expect(() => writeNpy(new Int16Array(2) as any, [2])).toThrow(/Int16Array/);
  });
});

describe("readNpy on malformed files", () => {
  const valid = fixture("f4_3x4.npy");
  const body = valid.subarray(128);

  it("rejects each hand-made defect with an NpyFormatError", () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /magic/],
      [new TextEncoder().encode("PK\x03\x04 not npy at all"), /magic/],
      [Uint8Array.of(...valid.subarray(0, 6), 4, 0, 0, 0), /version 4\.0/],
      [valid.subarray(0, 9), /truncated|magic/],
      [valid.subarray(0, 60), /truncated.*header declares 118/],
      [valid.subarray(0, 175), /needs 48 bytes, the file holds 47/],
      [Uint8Array.of(...valid, 0), /needs 48 bytes, the file holds 49/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'extra': 1}", body), /unexpected key 'extra'/],
      [npyWithHeader("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)}", body), /duplicate key 'descr'/],
      [npyWithHeader("{'descr': '<f4', 'shape': (3, 4)}", body), /missing key/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 4)}", body), /True or False/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -4)}", body), /unexpected character '-'/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4.0)}", body), /unexpected character '\.'/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': [3, 4]}", body), /expected '\('/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3 4)}", body), /expected ',' or '\)'/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)", body), /expected ',' or '}' after a value/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)} x", body), /after the closing/],
      [npyWithHeader("{'descr': '<f4\\x', 'fortran_order': False, 'shape': (3, 4)}", body), /string literal/],
      [npyWithHeader("{'descr': __import__('os'), 'fortran_order': False, 'shape': (3, 4)}", body), /expected ',' or '}'/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999, 4)}", body), /integer literal too long|too many|mismatch/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", body), /too many elements/],
      [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000)}", body), /needs 4000000000000 bytes/],
      [npyWithHeader(" ".repeat(NPY_MAX_HEADER_SIZE + 1), body, 2), /above the limit/],
    ];
    cases.forEach(([bytes, message], i) => {
      expect(() => readNpy(bytes), `case ${i}`).toThrow(NpyFormatError);
      expect(() => readNpy(bytes), `case ${i}`).toThrow(message);
    });
  });

  it("accepts Python-2-era headers (3L, 4L), double quotes and no trailing commas", () => {
    const a = readNpy(npyWithHeader('{"descr": "<f4", "fortran_order": False, "shape": (3L, 4L)}\n', body));
    expect(a.shape).toEqual([3, 4]);
    expect(a.data).toEqual(readNpy(valid).data);
  });

  it("fuzz: any truncation of a valid file is rejected with a FoliateError", () => {
    for (const name of ["f4_3x4.npy", "f4_3x4_v2.npy", "u1_5.npy", "f8_scalar.npy"]) {
      const bytes = fixture(name);
      for (let len = 0; len < bytes.length; len++) expect(() => readNpy(bytes.subarray(0, len)), `${name}[0, ${len})`).toThrow(FoliateError);
    }
  });

  it("fuzz: garbled headers either parse consistently or throw a FoliateError, never anything else", () => {
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 127 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat({ max: 175 }),
        (edits, cut) => {
          const bytes = valid.slice(0, Math.max(cut, 128)); // the whole header, and some or all of the body
          for (const [at, value] of edits) bytes[at] = value;
          try {
            const { data, shape } = readNpy(bytes);
            expect(data.length).toBe(shape.reduce((a, b) => a * b, 1));
          } catch (e) {
            if (!(e instanceof FoliateError)) throw e;
            rejected++;
          }
        },
      ),
      { numRuns: 400, seed: 7 },
    );
    expect(rejected).toBeGreaterThan(300);
  });

  it("fuzz: random header texts drawn from the header's own alphabet never escape as non-Foliate errors", () => {
    const alphabet = fc.constantFrom(..."{}()[]:,'\" 0123456789LTrueFalsdcpohf<|>48ui_-\n\\".split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), (chars) => {
        try {
          readNpy(npyWithHeader(chars.join(""), body));
        } catch (e) {
          if (!(e instanceof FoliateError)) throw e;
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
