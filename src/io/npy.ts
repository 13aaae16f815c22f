/**
 * NumPy `.npy` files: read (format versions 1.0, 2.0, 3.0) and write (1.0), so Python users can hand arrays
 * to Foliate and take results back (`np.load` / `np.save`).
 *
 * Supported dtypes: `<f4` (Float32Array), `<f8` (Float64Array), `|u1` (Uint8Array), `<i4` (Int32Array), and
 * `<i8` on read only (into a Float64Array when every value is an exact double, |v| ≤ 2^53; else an error).
 * C order only. Big-endian data, Fortran order, structured and other dtypes are rejected with an
 * NpyFormatError saying what to do in NumPy.
 *
 * The header is a Python dict literal (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`); it is
 * parsed by the small strict parser below, never evaluated. The declared shape is checked against the byte
 * length before anything is allocated. No Node `Buffer`: works unchanged in browsers.
 */
import { FoliateError, ShapeError } from "../errors.js";

/** A `.npy` file is malformed, or uses a feature (dtype, byte order, Fortran order) Foliate does not read. */
export class NpyFormatError extends FoliateError {
  override readonly code = "NPY_FORMAT";
}

export type NpyDtype = "<f4" | "<f8" | "|u1" | "<i4" | "<i8";
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array;

export interface NpyArray {
  /** The values in C (row-major) order; `<i8` files come back as a Float64Array. */
  data: NpyData;
  /** `[]` for a 0-d array (one value). */
  shape: number[];
  /** The dtype as declared in the file. */
  dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** Same bound as NumPy's `max_header_size` default: a header cannot make the parser work on megabytes. */
export const NPY_MAX_HEADER_SIZE = 10000;

const ITEM_SIZE: Record<NpyDtype, number> = { "<f4": 4, "<f8": 8, "|u1": 1, "<i4": 4, "<i8": 8 };
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parse a `.npy` file.
 * @example
 * const { data, shape } = readNpy(new Uint8Array(await readFile("x.npy"))); // e.g. Float32Array(12), [3, 4]
 */
export function readNpy(bytes: Uint8Array): NpyArray {
  if (!(bytes instanceof Uint8Array)) throw new NpyFormatError(`readNpy expects a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new NpyFormatError(`not a .npy file: expected the magic string "\\x93NUMPY" at the start (${bytes.length} bytes)`);
  const major = bytes[6];
  const minor = bytes[7];
  if (![1, 2, 3].includes(major) || minor !== 0)
    throw new NpyFormatError(`unsupported .npy format version ${major}.${minor}: expected 1.0, 2.0 or 3.0`);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new NpyFormatError(`truncated .npy file: ${bytes.length} bytes, the header length is missing`);
  let headerLen = 0;
  for (let i = lenBytes - 1; i >= 0; i--) headerLen = headerLen * 256 + bytes[8 + i]; // little-endian uint16/uint32
  const headerStart = 8 + lenBytes;
  if (headerLen > NPY_MAX_HEADER_SIZE)
    throw new NpyFormatError(`.npy header declares ${headerLen} bytes, above the limit of ${NPY_MAX_HEADER_SIZE}`);
  if (headerStart + headerLen > bytes.length)
    throw new NpyFormatError(`truncated .npy file: the header declares ${headerLen} bytes but only ${bytes.length - headerStart} follow`);
  const header = parseHeader(bytes.subarray(headerStart, headerStart + headerLen));
  const dataStart = headerStart + headerLen;

  const count = elementCount(header.shape);
  const itemSize = ITEM_SIZE[header.dtype];
  const available = bytes.length - dataStart;
  if (available !== count * itemSize)
    throw new NpyFormatError(
      `.npy data size mismatch: shape (${header.shape.join(", ")}) of ${header.dtype} needs ${count * itemSize} bytes, the file holds ${available}`,
    );
  const body = bytes.subarray(dataStart);
  return { data: decodeData(body, header.dtype, count), shape: header.shape, dtype: header.dtype };
}

/**
 * Serialize `data` with `shape` as a `.npy` (format 1.0, C order, little-endian). The dtype follows the
 * array type: Float32Array → `<f4`, Float64Array → `<f8`, Uint8Array → `|u1`, Int32Array → `<i4`.
 * @example
 * writeNpy(new Float32Array([1, 2, 3, 4]), [2, 2]); // Uint8Array(144), readable by np.load
 */
export function writeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const dtype: NpyDtype | undefined =
    data instanceof Float32Array ? "<f4" : data instanceof Float64Array ? "<f8" : data instanceof Uint8Array ? "|u1" : data instanceof Int32Array ? "<i4" : undefined;
  if (!dtype) throw new ShapeError(`writeNpy expects a Float32Array, Float64Array, Uint8Array or Int32Array, got ${describe(data)}`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new ShapeError(`writeNpy: shape must be an array of non-negative integers, got [${String(shape)}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new ShapeError(`writeNpy: shape [${shape.join(", ")}] has ${count} elements, data has ${data.length}`);

  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces and a final newline so that magic + version + length + header is a multiple of 64 bytes.
  const headerLen = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  if (headerLen > 0xffff) throw new ShapeError(`writeNpy: a shape of ${shape.length} dimensions does not fit a format 1.0 header`);
  const itemSize = ITEM_SIZE[dtype];
  const out = new Uint8Array(10 + headerLen + count * itemSize);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  const header = dict.padEnd(headerLen - 1, " ") + "\n";
  for (let i = 0; i < headerLen; i++) out[10 + i] = header.charCodeAt(i);
  encodeData(data, out.subarray(10 + headerLen));
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) throw new NpyFormatError(`.npy shape (${shape.join(", ")}) has too many elements`);
  }
  return count;
}

function decodeData(body: Uint8Array, dtype: NpyDtype, count: number): NpyData {
  if (dtype === "|u1") return body.slice();
  if (dtype === "<i8") {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const v = view.getBigInt64(8 * i, true);
      if (v > 9007199254740992n || v < -9007199254740992n)
        throw new NpyFormatError(`.npy <i8 value ${v} at index ${i} is not exactly representable as a float64 (|v| > 2^53)`);
      out[i] = Number(v);
    }
    return out;
  }
  if (LITTLE_ENDIAN_HOST) {
    const copy = body.slice().buffer; // fresh, aligned
    return dtype === "<f4" ? new Float32Array(copy) : dtype === "<f8" ? new Float64Array(copy) : new Int32Array(copy);
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (dtype === "<f4") return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
  if (dtype === "<f8") return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, true));
  return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
}

