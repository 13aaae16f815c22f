import { createEngine, Model } from "foliate";

// A 4 → 16 → 3 ReLU classifier in the foliate-model JSON format (weights: flat row-major [in, out]).
const rand = (n, s) => Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + s));
const model = Model.fromJSON({
  format: "foliate-model",
  version: 1,
  inputShape: [4],
  layers: [
    { type: "dense", units: 16, kernel: rand(64, 1), bias: rand(16, 2), activation: "relu" },
    { type: "dense", units: 3, kernel: rand(48, 3), bias: rand(3, 4) },
    { type: "softmax" },
  ],
});

const engine = await createEngine({ workers: 2 });
const X = [[0.1, 0.2, 0.3, 0.4], [-0.5, 0.25, 0.0, 1.0]];
const J = await engine.jacobian(model, X, { output: "logprobs" }); // exact, n×C×d
console.log("Jacobian shape", J.shape);
const D = await engine.dim(model, X); // DIM eigen-decomposition through the C×C side
console.log("DIM eigenvalues of point 0", Array.from(D.eigenvalues.subarray(0, D.r)));
console.log("DIM rank", Array.from(D.rank), "(at most C - 1 =", D.C - 1, ")");
await engine.close();
