// The graph's conv2d and pooling kernels (assembly/graph/conv.ts, pool.ts) in float64 and float32, on the
// release and the debug build (every bound check on), against independent float64 references: the graph
// reference forward (src/reference/forward.ts) on one-node models, a scatter-form conv transpose written
// here, the adjoint identity ⟨g, J t⟩ = ⟨Jᵀ g, t⟩, the accumulation into a pre-filled gIn, the max-pool route
// against its argmax, and the crossing against bisection of the argmax along x + t·dx. Seeded random
// shapes, strides, pads, dilations, groups (depthwise included), ceil mode and countIncludePad.
import { describe, expect, it, beforeAll } from "vitest";
import { Arena } from "../../src/engine/arena.js";
import { detectVariant, type WasmVariant } from "../../src/engine/wasm.js";
import { referenceForward } from "../../src/reference/forward.js";
import { windowOut } from "../../src/model/shapes.js";
import type { LooseModelSpec, Pads } from "../../src/model/types.js";
import { mulberry32, uniformF32 } from "../reference/seeded.js";

type Precision = "f32" | "f64";
type Fn = (...args: number[]) => number;
/** The kernels under test, looked up by name and precision suffix. */
const kernel = (arena: Arena, name: string, p: Precision): Fn => (arena.exports as Record<string, Fn>)[`${name}${p === "f32" ? "F32" : "F64"}`];

/** Conv geometry on one NHWC image; `ow`, `oh` from the shape rule of src/model/shapes.ts. */
interface ConvCase {
  h: number; w: number; c: number; oc: number; kh: number; kw: number; sh: number; sw: number;
  dh: number; dw: number; pads: Pads; oh: number; ow: number; groups: number;
}

interface PoolCase {
  h: number; w: number; c: number; ph: number; pw: number; sh: number; sw: number;
  pads: Pads; oh: number; ow: number; ceilMode: boolean; countIncludePad: boolean;
}

const int = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1)); // [lo, hi]

/** Pads < span on each side, and an input large enough for at least one output cell. */
function axis(rnd: () => number, k: number, d: number): { before: number; after: number; size: number; stride: number } {
  const span = d * (k - 1) + 1;
  const before = int(rnd, 0, span - 1), after = int(rnd, 0, span - 1);
  return { before, after, size: Math.max(1, span - before - after) + int(rnd, 0, 6), stride: int(rnd, 1, 3) };
}

/** Case kinds cycle: plain (groups 1), grouped, depthwise, depthwise with a channel multiplier, wide (SIMD panels). */
function randomConv(rnd: () => number, kind: number): ConvCase {
  const kh = int(rnd, 1, 4), kw = int(rnd, 1, 4);
  const dh = int(rnd, 1, 3), dw = kind % 2 === 0 ? 1 : int(rnd, 1, 3);
  const y = axis(rnd, kh, dh), x = axis(rnd, kw, dw);
  let groups = 1, cg = int(rnd, 1, 5), fg = int(rnd, 1, 6);
  switch (kind % 5) {
    case 1: groups = int(rnd, 2, 3); break;
    case 2: groups = int(rnd, 1, 9); cg = 1; fg = 1; break;
    case 3: groups = int(rnd, 2, 5); cg = 1; fg = int(rnd, 2, 3); break;
    case 4: cg = int(rnd, 6, 20); fg = int(rnd, 9, 21); break;
  }
  const oh = windowOut(y.size, kh, y.stride, y.before, y.after, dh);
  const ow = windowOut(x.size, kw, x.stride, x.before, x.after, dw);
  return { h: y.size, w: x.size, c: cg * groups, oc: fg * groups, kh, kw, sh: y.stride, sw: x.stride, dh, dw, pads: [y.before, x.before, y.after, x.after], oh, ow, groups };
}

function randomPool(rnd: () => number): PoolCase {
  const ph = int(rnd, 1, 4), pw = int(rnd, 1, 4);
  const y = axis(rnd, ph, 1), x = axis(rnd, pw, 1);
  const ceilMode = rnd() < 0.5, countIncludePad = rnd() < 0.5;
  const oh = windowOut(y.size, ph, y.stride, y.before, y.after, 1, ceilMode);
  const ow = windowOut(x.size, pw, x.stride, x.before, x.after, 1, ceilMode);
  return { h: y.size, w: x.size, c: int(rnd, 1, 5), ph, pw, sh: y.stride, sw: x.stride, pads: [y.before, x.before, y.after, x.after], oh, ow, ceilMode, countIncludePad };
}