function encodeData(data: NpyData, out: Uint8Array): void {
  if (data instanceof Uint8Array || LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else if (data instanceof Float64Array) data.forEach((v, i) => view.setFloat64(8 * i, v, true));
  else data.forEach((v, i) => view.setInt32(4 * i, v, true));
}

// ---- the header: a strict parser for the one Python dict literal NumPy writes ------------------------------

interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
}

type Token = { kind: "punct"; text: string } | { kind: "string"; text: string } | { kind: "name"; text: string } | { kind: "int"; value: number };

function tokenize(header: Uint8Array): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = header.length;
  const fail = (what: string): never => {
    throw new NpyFormatError(`malformed .npy header at byte ${i}: ${what}`);
  };
  while (i < n) {
    const c = header[i];
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      i++;
    } else if ("{}():,[]".includes(String.fromCharCode(c))) {
      tokens.push({ kind: "punct", text: String.fromCharCode(c) });
      i++;
    } else if (c === 0x27 || c === 0x22) {
      // 'text' or "text": printable ASCII, no escapes (NumPy's keys and dtype strings never need them)
      let j = i + 1;
      while (j < n && header[j] !== c) {
        if (header[j] < 0x20 || header[j] > 0x7e || header[j] === 0x5c) fail("unsupported character in a string literal");
        j++;
      }
      if (j >= n) fail("unterminated string literal");
      tokens.push({ kind: "string", text: String.fromCharCode(...header.subarray(i + 1, j)) });
      i = j + 1;
    } else if (c >= 0x30 && c <= 0x39) {
      let j = i;
      while (j < n && header[j] >= 0x30 && header[j] <= 0x39) j++;
      if (j - i > 16) fail("integer literal too long");
      const value = Number(String.fromCharCode(...header.subarray(i, j)));
      if (j < n && (header[j] === 0x4c || header[j] === 0x6c)) j++; // Python 2 long suffix: (3L, 4L)
      tokens.push({ kind: "int", value });
      i = j;
    } else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) {
      let j = i;
      while (j < n && ((header[j] >= 0x41 && header[j] <= 0x5a) || (header[j] >= 0x61 && header[j] <= 0x7a) || header[j] === 0x5f)) j++;
      tokens.push({ kind: "name", text: String.fromCharCode(...header.subarray(i, j)) });
      i = j;
    } else {
      fail(`unexpected character ${c < 0x20 || c > 0x7e ? `0x${c.toString(16)}` : `'${String.fromCharCode(c)}'`}`);
    }
  }
  return tokens;
}

