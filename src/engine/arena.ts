/**
 * The host side of the kernels' pointer ABI: a bump allocator over one Wasm instance's linear memory.
 * Everything from heapBase() up belongs to the arena. Allocations are 16-byte aligned (v128 loads).
 * `mark()`/`release(mark)` bracket a call's scratch space. Growing memory detaches every JS view, so views
 * are never cached: `f32(ptr, len)` etc. make a fresh view each time; take views only after the last alloc.
 * Views read `ptr` as unsigned (`>>> 0`): kernels return pointers as i32, negative in JS above 2 GiB.
 */
import { instantiateKernels, type WasmVariant } from "./wasm.js";

const PAGE = 65536;

export type FloatArray = Float32Array | Float64Array;

export class Arena {
  readonly exports: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;
  /** High-water mark in bytes above base, for memory tests. */
  peak = 0;

  constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports;
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.base = (instance.exports.heapBase as () => number)();
    this.top = this.base;
  }

  static async create(variant?: WasmVariant): Promise<Arena> {
    return new Arena(await instantiateKernels(variant));
  }

  /** Kernel exports, typed by the caller's own interface (each analysis declares the kernels it calls). */
  kernels<K>(): K {
    return this.exports as unknown as K;
  }

  /** Reserve `bytes` (16-byte aligned), growing memory if needed; returns the byte offset. */
  alloc(bytes: number): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`arena: bad allocation size ${bytes}`);
    const ptr = Math.ceil(this.top / 16) * 16; // not `& ~15`: 32-bit signed, wrong above 2 GiB
    const end = ptr + bytes;
    if (end > 4 * 1024 * 1024 * 1024 - PAGE) throw new RangeError(`arena: ${end} bytes exceed the 4 GiB Wasm address space`);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    this.peak = Math.max(this.peak, end - this.base);
    return ptr;
  }

  allocF32(len: number): number {
    return this.alloc(len * 4);
  }
  allocF64(len: number): number {
    return this.alloc(len * 8);
  }
  allocI32(len: number): number {
    return this.alloc(len * 4);
  }

  /** Copy a typed array in; returns its offset. Float64 input to an f32 slot is converted. */
  putF32(src: ArrayLike<number>): number {
    const ptr = this.allocF32(src.length);
    this.f32(ptr, src.length).set(src);
    return ptr;
  }
  putF64(src: ArrayLike<number>): number {
    const ptr = this.allocF64(src.length);
    this.f64(ptr, src.length).set(src);
    return ptr;
  }
  putI32(src: ArrayLike<number>): number {
    const ptr = this.allocI32(src.length);
    this.i32(ptr, src.length).set(src);
    return ptr;
  }

  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr >>> 0, len);
  }
  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr >>> 0, len);
  }
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr >>> 0, len);
  }
  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr >>> 0, len);
  }
  u32(ptr: number, len: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr >>> 0, len);
  }

  mark(): number {
    return this.top;
  }
  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new RangeError(`arena: bad mark ${mark}`);
    this.top = mark;
  }

  /** Run `fn` with scratch space that is released afterwards (also on throw). */
  scoped<T>(fn: () => T): T {
    const m = this.mark();
    try {
      return fn();
    } finally {
      this.release(m);
    }
  }

  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}
