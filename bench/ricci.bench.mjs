// Ricci network flow (issue 5): n = 2000 points through a width-50, 5-layer ReLU network (seeded random weights,
// He initialisation, on the two-blob data set), k = 30 and 300, "directed" graphs. Times the whole flow, the kNN
// part and the all-pairs hop part in Wasm (one thread) against the float64 plain-TypeScript twins of the same
// algorithms (src/reference/ricci.ts) and, when /usr/bin/python3 has networkx, networkx's BFS on the same graph.
import Benchmark from "benchmark";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Arena } from "../dist/engine/arena.js";
import {
  ricciFlowFromActivations, knnRowsOn, graphFromKnnOn, hopDistanceSumsOn, nestedBlobs,
} from "../dist/analyses/ricci/index.js";
import { knnReference, graphReference, formanReference, hopSumsReference } from "../dist/reference/ricci.js";
import { mulberry32, gaussian } from "../dist/random.js";

const N = 2000;
const WIDTH = 50;
const DEPTH = 5;

/** [X, h1..h5, output]: n×d float32 clouds of a seeded random ReLU network (weights N(0, 2/fan_in)). */
export function activations() {
  const normal = gaussian(mulberry32(2024));
  const { X } = nestedBlobs(N, 7);
  const clouds = [{ data: X, dim: 3 }];
  let prev = X;
  let fanIn = 3;
  for (let l = 0; l <= DEPTH; l++) {
    const out = l < DEPTH ? WIDTH : 1;
    const W = Float64Array.from({ length: fanIn * out }, () => normal() * Math.sqrt(2 / fanIn)); // fanIn×out
    const h = new Float32Array(N * out); // N×out
    for (let i = 0; i < N; i++) {
      for (let o = 0; o < out; o++) {
        let s = 0;
        for (let c = 0; c < fanIn; c++) s += prev[i * fanIn + c] * W[c * out + o];
        h[i * out + o] = l < DEPTH ? Math.max(0, s) : 1 / (1 + Math.exp(-s));
      }
    }
    clouds.push({ data: h, dim: out });
    prev = h;
    fanIn = out;
  }
  return clouds;
}

/** Median seconds of fn over benchmark.js samples (fn may return a promise). */
function time(name, fn, quick) {
  return new Promise((resolve, reject) => {
    const b = new Benchmark(name, {
      defer: true,
      fn: (d) => Promise.resolve(fn()).then(() => d.resolve(), reject),
      minSamples: quick ? 1 : 3,
      maxTime: quick ? 0.5 : 3,
      initCount: 1,
      onComplete: () => {
        const s = [...b.stats.sample].sort((x, y) => x - y);
        resolve(s.length ? s[Math.floor(s.length / 2)] : b.times.period);
      },
      onError: (e) => reject(e.target.error),
    });
    b.run({ async: true });
  });
}

