// Seeded random numbers inside kernels, the same streams as src/random.ts (mulberry32, Box–Muller), so a
// kernel's random choices match its TypeScript twin's draw for draw. The generator's state is one u32 kept
// exactly in an f64 at byte pointer `rng` (a slot of a state block the host reads and writes), advanced in place.

/** mulberry32: uniform in [0, 1); advances the u32 held in the f64 at `rng`. */
export function uniform(rng: usize): f64 {
  let s = <u32>load<f64>(rng) + 0x6d2b79f5;
  store<f64>(rng, <f64>s);
  let t = s;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <f64>(t ^ (t >>> 14)) / 4294967296.0;
}

/** A standard normal number (Box–Muller) from two uniforms at `rng`. */
export function gaussian(rng: usize): f64 {
  const u = 1 - uniform(rng); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform(rng));
}