const convArgs = (q: ConvCase) => [q.h, q.w, q.c, q.oc, q.kh, q.kw, q.sh, q.sw, q.dh, q.dw, q.pads[0], q.pads[1], q.oh, q.ow, q.groups];
const poolArgs = (q: PoolCase) => [q.h, q.w, q.c, q.ph, q.pw, q.sh, q.sw, q.pads[0], q.pads[1]];

function convModel(q: ConvCase, kernelW: Float64Array, bias: Float64Array): LooseModelSpec {
  return {
    inputShape: [q.h, q.w, q.c],
    head: "none",
    layers: [{ type: "conv2d", filters: q.oc, kernelSize: [q.kh, q.kw], strides: [q.sh, q.sw], dilations: [q.dh, q.dw], groups: q.groups, pads: q.pads, kernel: kernelW, bias, activation: "linear" }],
  };
}

function poolModel(q: PoolCase, type: "maxPool2d" | "avgPool2d"): LooseModelSpec {
  return {
    inputShape: [q.h, q.w, q.c],
    head: "none",
    layers: [{ type, poolSize: [q.ph, q.pw], strides: [q.sh, q.sw], pads: q.pads, ceilMode: q.ceilMode, countIncludePad: q.countIncludePad }],
  };
}

/** The transpose of the conv's linear part on one image, in scatter form (independent of the kernels' GEMM + col2im). */
function convTransposeReference(q: ConvCase, g: ArrayLike<number>, k: ArrayLike<number>): Float64Array {
  const cg = q.c / q.groups, fg = q.oc / q.groups;
  const gIn = new Float64Array(q.h * q.w * q.c); // H×W×C
  for (let oy = 0; oy < q.oh; oy++) for (let ox = 0; ox < q.ow; ox++) for (let o = 0; o < q.oc; o++) {
    const grp = Math.floor(o / fg), go = g[(oy * q.ow + ox) * q.oc + o];
    for (let i = 0; i < q.kh; i++) for (let j = 0; j < q.kw; j++) {
      const iy = oy * q.sh - q.pads[0] + i * q.dh, ix = ox * q.sw - q.pads[1] + j * q.dw;
      if (iy < 0 || iy >= q.h || ix < 0 || ix >= q.w) continue;
      for (let ci = 0; ci < cg; ci++) gIn[(iy * q.w + ix) * q.c + grp * cg + ci] += go * k[((i * q.kw + j) * cg + ci) * q.oc + o];
    }
  }
  return gIn;
}

/** The first maximum in scan order of every window of x + t·dx (float64), −1 for a window without input. */
function argmaxAt(q: PoolCase, x: ArrayLike<number>, dx: ArrayLike<number>, t: number): Int32Array {
  const am = new Int32Array(q.oh * q.ow * q.c);
  for (let oy = 0; oy < q.oh; oy++) for (let ox = 0; ox < q.ow; ox++) for (let ch = 0; ch < q.c; ch++) {
    let best = -Infinity, at = -1;
    for (let i = 0; i < q.ph; i++) for (let j = 0; j < q.pw; j++) {
      const iy = oy * q.sh - q.pads[0] + i, ix = ox * q.sw - q.pads[1] + j;
      if (iy < 0 || iy >= q.h || ix < 0 || ix >= q.w) continue;
      const idx = (iy * q.w + ix) * q.c + ch, v = x[idx] + t * dx[idx];
      if (at < 0 || v > best) [best, at] = [v, idx];
    }
    am[(oy * q.ow + ox) * q.c + ch] = at;
  }
  return am;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** Every element within tol · (max |expected| + 1e-3) of expected. */
function expectClose(got: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(expected.length);
  const bound = tol * (maxAbs(expected) + 1e-3);
  let worst = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - expected[i]);
    if (!(e <= worst)) [worst, at] = [e, i];
  }
  expect(worst, `${what}: worst error at ${at} (${got[at]} vs ${expected[at]})`).toBeLessThanOrEqual(bound);
}

