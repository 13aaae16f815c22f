// A short timing of the DIM eigenvalues routes (not part of `npm run bench`; issue 14 item 3): ms per point of
// engine.dim (J formed, eigenvectors) and engine.dim with `eigenvectors: false` (no J: Gram at a narrowing dense
// first layer, else at the input) on the MLP 784-256-256-10 and the DIM authors' MNIST CNN (conv 32 3×3 → relu →
// conv 64 3×3 → relu → avg pool 2 → flatten → dense 128 relu → dense 10; seeded random weights), workers 0 and 1.
// Wall time and the process's CPU time per point (medians of `reps` calls); CPU time is the steadier figure on
// a shared machine. `node bench/dimEigenvaluesTiming.mjs [distDir]` (default ../dist; another build's dist
// times that build's engine.dim).
import { gaussian, mulberry32 } from "../dist/random.js";

const dist = process.argv[2] ?? new URL("../dist/", import.meta.url).pathname;
const { createEngine, Model } = await import(`${dist}/index.js`);

function he(seed, count, fanIn) {
  const g = gaussian(mulberry32(seed));
  return Float64Array.from({ length: count }, () => g() * Math.sqrt(2 / fanIn));
}
function mlp() {
  const sizes = [784, 256, 256, 10];
  const layers = sizes.slice(1).map((u, i) => ({ type: "dense", units: u, kernel: he(1 + i, sizes[i] * u, sizes[i]), bias: new Float64Array(u), activation: i < 2 ? "relu" : "linear" }));
  return new Model({ inputShape: [784], layers, head: "softmax" });
}
function authorsCnn() {
  const conv = (seed, inC, outC) => ({ type: "conv2d", filters: outC, kernelSize: [3, 3], strides: [1, 1], padding: "valid", kernel: he(seed, 9 * inC * outC, 9 * inC), bias: he(seed + 50, outC, 100), activation: "relu" });
  return new Model({
    inputShape: [28, 28, 1], head: "softmax",
    layers: [conv(1, 1, 32), conv(2, 32, 64), { type: "avgPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" }, { type: "flatten" },
      { type: "dense", units: 128, kernel: he(3, 9216 * 128, 9216), bias: he(53, 128, 100), activation: "relu" },
      { type: "dense", units: 10, kernel: he(4, 1280, 128), bias: new Float64Array(10), activation: "linear" }],
  });
}
const rnd = mulberry32(5);
const X = Float32Array.from({ length: 256 * 784 }, () => rnd());
const reps = 5;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [name, model, n] of [["MLP 784-256-256-10", mlp(), 256], ["authors' MNIST CNN", authorsCnn(), 32]]) {
  const Xn = X.subarray(0, n * 784);
  for (const workers of [0, 1]) {
    const engine = await createEngine({ workers });
    for (const [label, opts] of [["engine.dim (J, eigenvectors)", {}], ["engine.dim eigenvectors: false", { eigenvectors: false }]]) {
      await engine.dim(model, Xn.subarray(0, 4 * 784), opts);
      const wall = [], cpu = [];
      for (let r = 0; r < reps; r++) {
        const c = process.cpuUsage(), t = performance.now();
        const res = await engine.dim(model, Xn, opts);
        wall.push((performance.now() - t) / n);
        const u = process.cpuUsage(c);
        cpu.push((u.user + u.system) / 1000 / n);
        if (opts.eigenvectors === false && res.eigenvectors.length) break; // an older build without the option
      }
      console.log(`${name} | workers ${workers} | ${label} | wall ${median(wall).toFixed(3)} ms/point | CPU ${median(cpu).toFixed(3)} ms/point`);
    }
    await engine.close();
  }
}
