import { describe, expect, it } from "vitest";
import { Arena } from "../../src/engine/arena.js";
import { uploadNetwork, type GraphKernels } from "../../src/engine/network.js";
import { detectVariant, type WasmVariant } from "../../src/engine/wasm.js";
import { compileNetwork, valueBlock, type CompiledNetwork } from "../../src/model/compile.js";
import { normalizeSpec } from "../../src/model/graph.js";
import { graphCrossing, graphForward, graphJvp, graphPattern, graphRegionHash, graphVjp } from "../../src/reference/graph.js";
import { randomGraph, randomInput } from "../support/graphs.js";

/** max |a − b| / max |b|: relative error of a whole block. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

type Precision = "f32" | "f64";

/** The Wasm kernels on one point set, with typed views in the chosen precision. */
function runner(arena: Arena, net: CompiledNetwork, precision: Precision) {
  const k = arena.kernels<GraphKernels>();
  const up = uploadNetwork(arena, net);
  const desc = up[precision];
  const bytes = precision === "f32" ? 4 : 8;
  const alloc = (n: number) => arena.alloc(n * bytes);
  const put = (a: ArrayLike<number>) => (precision === "f32" ? arena.putF32(a) : arena.putF64(a));
  const view = (p: number, n: number) => (precision === "f32" ? arena.f32(p, n) : arena.f64(p, n));
  const F = precision === "f32" ? ({ fwd: k.graphForwardF32, pat: k.graphPatternF32, jvp: k.graphJvpF32, vjp: k.graphVjpF32, work: k.graphVjpWorkBytesF32, cross: k.graphCrossingF32 })
    : ({ fwd: k.graphForwardF64, pat: k.graphPatternF64, jvp: k.graphJvpF64, vjp: k.graphVjpF64, work: k.graphVjpWorkBytesF64, cross: k.graphCrossingF64 });
  return {
    forward(X: Float64Array, count: number) {
      const x = put(X);
      const values = alloc(count * net.valueSize), pre = alloc(Math.max(1, count * net.preSize)), argmax = arena.allocI32(Math.max(1, count * net.argSize));
      F.fwd(desc, x, count, values, pre, argmax);
      const bits = arena.allocI32(count * net.patternWords), hashes = arena.alloc(count * 8);
      F.pat(desc, pre, count, bits);
      k.graphHash(desc, bits, argmax, count, hashes);
      return {
        values, pre, argmax,
        point: (p: number) => ({ values: values + p * net.valueSize * bytes, pre: pre + p * net.preSize * bytes, argmax: argmax + p * net.argSize * 4 }),
        read: (p: number) => ({
          values: Float64Array.from(view(values + p * net.valueSize * bytes, net.valueSize)),
          pre: Float64Array.from(view(pre + p * net.preSize * bytes, net.preSize)),
          argmax: Int32Array.from(arena.i32(argmax + p * net.argSize * 4, net.argSize)),
          bits: Uint32Array.from(arena.u32(bits + p * net.patternWords * 4, net.patternWords)),
          hash: new BigUint64Array(arena.memory.buffer, hashes + p * 8, 1)[0],
        }),
      };
    },
    jvp(pt: { values: number; pre: number; argmax: number }, tin: Float64Array, rows: number) {
      const t = put(tin), tan = alloc(rows * net.valueSize), tanPre = alloc(Math.max(1, rows * net.preSize));
      F.jvp(desc, pt.values, pt.pre, pt.argmax, rows, t, tan, tanPre);
      return { tan, tanPre, read: () => ({ tan: Float64Array.from(view(tan, rows * net.valueSize)), tanPre: Float64Array.from(view(tanPre, rows * net.preSize)) }) };
    },
    vjp(pt: { values: number; pre: number; argmax: number }, target: number, cot: Float64Array | null, rows: number) {
      const c = cot ? put(cot) : 0, gin = alloc(rows * net.inputSize), work = arena.alloc(F.work(desc, rows));
      F.vjp(desc, pt.values, pt.pre, pt.argmax, rows, target, c, gin, work);
      return Float64Array.from(view(gin, rows * net.inputSize));
    },
    crossing(pt: { values: number; pre: number; argmax: number }, tan: number, tanPre: number, tmax: number) {
      const out = arena.allocI32(4);
      const t = F.cross(desc, pt.values, pt.pre, pt.argmax, tan, tanPre, tmax, out);
      return { t, node: arena.i32(out, 1)[0], unit: arena.i32(out + 4, 1)[0] };
    },
  };
}

const variants: WasmVariant[] = [detectVariant(), "debug"];
const cases: [Precision, number][] = [["f64", 1e-12], ["f32", 1e-4]];

