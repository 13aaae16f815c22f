// The PyTorch peers of the benchmarks (bench/peers/*.py, run with Debian's /usr/bin/python3 and python3-torch):
// write a workload (the model's normalized graph, its float32 weights, the points, Foliate's result) to a
// folder the peer reads, and run a peer script once per BLAS setting and thread count, each in a fresh
// process because OpenBLAS reads OPENBLAS_NUM_THREADS and OPENBLAS_CORETYPE when it loads.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNpy } from "../dist/index.js";

export const PYTHON = "/usr/bin/python3";

/** Undefined when the peers can run here, else why not. */
export function torchUnavailable() {
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  try {
    execFileSync(PYTHON, ["-c", "import torch, functorch"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "python3-torch is not installed (apt-get install python3-torch)";
  }
}

/**
 * The BLAS settings the peers run under: the machine's own (the environment as it is: OPENBLAS_CORETYPE unset
 * lets OpenBLAS pick its kernels for this CPU) and AVX2 forced (OPENBLAS_CORETYPE=Haswell for the dense
 * GEMMs, ONEDNN_MAX_CPU_ISA=AVX2 for the convolutions, which PyTorch runs through oneDNN, not OpenBLAS). When
 * the machine's environment already forces a core, the second setting is OpenBLAS's autodetection instead.
 * Each setting's label is completed from what the peer reports (openblas_get_corename).
 */
export function blasSettings() {
  const set = process.env.OPENBLAS_CORETYPE;
  const machine = { key: "machine", what: set ? `OPENBLAS_CORETYPE=${set} as set on this machine` : "OPENBLAS_CORETYPE unset (autodetected), as on this machine", env: {} };
  if (set) return [machine, { key: "autodetect", what: "OPENBLAS_CORETYPE and ONEDNN_MAX_CPU_ISA unset (autodetected)", env: { OPENBLAS_CORETYPE: undefined, ONEDNN_MAX_CPU_ISA: undefined } }];
  return [machine, { key: "avx2", what: "AVX2 forced: OPENBLAS_CORETYPE=Haswell, ONEDNN_MAX_CPU_ISA=AVX2", env: { OPENBLAS_CORETYPE: "Haswell", ONEDNN_MAX_CPU_ISA: "AVX2" } }];
}

const VECTOR_ISA = { SkylakeX: "AVX-512", Cooperlake: "AVX-512", SapphireRapids: "AVX-512", Haswell: "AVX2", Zen: "AVX2", Sandybridge: "AVX" };

/** Short name of a setting from the peer's report, e.g. "OpenBLAS Cooperlake, AVX-512" (`fallback` without one). */
export function blasName(blas, fallback = "BLAS unknown") {
  if (!blas) return fallback;
  if (!blas.corename) return blas.libraries?.join(", ") || fallback;
  const isa = VECTOR_ISA[blas.corename];
  const dnn = blas.ONEDNN_MAX_CPU_ISA ? `; oneDNN ≤ ${blas.ONEDNN_MAX_CPU_ISA}` : "";
  return `OpenBLAS ${blas.corename}${isa ? `, ${isa}` : ""}${dnn}`;
}

function weightShape(layer, name) {
  const a = layer[name];
  if (name !== "kernel") return [a.length];
  if (layer.type === "dense") return [a.length / layer.units, layer.units];
  const [kh, kw] = layer.kernelSize;
  return [kh, kw, a.length / (kh * kw * layer.filters), layer.filters];
}

const WEIGHTS = { dense: ["kernel", "bias"], conv2d: ["kernel", "bias"], batchNorm: ["gamma", "beta", "mean", "variance"] };
const GEOMETRY = ["units", "filters", "kernelSize", "strides", "dilations", "groups", "pads", "poolSize", "ceilMode", "countIncludePad", "epsilon", "activation", "alpha"];

/**
 * Write one workload into `folder` (created): spec.json (the normalized graph of model.layers, see
 * bench/peers/torch_net.py), float32 weights as .npy, X.npy (n×d, NHWC) and `extra` arrays ({ name: [data,
 * shape] }, e.g. Foliate's Jacobians as J).
 */
export function writeWorkload(folder, model, X, extra = {}) {
  mkdirSync(folder, { recursive: true });
  const nodes = model.layers.map((l, i) => {
    const node = { type: l.type, inputs: [...l.inputs] };
    for (const g of GEOMETRY) if (l[g] !== undefined) node[g] = Array.isArray(l[g]) ? [...l[g]] : l[g];
    if (WEIGHTS[l.type]) {
      node.weights = {};
      for (const w of WEIGHTS[l.type]) {
        const file = `n${i}_${w}.npy`;
        writeFileSync(join(folder, file), writeNpy(Float32Array.from(l[w]), weightShape(l, w)));
        node.weights[w] = file;
      }
    }
    return node;
  });
  writeFileSync(join(folder, "spec.json"), JSON.stringify({ inputShape: model.inputShape, nodes }));
  writeFileSync(join(folder, "X.npy"), writeNpy(X, [X.length / model.inputSize, model.inputSize]));
  for (const [name, [data, shape]] of Object.entries(extra)) writeFileSync(join(folder, `${name}.npy`), writeNpy(data, shape));
}

/** A temporary folder for workloads; `done()` removes it. */
export function peerFolder() {
  const dir = mkdtempSync(join(tmpdir(), "foliate-torch-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Run bench/peers/<script> with `threads` threads under `setting` and parse its last output line (JSON).
 * OPENBLAS_NUM_THREADS and OMP_NUM_THREADS are set before Python starts; the script sets torch's own count.
 */
export function runPeer(script, setting, threads, args) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), PYTHONDONTWRITEBYTECODE: "1" };
  for (const [k, v] of Object.entries(setting.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const out = execFileSync(PYTHON, [new URL(`./peers/${script}`, import.meta.url).pathname, String(threads), ...args.map(String)], {
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out.trim().split("\n").pop());
}

/**
 * Run bench/peers/<script> under every BLAS setting on 1 and 2 threads, one process each (runPeer), in order.
 * `args(first)` gives its arguments (`first`: no run has succeeded yet); `after(output, first)` sees each
 * successful output. Returns setting key → threads → output, and one line per failed process.
 */
export function runPeers(script, settings, args, progress, after = () => {}) {
  const torch = {};
  const peerErrors = [];
  let first = true;
  for (const s of settings) {
    torch[s.key] = {};
    for (const threads of [1, 2]) {
      progress(`PyTorch ${s.key}, ${threads} thread(s)`);
      try {
        torch[s.key][threads] = runPeer(script, s, threads, args(first));
        after(torch[s.key][threads], first);
        first = false;
      } catch (e) {
        peerErrors.push(`${s.what}, ${threads} thread(s): ${peerError(e)}`);
      }
    }
  }
  return { torch, peerErrors };
}

/** The last line of a failed peer's stderr (Python's exception), or the error's message. */
export function peerError(e) {
  const lines = String(e?.stderr ?? "").trim().split("\n");
  return (lines[lines.length - 1] || e?.message || String(e)).slice(0, 300);
}