const TOL = { f64: 1e-12, f32: 1e-4 };
const IMAGES = 2;

/** Copy values into the arena in the precision under test; returns the pointer. */
function put(arena: Arena, p: Precision, v: ArrayLike<number>): number {
  return p === "f32" ? arena.putF32(v) : arena.putF64(v);
}
function view(arena: Arena, p: Precision, ptr: number, len: number): Float64Array {
  return Float64Array.from(p === "f32" ? arena.f32(ptr, len) : arena.f64(ptr, len));
}
function alloc(arena: Arena, p: Precision, len: number): number {
  return p === "f32" ? arena.allocF32(len) : arena.allocF64(len);
}

const variants: [string, WasmVariant][] = [["release", detectVariant()], ["debug", "debug"]];

describe.each(variants)("conv/pool kernels, %s build", (_label, variant) => {
  let arena: Arena;
  beforeAll(async () => {
    arena = await Arena.create(variant);
  });

  describe.each(["f64", "f32"] as Precision[])("%s", (p) => {
    it("conv2dForward equals the reference forward (with bias) and its linear part (bias 0) on random geometries", () => {
      const rnd = mulberry32(p === "f64" ? 101 : 102);
      for (let n = 0; n < 40; n++) {
        const q = randomConv(rnd, n);
        const cg = q.c / q.groups, inSize = q.h * q.w * q.c, outSize = q.oh * q.ow * q.oc;
        const kw = uniformF32(rnd, q.kh * q.kw * cg * q.oc), bias = uniformF32(rnd, q.oc);
        const dense = uniformF32(rnd, IMAGES * inSize);
        // One-hot images (the forward-mode tangents of an input Jacobian) take the kernel's scatter path
        // (≤ 1/16 nonzero) when H·W·C ≥ 16; the last image is all zeros.
        const oneHot = new Float64Array(IMAGES * inSize);
        for (let i = 0; i + 1 < IMAGES; i++) oneHot[i * inSize + int(rnd, 0, inSize - 1)] = dense[i];
        for (const [x, withBias] of [[dense, true], [dense, false], [oneHot, true], [oneHot, false]] as const) {
          const got = arena.scoped(() => {
            const out = alloc(arena, p, IMAGES * outSize);
            kernel(arena, "conv2dForward", p)(IMAGES, ...convArgs(q), put(arena, p, x), put(arena, p, kw), withBias ? put(arena, p, bias) : 0, out);
            return view(arena, p, out, IMAGES * outSize);
          });
          const model = convModel(q, kw, withBias ? bias : new Float64Array(q.oc));
          for (let i = 0; i < IMAGES; i++) {
            const ref = referenceForward(model, x.subarray(i * inSize, (i + 1) * inSize)).output;
            expectClose(got.subarray(i * outSize, (i + 1) * outSize), ref, TOL[p], `case ${n} ${JSON.stringify(q)} image ${i} bias ${withBias} ${x === oneHot ? "one-hot" : "dense"}`);
          }
        }
      }
    });

    it("conv2dTranspose is the adjoint of the JVP, accumulates into gIn, and equals the scatter-form transpose", () => {
      const rnd = mulberry32(p === "f64" ? 201 : 202);
      for (let n = 0; n < 40; n++) {
        const q = randomConv(rnd, n);
        const cg = q.c / q.groups, inSize = q.h * q.w * q.c, outSize = q.oh * q.ow * q.oc;
        const kw = uniformF32(rnd, q.kh * q.kw * cg * q.oc);
        const rows = 3;
        const t = uniformF32(rnd, rows * inSize), g = uniformF32(rnd, rows * outSize), prior = uniformF32(rnd, rows * inSize);
        const [jt, jtg] = arena.scoped(() => {
          const pk = put(arena, p, kw);
          const out = alloc(arena, p, rows * outSize);
          kernel(arena, "conv2dForward", p)(rows, ...convArgs(q), put(arena, p, t), pk, 0, out);
          const gIn = put(arena, p, prior);
          const bytes = kernel(arena, "conv2dTransposeScratchBytes", p)(q.c, q.oc, q.kh, q.kw, q.oh, q.ow, q.groups);
          const scratch = arena.alloc(bytes);
          kernel(arena, "conv2dTranspose", p)(rows, ...convArgs(q), put(arena, p, g), pk, gIn, scratch);
          return [view(arena, p, out, rows * outSize), view(arena, p, gIn, rows * inSize)];
        });
        for (let r = 0; r < rows; r++) {
          const gr = g.subarray(r * outSize, (r + 1) * outSize), tr = t.subarray(r * inSize, (r + 1) * inSize);
          const added = jtg.subarray(r * inSize, (r + 1) * inSize).map((v, i) => v - prior[r * inSize + i]);
          const expected = convTransposeReference(q, gr, kw);
          expectClose(added, expected, TOL[p] * 4, `case ${n} ${JSON.stringify(q)} row ${r}: gIn − prior vs scatter transpose`);
          if (p === "f64") {
            // ⟨g, J t⟩ = ⟨Jᵀ g, t⟩, both sides from the kernels.
            const lhs = dot(gr, jt.subarray(r * outSize, (r + 1) * outSize)), rhs = dot(added, tr);
            expect(Math.abs(lhs - rhs), `case ${n} row ${r}: ${lhs} vs ${rhs}`).toBeLessThanOrEqual(1e-12 * (Math.abs(lhs) + 1));
          }
        }
      }
    });

    if (p === "f32") {
      it("conv2dTransposeActiveF32 skips units a ReLU derivative zeroes and otherwise equals the transpose (accumulating)", () => {
        const rnd = mulberry32(251);
        for (let n = 0; n < 30; n++) {
          const q = randomConv(rnd, n);
          const cg = q.c / q.groups, inSize = q.h * q.w * q.c, outSize = q.oh * q.ow * q.oc;
          const kw = uniformF32(rnd, q.kh * q.kw * cg * q.oc);
          const rows = int(rnd, 1, 6);
          const scale = Float64Array.from({ length: outSize }, () => (rnd() < 0.5 ? 1 : 0)); // one point's 0/1 derivative
          // With groups 1, gOut is NOT zeroed at the inactive units: they must be skipped (never read). Grouped
          // convolutions take the plain transpose and get the scaled cotangents, as the contract asks.
          const masked = uniformF32(rnd, rows * outSize).map((v, i) => v * scale[i % outSize]);
          const g = q.groups === 1 ? masked.map((v, i) => (v === 0 ? 1 + rnd() : v)) : masked;
          const prior = uniformF32(rnd, rows * inSize);
          const gIn = arena.scoped(() => {
            const gi = put(arena, p, prior);
            const scratch = arena.alloc(kernel(arena, "conv2dTransposeActiveScratchBytes", p)(rows, q.c, q.oc, q.kh, q.kw, q.oh, q.ow, q.groups));
            kernel(arena, "conv2dTransposeActive", p)(rows, ...convArgs(q), put(arena, p, g), put(arena, p, kw), gi, scratch, put(arena, p, scale));
            return view(arena, p, gi, rows * inSize);
          });
          for (let r = 0; r < rows; r++) {
            const added = gIn.subarray(r * inSize, (r + 1) * inSize).map((v, i) => v - prior[r * inSize + i]);
            expectClose(added, convTransposeReference(q, masked.subarray(r * outSize, (r + 1) * outSize), kw), TOL[p] * 4, `case ${n} ${JSON.stringify(q)} row ${r}`);
          }
        }
      });
    }

    if (p === "f32") {
      it("conv2dTransposeSparseF32 (all rows at once) equals the transpose on active input units, skips zero output units, leaves inactive inputs alone", () => {
        const rnd = mulberry32(257);
        for (let n = 0; n < 40; n++) {
          const q = randomConv(rnd, n);
          if (q.groups !== 1) continue; // grouped convolutions take conv2dTranspose (network.ts routes them)
          const inSize = q.h * q.w * q.c, outSize = q.oh * q.ow * q.oc;
          const kw = uniformF32(rnd, q.kh * q.kw * q.c * q.oc);
          const rows = int(rnd, 1, 27); // several 12-row blocks, and every remainder of 4
          const on = Float64Array.from({ length: outSize }, () => (rnd() < 0.5 ? 1 : 0)); // units zero in every row
          const g = uniformF32(rnd, rows * outSize).map((v, i) => v * on[i % outSize] * (rnd() < 0.1 ? 0 : 1));
          const masked = n % 3 === 0; // with an input ReLU's pre-activations, or none (the model input)
          const inPre = Float64Array.from({ length: inSize }, () => rnd() - 0.5);
          const prior = uniformF32(rnd, rows * inSize);
          const gIn = arena.scoped(() => {
            const gi = put(arena, p, prior);
            const scratch = arena.alloc((arena.exports as Record<string, Fn>).conv2dTransposeSparseScratchBytes(q.h, q.w, q.c, q.oc, q.kh, q.kw, q.oh, q.ow));
            const geo = convArgs(q).slice(0, -1); // without groups
            (arena.exports as Record<string, Fn>).conv2dTransposeSparseF32(rows, ...geo, put(arena, p, g), put(arena, p, kw), gi, masked ? put(arena, p, inPre) : 0, scratch);
            return view(arena, p, gi, rows * inSize);
          });
          for (let r = 0; r < rows; r++) {
            const ref = convTransposeReference(q, g.subarray(r * outSize, (r + 1) * outSize), kw);
            const added = gIn.subarray(r * inSize, (r + 1) * inSize).map((v, i) => v - prior[r * inSize + i]);
            if (masked) for (let i = 0; i < inSize; i++) if (!(inPre[i] > 0)) {
              expect(added[i], `case ${n} row ${r}: inactive input ${i} untouched`).toBe(0);
              ref[i] = 0;
            }
            expectClose(added, ref, TOL[p] * 4, `case ${n} ${JSON.stringify(q)} row ${r}`);
          }
        }
      });
    }

    it("maxPool2dForward equals the reference forward; argmax names the window's first maximum; route gathers and scatters by it", () => {
      const rnd = mulberry32(p === "f64" ? 301 : 302);
      for (let n = 0; n < 60; n++) {
        const q = randomPool(rnd);
        const inSize = q.h * q.w * q.c, outSize = q.oh * q.ow * q.c;
        // Values on a coarse grid so that ties occur and the first-maximum rule is exercised.
        const x = Float64Array.from({ length: IMAGES * inSize }, () => int(rnd, -4, 4) / 4);
        const [out, am] = arena.scoped(() => {
          const o = alloc(arena, p, IMAGES * outSize), a = arena.allocI32(IMAGES * outSize);
          kernel(arena, "maxPool2dForward", p)(IMAGES, ...poolArgs(q), q.oh, q.ow, put(arena, p, x), o, a);
          return [view(arena, p, o, IMAGES * outSize), Int32Array.from(arena.i32(a, IMAGES * outSize))];
        });
        for (let i = 0; i < IMAGES; i++) {
          const xi = x.subarray(i * inSize, (i + 1) * inSize);
          expectClose(out.subarray(i * outSize, (i + 1) * outSize), referenceForward(poolModel(q, "maxPool2d"), xi).output, 0, `case ${n} ${JSON.stringify(q)}`);
          expect(Array.from(am.subarray(i * outSize, (i + 1) * outSize))).toEqual(Array.from(argmaxAt(q, xi, new Float64Array(inSize), 0)));
        }
        // Route under image 0's argmax: gather (overwrite) and accumulate-scatter, and their adjointness.
        const rows = 2;
        const a0 = am.subarray(0, outSize);
        const src = uniformF32(rnd, rows * inSize), g = uniformF32(rnd, rows * outSize), prior = uniformF32(rnd, rows * inSize);
        const [gathered, scattered] = arena.scoped(() => {
          const pa = arena.putI32(a0);
          const d1 = put(arena, p, new Float64Array(rows * outSize).fill(7));
          kernel(arena, "maxPool2dRoute", p)(rows, inSize, outSize, pa, put(arena, p, src), d1, 0);
          const d2 = put(arena, p, prior);
          kernel(arena, "maxPool2dRoute", p)(rows, inSize, outSize, pa, put(arena, p, g), d2, 1);
          return [view(arena, p, d1, rows * outSize), view(arena, p, d2, rows * inSize)];
        });
        for (let r = 0; r < rows; r++) {
          const expectG = new Float64Array(outSize), expectS = prior.slice(r * inSize, (r + 1) * inSize);
          for (let o = 0; o < outSize; o++) {
            expectG[o] = src[r * inSize + a0[o]];
            expectS[a0[o]] += g[r * outSize + o];
          }
          expectClose(gathered.subarray(r * outSize, (r + 1) * outSize), expectG, 0, `case ${n} gather row ${r}`);
          expectClose(scattered.subarray(r * inSize, (r + 1) * inSize), expectS, TOL[p], `case ${n} scatter row ${r}`);
        }
      }
    });

    it("maxPool2dCrossing is the first t where a window's choice changes along x + t·dx (bisection in float64)", () => {
      const rnd = mulberry32(p === "f64" ? 401 : 402);
      let crossed = 0;
      for (let n = 0; n < 60; n++) {
        const q = randomPool(rnd);
        const inSize = q.h * q.w * q.c, outSize = q.oh * q.ow * q.c;
        // Rounded to the precision under test, so that the kernel and the bisection see the same values.
        const round = (v: number) => (p === "f32" ? Math.fround(v) : v);
        const x = uniformF32(rnd, inSize).map(round), dx = uniformF32(rnd, inSize, 3).map(round);
        const tmax = 0.05 + rnd();
        const am0 = argmaxAt(q, x, dx, 0);
        const [t, unit, rival] = arena.scoped(() => {
          const a = arena.allocI32(outSize), o = alloc(arena, p, outSize), u = arena.allocI32(2);
          const px = put(arena, p, x);
          kernel(arena, "maxPool2dForward", p)(1, ...poolArgs(q), q.oh, q.ow, px, o, a);
          expect(Array.from(arena.i32(a, outSize))).toEqual(Array.from(am0));
          const tc = kernel(arena, "maxPool2dCrossing", p)(...poolArgs(q), q.oh, q.ow, px, put(arena, p, dx), a, tmax, u);
          return [tc, arena.i32(u, 2)[0], arena.i32(u, 2)[1]];
        });
        // "Some window's choice differs from t = 0" is monotone in t (affine values: once overtaken, the
        // chosen cell never returns), so it can be bisected.
        const changed = (s: number) => argmaxAt(q, x, dx, s).some((v, i) => v !== am0[i]);
        if (!changed(tmax * (1 + 1e-9))) {
          expect(t, `case ${n}: no change within tmax`).toBe(Infinity);
          expect([unit, rival]).toEqual([-1, -1]);
          continue;
        }
        crossed++;
        let lo = 0, hi = tmax * (1 + 1e-9);
        for (let k = 0; k < 200 && hi - lo > 1e-15 * tmax; k++) {
          const mid = 0.5 * (lo + hi);
          if (changed(mid)) hi = mid;
          else lo = mid;
        }
        expect(Math.abs(t - hi), `case ${n} ${JSON.stringify(q)}: ${t} vs bisection ${hi}`).toBeLessThanOrEqual(1e-10 * tmax);
        // Just past the crossing the reported unit takes the reported rival (or a cell tied with it).
        const after = argmaxAt(q, x, dx, t + 1e-7 * tmax);
        expect(after[unit], `case ${n}: unit ${unit}`).not.toBe(am0[unit]);
        const va = x[am0[unit]] + t * dx[am0[unit]], vb = x[rival] + t * dx[rival];
        expect(Math.abs(va - vb)).toBeLessThanOrEqual(1e-12 * (Math.abs(va) + 1));
      }
      expect(crossed).toBeGreaterThan(20);
    });

    it("maxPool2dCrossing: a tie at t = 0 that opens at once gives t = 0; a tie that stays closed gives none", () => {
      // 1×2×1 input, one 1×2 window: x = [1, 1], the first cell chosen.
      const geo = [1, 2, 1, 1, 2, 1, 1, 0, 0, 1, 1];
      const solve = (dx: number[]) =>
        arena.scoped(() => {
          const u = arena.allocI32(2);
          const t = kernel(arena, "maxPool2dCrossing", p)(...geo, put(arena, p, [1, 1]), put(arena, p, dx), arena.putI32([0]), 10, u);
          return [t, ...arena.i32(u, 2)];
        });
      expect(solve([0, 1])).toEqual([0, 0, 1]);
      expect(solve([1, 0])).toEqual([Infinity, -1, -1]);
      expect(solve([0, 0])).toEqual([Infinity, -1, -1]);
    });

    it("avgPool2dForward equals the reference forward (countIncludePad on/off, ceil mode); its transpose is its adjoint and accumulates", () => {
      const rnd = mulberry32(p === "f64" ? 501 : 502);
      for (let n = 0; n < 60; n++) {
        const q = randomPool(rnd);
        const inSize = q.h * q.w * q.c, outSize = q.oh * q.ow * q.c;
        const geo = [...poolArgs(q), q.pads[2], q.pads[3], q.oh, q.ow, q.countIncludePad ? 1 : 0];
        const x = uniformF32(rnd, IMAGES * inSize), g = uniformF32(rnd, IMAGES * outSize), prior = uniformF32(rnd, IMAGES * inSize);
        const [out, gIn] = arena.scoped(() => {
          const o = alloc(arena, p, IMAGES * outSize);
          kernel(arena, "avgPool2dForward", p)(IMAGES, ...geo, put(arena, p, x), o);
          const gi = put(arena, p, prior);
          kernel(arena, "avgPool2dTranspose", p)(IMAGES, ...geo, put(arena, p, g), gi);
          return [view(arena, p, o, IMAGES * outSize), view(arena, p, gi, IMAGES * inSize)];
        });
        for (let i = 0; i < IMAGES; i++) {
          const xi = x.subarray(i * inSize, (i + 1) * inSize), oi = out.subarray(i * outSize, (i + 1) * outSize);
          expectClose(oi, referenceForward(poolModel(q, "avgPool2d"), xi).output, TOL[p], `case ${n} ${JSON.stringify(q)}`);
          const added = gIn.subarray(i * inSize, (i + 1) * inSize).map((v, k) => v - prior[i * inSize + k]);
          const lhs = dot(g.subarray(i * outSize, (i + 1) * outSize), oi), rhs = dot(added, xi);
          expect(Math.abs(lhs - rhs), `case ${n} image ${i}`).toBeLessThanOrEqual(TOL[p] * (Math.abs(lhs) + 1));
        }
      }
    });

    it("globalAvgPool forward equals the reference; its transpose is the adjoint and accumulates", () => {
      const rnd = mulberry32(p === "f64" ? 601 : 602);
      for (let n = 0; n < 10; n++) {
        const h = int(rnd, 1, 7), w = int(rnd, 1, 7), c = int(rnd, 1, 9);
        const inSize = h * w * c;
        const x = uniformF32(rnd, IMAGES * inSize), g = uniformF32(rnd, IMAGES * c), prior = uniformF32(rnd, IMAGES * inSize);
        const [out, gIn] = arena.scoped(() => {
          const o = alloc(arena, p, IMAGES * c);
          kernel(arena, "globalAvgPoolForward", p)(IMAGES, h, w, c, put(arena, p, x), o);
          const gi = put(arena, p, prior);
          kernel(arena, "globalAvgPoolTranspose", p)(IMAGES, h, w, c, put(arena, p, g), gi);
          return [view(arena, p, o, IMAGES * c), view(arena, p, gi, IMAGES * inSize)];
        });
        const model: LooseModelSpec = { inputShape: [h, w, c], head: "none", layers: [{ type: "globalAvgPool2d" }] };
        for (let i = 0; i < IMAGES; i++) {
          const xi = x.subarray(i * inSize, (i + 1) * inSize);
          expectClose(out.subarray(i * c, (i + 1) * c), referenceForward(model, xi).output, TOL[p], `case ${n}`);
          const expected = new Float64Array(inSize);
          for (let k = 0; k < inSize; k++) expected[k] = prior[i * inSize + k] + g[i * c + (k % c)] / (h * w);
          expectClose(gIn.subarray(i * inSize, (i + 1) * inSize), expected, TOL[p], `case ${n} transpose`);
        }
      }
    });
  });
});