function parseHeader(header: Uint8Array): NpyHeader {
  const tokens = tokenize(header);
  let p = 0;
  const fail = (what: string): never => {
    throw new NpyFormatError(`malformed .npy header: ${what} (header: ${JSON.stringify(String.fromCharCode(...header.subarray(0, 200)))})`);
  };
  const next = (): Token => (p < tokens.length ? tokens[p++] : fail("unexpected end of the header"));
  const isPunct = (t: Token | undefined, s: string) => t !== undefined && t.kind === "punct" && t.text === s;
  const expectPunct = (s: string) => {
    const t = next();
    if (!isPunct(t, s)) fail(`expected '${s}'`);
  };

  const fields = new Map<string, Token | number[]>();
  expectPunct("{");
  while (!isPunct(tokens[p], "}")) {
    const key = next();
    if (key.kind !== "string") fail("expected a quoted key");
    const name = (key as { text: string }).text;
    if (!["descr", "fortran_order", "shape"].includes(name)) fail(`unexpected key '${name}': expected 'descr', 'fortran_order' and 'shape'`);
    if (fields.has(name)) fail(`duplicate key '${name}'`);
    expectPunct(":");
    if (name === "shape") {
      expectPunct("(");
      const dims: number[] = [];
      while (!isPunct(tokens[p], ")")) {
        const t = next();
        if (t.kind !== "int") fail("expected a non-negative integer in 'shape'");
        dims.push((t as { value: number }).value);
        if (isPunct(tokens[p], ",")) p++;
        else if (!isPunct(tokens[p], ")")) fail("expected ',' or ')' in 'shape'");
      }
      p++;
      if (dims.length > 64) fail(`'shape' has ${dims.length} dimensions, above NumPy's 64`);
      fields.set(name, dims);
    } else {
      const value = next();
      if (isPunct(value, "[")) fail("structured dtypes are not supported");
      fields.set(name, value);
    }
    if (isPunct(tokens[p], ",")) p++;
    else if (!isPunct(tokens[p], "}")) fail("expected ',' or '}' after a value");
  }
  p++;
  if (p !== tokens.length) fail("unexpected text after the closing '}'");

  const descr = fields.get("descr") as Token | undefined;
  const fortran = fields.get("fortran_order") as Token | undefined;
  const shape = fields.get("shape") as number[] | undefined;
  if (!descr || !fortran || !shape) fail("missing key: 'descr', 'fortran_order' and 'shape' are required");
  if (fortran!.kind !== "name" || !["True", "False"].includes(fortran!.text)) fail("'fortran_order' must be True or False");
  if ((fortran as { text: string }).text === "True")
    throw new NpyFormatError(".npy array is in Fortran (column-major) order; Foliate reads C order only: save np.ascontiguousarray(a)");
  if (descr!.kind !== "string") fail("'descr' must be a dtype string (structured dtypes are not supported)");
  return { dtype: checkDtype((descr as { text: string }).text), shape: shape! };
}

function checkDtype(descr: string): NpyDtype {
  if (descr === "<u1" || descr === ">u1") return "|u1";
  if (descr === "<f4" || descr === "<f8" || descr === "|u1" || descr === "<i4" || descr === "<i8") return descr;
  if (/^>[fiuc]\d+$/.test(descr))
    throw new NpyFormatError(`.npy dtype '${descr}' is big-endian; Foliate reads little-endian: save a.astype(a.dtype.newbyteorder('<'))`);
  throw new NpyFormatError(`unsupported .npy dtype '${descr}': expected '<f4', '<f8', '|u1', '<i4' or '<i8'`);
}
