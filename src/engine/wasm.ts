/**
 * Loading the Wasm kernels. One binary variant is chosen once per process by feature detection
 * (`WebAssembly.validate` on a probe module), never by configuration: relaxed SIMD where the runtime
 * accepts it, plain SIMD otherwise. The debug variant (every bound check kept) is for kernel tests.
 */

export type WasmVariant = "simd" | "relaxed" | "debug";

/** (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd)) */
const relaxedProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // func 0 has type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: 1 body of 59 bytes, no locals
  0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b,
]);

/** The best variant this runtime can run. */
export function detectVariant(): WasmVariant {
  try {
    return WebAssembly.validate(relaxedProbe) ? "relaxed" : "simd";
  } catch {
    return "simd";
  }
}

const isNode = typeof process !== "undefined" && !!process.versions?.node;
const compiled = new Map<WasmVariant, Promise<WebAssembly.Module>>();

function wasmUrl(variant: WasmVariant): URL {
  // src/engine/wasm.ts and dist/engine/wasm.js both sit two levels below the package root. One literal
  // `new URL("...", import.meta.url)` per variant: the asset pattern bundlers (Vite) rewrite to the emitted file.
  switch (variant) {
    case "relaxed":
      return new URL("../../build/foliate.relaxed.wasm", import.meta.url);
    case "debug":
      return new URL("../../build/foliate.debug.wasm", import.meta.url);
    default:
      return new URL("../../build/foliate.wasm", import.meta.url);
  }
}

async function compile(variant: WasmVariant): Promise<WebAssembly.Module> {
  const url = wasmUrl(variant);
  if (isNode) {
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(url).catch((e: Error) => {
      throw new Error(`Foliate's Wasm kernels are missing (${url.pathname}): run \`npm run build\`. ${e.message}`);
    });
    return WebAssembly.compile(bytes);
  }
  const res = await fetch(url);
  return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(res) : WebAssembly.compile(await res.arrayBuffer());
}

/** The compiled module for a variant (compiled once per thread, then cached). */
export function kernelModule(variant: WasmVariant = detectVariant()): Promise<WebAssembly.Module> {
  let m = compiled.get(variant);
  if (!m) {
    m = compile(variant);
    compiled.set(variant, m);
  }
  return m;
}

/** A fresh instance of the kernels: its own linear memory, exported as `memory`. */
export async function instantiateKernels(variant?: WasmVariant): Promise<WebAssembly.Instance> {
  const module = await kernelModule(variant);
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`Wasm kernel assertion failed at ${line}:${col}`);
      },
      seed: () => 0x9e3779b9, // kernels never use Math.random; every random choice takes an explicit seed
    },
  });
  const start = instance.exports._initialize as (() => void) | undefined;
  start?.();
  return instance;
}
