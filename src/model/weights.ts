/**
 * Reading untrusted weight arrays and bounding untrusted documents, for the model parsers.
 * Every count is checked by arithmetic before anything is allocated; every failure is a FoliateError whose
 * message starts with the caller's context (e.g. `layer 2 (dense): field "kernel"`).
 */
import { ModelFormatError, NonFiniteError } from "../errors.js";
import { base64LengthForFloat32, decodeFloat32Base64, float32CountOfBase64 } from "./base64.js";
import { LIMITS } from "./types.js";

/** JSON-ish description of a value, for messages: `a string`, `an array of 3`, `null`, `the number -2`. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing (the field is missing)";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength}`;
  switch (typeof v) {
    case "string":
      return v.length > 40 ? `a string of ${v.length} characters` : `the string ${JSON.stringify(v)}`;
    case "number":
      return `the number ${v}`;
    case "boolean":
      return `${v}`;
    case "object":
      return "an object";
    default:
      return `a ${typeof v}`;
  }
}

/** Shape of a weight field: its name, dimension names and sizes (e.g. in×units = 16×20). */
export interface WeightShape {
  dims: readonly number[];
  dimNames: readonly string[];
}

function expectedText(shape: WeightShape, count: number): string {
  if (shape.dims.length === 1) return `${shape.dimNames[0]} = ${count}`;
  return `${shape.dimNames.join("×")} = ${shape.dims.join("×")} = ${count}`;
}

function isNumericTypedArray(v: unknown): v is Float32Array | Float64Array | Int32Array | Uint8Array {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

/**
 * Read a weight array of the given shape from an untrusted value: a flat number array, arrays nested exactly
 * along `dims`, a numeric typed array, or a base64 little-endian float32 string. The caller has checked that
 * the element count is within LIMITS. Returns a fresh Float64Array (row-major along `dims`).
 */
export function readWeights(ctx: string, value: unknown, shape: WeightShape): Float64Array {
  const count = shape.dims.reduce((a, b) => a * b, 1);
  const expected = expectedText(shape, count);
  if (typeof value === "string") {
    const needed = base64LengthForFloat32(count);
    if (value.length !== needed) {
      let holds = "";
      try {
        holds = ` (${float32CountOfBase64(value)} float32 values)`;
      } catch {
        holds = "";
      }
      throw new ModelFormatError(`${ctx} is a base64 string of ${value.length} characters${holds}, expected ${needed} characters for ${expected} float32 values`);
    }
    let decoded: Float32Array;
    try {
      decoded = decodeFloat32Base64(value);
    } catch (e) {
      throw new ModelFormatError(`${ctx}: ${(e as Error).message}`);
    }
    if (decoded.length !== count) throw new ModelFormatError(`${ctx} decodes to ${decoded.length} float32 values, expected ${expected}`);
    return checkFinite(ctx, Float64Array.from(decoded));
  }
  if (isNumericTypedArray(value)) {
    if (value.length !== count) throw new ModelFormatError(`${ctx} has ${value.length} values, expected ${expected}`);
    return checkFinite(ctx, Float64Array.from(value));
  }
  if (!Array.isArray(value)) throw new ModelFormatError(`${ctx} must be a number array, nested arrays or a base64 string; got ${describeValue(value)}`);
  const nested = shape.dims.length > 1 && value.length === shape.dims[0] && Array.isArray(value[0]);
  if (!nested && value.length !== count) {
    const dims = shape.dims.length > 1 ? ` (or nested arrays of shape [${shape.dims.join(", ")}])` : "";
    throw new ModelFormatError(`${ctx} has ${value.length} values, expected ${expected}${dims}`);
  }
  const out = new Float64Array(count); // row-major along dims
  if (nested) readNested(ctx, value, shape.dims, 0, [], out, { k: 0 });
  else for (let k = 0; k < count; k++) out[k] = numberAt(ctx, value[k], k, `[${k}]`);
  return out;
}

function numberAt(ctx: string, v: unknown, flatIndex: number, path: string): number {
  if (typeof v !== "number") throw new ModelFormatError(`${ctx}: entry ${path} must be a number, got ${describeValue(v)}`);
  if (!Number.isFinite(v)) throw new NonFiniteError(`${ctx} has a non-finite value ${v} at flat index ${flatIndex} (entry ${path})`);
  return v;
}

function readNested(ctx: string, arr: unknown, dims: readonly number[], level: number, path: number[], out: Float64Array, pos: { k: number }): void {
  const where = path.map((p) => `[${p}]`).join("");
  if (!Array.isArray(arr)) throw new ModelFormatError(`${ctx}: entry ${where} must be an array of ${dims[level]}, got ${describeValue(arr)}`);
  if (arr.length !== dims[level])
    throw new ModelFormatError(`${ctx}: entry ${where || "(top)"} has ${arr.length} entries, expected ${dims[level]} (nested shape [${dims.join(", ")}])`);
  if (level === dims.length - 1) {
    for (let j = 0; j < arr.length; j++) {
      out[pos.k] = numberAt(ctx, arr[j], pos.k, `${where}[${j}]`);
      pos.k++;
    }
    return;
  }
  for (let j = 0; j < arr.length; j++) readNested(ctx, arr[j], dims, level + 1, [...path, j], out, pos);
}

/** Throws NonFiniteError naming the first NaN/±Infinity by flat index. */
export function checkFinite(ctx: string, a: Float64Array): Float64Array {
  for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k])) throw new NonFiniteError(`${ctx} has a non-finite value ${a[k]} at flat index ${k}`);
  return a;
}

/**
 * Reject JSON text nested deeper than LIMITS.maxJsonDepth, by a scan of brackets outside strings (before
 * JSON.parse, whose recursion could otherwise overflow the stack).
 */
export function checkJsonTextDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > LIMITS.maxJsonDepth) throw new ModelFormatError(`model JSON is nested deeper than ${LIMITS.maxJsonDepth} levels (at character ${i})`);
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
}

/**
 * Reject an object graph nested deeper than LIMITS.maxJsonDepth or holding more entries than a model could
 * need (each object or array visited once, so shared or cyclic references cannot make this loop forever).
 */
export function checkObjectDepth(root: unknown): void {
  const budget = 2 * LIMITS.maxParameters + 1_000_000; // array entries and object keys visited, at most
  let visited = 0;
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object" || ArrayBuffer.isView(v) || seen.has(v)) continue;
    if (depth > LIMITS.maxJsonDepth) throw new ModelFormatError(`model document is nested deeper than ${LIMITS.maxJsonDepth} levels`);
    seen.add(v);
    if (Array.isArray(v)) {
      visited += v.length;
      if (visited > budget) throw new ModelFormatError(`model document holds more than ${budget} array entries and fields; no model within the limits needs that many`);
      for (let i = 0; i < v.length; i++) {
        const e = v[i];
        if (e !== null && typeof e === "object") stack.push([e, depth + 1]);
      }
    } else {
      const keys = Object.keys(v);
      visited += keys.length;
      if (visited > budget) throw new ModelFormatError(`model document holds more than ${budget} array entries and fields; no model within the limits needs that many`);
      for (const key of keys) {
        const e = (v as Record<string, unknown>)[key];
        if (e !== null && typeof e === "object") stack.push([e, depth + 1]);
      }
    }
  }
}
