/**
 * Base64 (RFC 4648, standard alphabet, with `=` padding) of little-endian float32 arrays: the compact weight
 * encoding of the foliate-model format. Pure JavaScript: no Buffer and no atob/btoa, so the same code runs in
 * Node and browsers, and the byte order is little-endian whatever the host's.
 */
import { ModelFormatError } from "../errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE = new Uint8Array(64); // 6-bit value -> ASCII code
const DECODE = new Int16Array(128).fill(-1); // ASCII code -> 6-bit value, -1 when not in the alphabet
for (let i = 0; i < ALPHABET.length; i++) {
  ENCODE[i] = ALPHABET.charCodeAt(i);
  DECODE[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 61; // "="

/** Length of the base64 text of `count` float32 values (4·count bytes, padded to a multiple of 4 chars). */
export function base64LengthForFloat32(count: number): number {
  return 4 * Math.ceil((4 * count) / 3);
}

/**
 * Encode values as little-endian float32, then base64. Values are rounded to float32 (Math.fround).
 * @example
 * encodeFloat32Base64([1]) // "AACAPw=="
 */
export function encodeFloat32Base64(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  const text = new Uint8Array(base64LengthForFloat32(values.length)); // ASCII codes of the output
  const n = bytes.length;
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < n ? bytes[i + 1] : 0;
    const b2 = i + 2 < n ? bytes[i + 2] : 0;
    text[o++] = ENCODE[b0 >> 2];
    text[o++] = ENCODE[((b0 & 3) << 4) | (b1 >> 4)];
    text[o++] = i + 1 < n ? ENCODE[((b1 & 15) << 2) | (b2 >> 6)] : PAD;
    text[o++] = i + 2 < n ? ENCODE[b2 & 63] : PAD;
  }
  return new TextDecoder("latin1").decode(text);
}

/**
 * Number of float32 values that a base64 string of this length and padding holds, without decoding it.
 * Throws ModelFormatError when the length is not a multiple of 4 or the byte count not a multiple of 4.
 */
export function float32CountOfBase64(text: string): number {
  if (text.length % 4 !== 0) throw new ModelFormatError(`base64 text has ${text.length} characters, not a multiple of 4`);
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = (text.length / 4) * 3 - pad;
  if (bytes % 4 !== 0) throw new ModelFormatError(`base64 text holds ${bytes} bytes, not a whole number of float32 values (4 bytes each)`);
  return bytes / 4;
}

/**
 * Decode base64 text of little-endian float32 values. Check the count with `float32CountOfBase64` first when
 * the text is untrusted: this allocates 4·count bytes. Throws ModelFormatError on a character outside the
 * alphabet or misplaced padding.
 * @example
 * decodeFloat32Base64("AACAPw==") // Float32Array [1]
 */
export function decodeFloat32Base64(text: string): Float32Array {
  const count = float32CountOfBase64(text);
  const bytes = new Uint8Array(count * 4);
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const dataChars = text.length - pad;
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    let acc = 0;
    for (let k = 0; k < 4; k++) {
      const pos = i + k;
      let v = 0;
      if (pos < dataChars) {
        const c = text.charCodeAt(pos);
        v = c < 128 ? DECODE[c] : -1;
        if (v < 0) throw new ModelFormatError(`base64 text has an invalid character ${JSON.stringify(text[pos])} at position ${pos}`);
      }
      acc = (acc << 6) | v;
    }
    if (out < bytes.length) bytes[out++] = (acc >> 16) & 255;
    if (out < bytes.length) bytes[out++] = (acc >> 8) & 255;
    if (out < bytes.length) bytes[out++] = acc & 255;
  }
  const view = new DataView(bytes.buffer);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}
