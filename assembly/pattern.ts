// Activation patterns: which piecewise-linear units are on, as a bitset, and a 64-bit hash naming the region.

/** Set bit (offset + i) of the u32 word array `bits` for every z[i] > 0, i < len, z in T (bits must start zeroed). */
export function signBits<T>(len: i32, z: usize, bits: usize, offset: i32): void {
  for (let i = 0; i < len; i++) {
    if (load<T>(z + <usize>i * sizeof<T>()) > <T>0) {
      const b = offset + i;
      const w = bits + (<usize>(b >>> 5) << 2);
      store<u32>(w, load<u32>(w) | (1 << (b & 31)));
    }
  }
}

/** signBits over f32 values. */
export function signBitsF32(len: i32, z: usize, bits: usize, offset: i32): void {
  signBits<f32>(len, z, bits, offset);
}

/** FNV-1a 64 over `words` u32 values, continuing from `h` (start with 0xcbf29ce484222325). */
export function fnv64(words: usize, count: i32, h: u64): u64 {
  for (let i = 0; i < count; i++) {
    let v = load<u32>(words + (<usize>i << 2));
    for (let b = 0; b < 4; b++) {
      h ^= <u64>(v & 0xff);
      h *= 0x100000001b3;
      v >>>= 8;
    }
  }
  return h;
}