function hasNetworkx() {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import networkx"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** networkx BFS (single_source_shortest_path_length) from the first `sources` nodes; seconds and the sums. */
function networkxHops(graph, sources, dir) {
  const edges = [];
  for (let i = 0; i < graph.n; i++) {
    for (let e = graph.rowPtr[i]; e < graph.rowPtr[i + 1]; e++) if (graph.colIdx[e] > i) edges.push(`${i} ${graph.colIdx[e]}`);
  }
  const file = join(dir, "edges.txt");
  writeFileSync(file, edges.join("\n") + "\n");
  const script = `
import sys, time, json, networkx as nx
G = nx.read_edgelist(sys.argv[1], nodetype=int)
G.add_nodes_from(range(${graph.n}))
t = time.perf_counter()
sums = [sum(nx.single_source_shortest_path_length(G, s).values()) for s in range(${sources})]
print(json.dumps({"seconds": time.perf_counter() - t, "sums": sums}))
`;
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8" }));
}

export default async function run({ quick = false } = {}) {
  const clouds = activations();
  const hidden = clouds.slice(0, -1); // the flow drops the output
  const arena = await Arena.create();
  const rows = [];
  const goals = [];
  const notes = [];
  const nx = hasNetworkx();
  const dir = mkdtempSync(join(tmpdir(), "foliate-ricci-"));
  try {
    for (const k of [30, 300]) {
      // Wasm
      const whole = await time(`flow k=${k}`, () => ricciFlowFromActivations(clouds, { k, mode: "directed", arena, disconnected: "reachable" }), quick);
      const knn = await time(`knn k=${k}`, () => hidden.forEach((c) => knnRowsOn(arena, c.data, N, c.dim, k)), quick);
      const graphs = hidden.map((c) => graphFromKnnOn(arena, N, k, knnRowsOn(arena, c.data, N, c.dim, k).idx, "directed"));
      const hops = await time(`hops k=${k}`, () => graphs.forEach((g) => hopDistanceSumsOn(arena, g)), quick);
      const hop1 = await time(`hops1 k=${k}`, () => hopDistanceSumsOn(arena, graphs[1]), quick);
      // plain TypeScript, float64: kNN timed in full; BFS over S sources per graph, scaled by N/S
      const S = quick ? 20 : 100;
      let t = performance.now();
      const tables = hidden.map((c) => knnReference(c.data, N, c.dim, k));
      const tsKnn = (performance.now() - t) / 1000;
      const refs = tables.map((tb) => graphReference(N, k, tb, "directed"));
      t = performance.now();
      refs.forEach((g) => formanReference(g));
      const tsForman = (performance.now() - t) / 1000;
      t = performance.now();
      for (const g of refs) hopSumsReference(g.adjacency, S);
      const tsHops = ((performance.now() - t) / 1000) * (N / S);
      t = performance.now();
      hopSumsReference(refs[1].adjacency, S);
      const tsHop1 = ((performance.now() - t) / 1000) * (N / S);
      const tsWhole = tsKnn + tsForman + tsHops;
      const ms = (s) => (s * 1000).toFixed(0);
      const x = (a, b) => (a / b).toFixed(1) + "×";
      rows.push([k, "whole flow (6 clouds)", ms(whole), ms(tsWhole), x(tsWhole, whole), "", ""]);
      rows.push([k, "kNN (6 clouds)", ms(knn), ms(tsKnn), x(tsKnn, knn), "", ""]);
      rows.push([k, "all-pairs hops (6 graphs)", ms(hops), ms(tsHops), x(tsHops, hops), "", ""]);
      let nxRatio = NaN;
      let nxCell = "n/a";
      if (nx) {
        const P = k === 300 ? (quick ? 3 : 10) : quick ? 10 : 40;
        const r = networkxHops(graphs[1], P, dir);
        const est = r.seconds * (N / P);
        const ours = hopDistanceSumsOn(arena, graphs[1]).sums;
        const agree = r.sums.every((s, i) => s === ours[i]);
        if (!agree) notes.push(`k=${k}: networkx sums DISAGREE with Foliate's on the sampled sources`);
        nxRatio = est / hop1;
        nxCell = ms(est);
        notes.push(`k=${k}: networkx timed on ${P} sources of the layer-1 graph and scaled ×${(N / P).toFixed(1)}; its sums equal Foliate's: ${agree}`);
      }
      rows.push([k, "all-pairs hops (layer-1 graph)", ms(hop1), ms(tsHop1), x(tsHop1, hop1), nxCell, Number.isNaN(nxRatio) ? "n/a" : nxRatio.toFixed(0) + "×"]);
      if (k === 300) {
        goals.push({ goal: "whole flow, n=2000, width 50, 5 layers, k=300 < 10 s (1 thread)", met: whole < 10, detail: `${whole.toFixed(2)} s` });
      }
      goals.push({
        goal: `all-pairs hops ≥ 20× networkx (k=${k})`,
        met: nx ? nxRatio >= 20 : false,
        detail: nx ? `${nxRatio.toFixed(0)}× (networkx ${nxCell} ms est., Foliate ${ms(hop1)} ms)` : "networkx not installed",
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    "Wasm: one thread, simd variant chosen by feature detection; hop kernel chosen by chooseHopMethod (bitset for these graphs).",
    "TypeScript: float64 twins (src/reference/ricci.ts), heap selection and queue BFS (the Wasm kNN switches to quickselect when 8k > n; its BFS is bit-parallel for dense graphs); the TS BFS is timed on the first sources and scaled to all n.",
    "Inputs: two-blob set (n = 2000, seed 7) through a seeded random ReLU network (N(0, 2/fan_in) weights), 'directed' kNN graphs.",
  );
  return {
    title: "Ricci network flow (n = 2000, width 50, 5 hidden layers)",
    headers: ["k", "part", "Foliate Wasm (ms)", "plain TS (ms)", "Wasm speed-up", "networkx (ms)", "vs networkx"],
    rows, goals, notes,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({ quick: process.argv.includes("--quick") });
  console.log(r.title);
  console.log(r.headers.join(" | "));
  for (const row of r.rows) console.log(row.join(" | "));
  for (const g of r.goals) console.log(`${g.met ? "MET" : "NOT MET"}: ${g.goal} — ${g.detail}`);
  for (const n of r.notes) console.log(`- ${n}`);
}