describe.each(variants)("graph kernels (%s build) against the float64 twin", (variant) => {
  for (const [precision, tol] of cases) {
    it(`${precision}: forward, pattern, hash, JVP, VJP (every node as target) and crossing on random graphs`, async () => {
      const arena = await Arena.create(variant);
      for (let seed = 1; seed <= (variant === "debug" ? 3 : 6); seed++) {
        const pl = seed % 2 === 0; // piecewise-linear activations only: crossings are exact there
        const spec = randomGraph(seed, pl ? { activations: ["relu", "leakyRelu", "linear"] } : {});
        const net = compileNetwork(spec, { foldBatchNorm: seed % 3 !== 0 });
        const d = net.inputSize;
        const count = 3;
        // f32: points rounded to float32, so both paths start from one input
        const X = randomInput(seed, count * d).map(Math.fround);
        arena.scoped(() => {
          const r = runner(arena, net, precision);
          const fw = r.forward(X, count);
          for (let p = 0; p < count; p++) {
            const st = graphForward(net, X.subarray(p * d, (p + 1) * d));
            const got = fw.read(p);
            for (let k = 0; k < net.nodeCount; k++) {
              const b = valueBlock(net, k);
              expect(relErr(got.values.subarray(b.offset, b.offset + b.size), st.values.subarray(b.offset, b.offset + b.size))).toBeLessThan(tol);
            }
            if (precision === "f64") {
              expect(Array.from(got.argmax)).toEqual(Array.from(st.argmax));
              expect(Array.from(got.bits)).toEqual(Array.from(graphPattern(net, st)));
              expect(got.hash).toBe(graphRegionHash(net, st));
            }
            // JVP and VJP under the Wasm forward's own pattern (the twin's state, f64: identical argmax)
            const twinState = precision === "f64" ? st : { values: got.values, pre: got.pre, argmax: got.argmax };
            const rows = 3;
            const V = randomInput(100 + seed + p, rows * d);
            const jv = r.jvp(fw.point(p), V, rows);
            const ref = graphJvp(net, twinState, V, rows);
            const jvr = jv.read();
            for (let k = 0; k < net.nodeCount; k++) {
              const b = valueBlock(net, k);
              for (let q = 0; q < rows; q++) {
                const o = q * net.valueSize + b.offset;
                expect(relErr(jvr.tan.subarray(o, o + b.size), ref.tan.subarray(o, o + b.size))).toBeLessThan(tol);
              }
            }
            expect(relErr(jvr.tanPre, ref.tanPre)).toBeLessThan(tol);
            for (let target = 0; target < net.nodeCount; target++) {
              const m = valueBlock(net, target).size;
              const U = randomInput(200 + seed + target, rows * m);
              expect(relErr(r.vjp(fw.point(p), target, U, rows), graphVjp(net, twinState, target, U, rows))).toBeLessThan(tol);
            }
            // the identity cotangent (cot = 0): the Jacobian of the output node
            const out = net.outputNode, m = net.outputSize;
            const eye = new Float64Array(m * m);
            for (let i = 0; i < m; i++) eye[i * m + i] = 1;
            expect(relErr(r.vjp(fw.point(p), out, null, m), graphVjp(net, twinState, out, eye, m))).toBeLessThan(tol);
            // crossing along the first tangent row
            const one = r.jvp(fw.point(p), V.subarray(0, d), 1);
            const c = r.crossing(fw.point(p), one.tan, one.tanPre, 2);
            const cr = graphCrossing(net, twinState, V.subarray(0, d), 2);
            if (pl || precision === "f64") {
              expect(c.t === Infinity ? Infinity : Math.abs(c.t - cr.t) / cr.t).toBeLessThan(precision === "f64" ? 1e-12 : 1e-3);
              if (precision === "f64") expect([c.node, c.unit]).toEqual([cr.node, cr.unit]);
            }
          }
        });
      }
    });
  }
});

describe("the random graphs", () => {
  it("have fan-out into a three-input add (one input twice), concat of three, and both pooling kinds", () => {
    const spec = normalizeSpec(randomGraph(11)).spec;
    expect(spec.layers.some((l) => l.type === "add" && l.inputs.length === 3 && l.inputs[1] === l.inputs[2])).toBe(true);
    expect(spec.layers.some((l) => l.type === "concat" && l.inputs.length === 3)).toBe(true);
    expect(spec.layers.some((l) => l.type === "maxPool2d") && spec.layers.some((l) => l.type === "avgPool2d")).toBe(true);
  });
});
