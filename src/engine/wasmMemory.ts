/**
 * The 4 GiB wasm32 address space as a limit on what one call may ask of a kernel instance. The kernels' size
 * arithmetic is 32-bit (usize): scratch past 4 GiB would wrap into a small size and an out-of-bounds access.
 * So an analysis counts the memory a request needs on the host, in doubles, and refuses it here before any
 * kernel runs, with an OptionError saying what needs how many GiB.
 */
import { OptionError } from "../errors.js";

/** Bytes of the Wasm address space (wasm32). */
export const WASM_BYTES = 2 ** 32;

/**
 * Refuse a request needing `bytes` (counted in doubles) of Wasm memory when that exceeds WASM_BYTES: an
 * OptionError "`needs(gib)`, more than the 4 GiB Wasm memory; `advice`", gib the bytes in GiB to one decimal.
 * @example requireWasmMemory(5 * 2 ** 30, (gib) => `layer "a" needs ${gib} GiB`, "choose a narrower node")
 *   // throws OptionError: layer "a" needs 5.0 GiB, more than the 4 GiB Wasm memory; choose a narrower node
 */
export function requireWasmMemory(bytes: number, needs: (gib: string) => string, advice: string): void {
  if (bytes > WASM_BYTES) throw new OptionError(`${needs((bytes / 2 ** 30).toFixed(1))}, more than the 4 GiB Wasm memory; ${advice}`);
}
