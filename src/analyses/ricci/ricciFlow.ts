/**
 * Ricci network flow (Baptista et al., "Deep learning as Ricci flow", Sci. Rep. 14:23383, 2024) of the layer-wise
 * point clouds of a network: per layer l = 0 (input X), 1..L (the outputs of the layers that apply a
 * nonlinearity), the kNN graph G_l, its Forman–Ricci curvature Ric_l, the hop-count geodesic sum
 * g_l = Σ_{i<j} γ_l(i,j), the change η_l = g_{l+1} − g_l (l = 0..L−1), and the global Ricci coefficient
 * ρ = Pearson over l = 0..L−1 of (Ric_l, η_l) (the curvature of the layer before the change; negative =
 * Ricci-flow-like), with its p-value and Fisher z.
 *
 * Disconnected graphs: g_l is then the sum over reachable pairs only, `components[l] > 1`,
 * `unreachablePairs[l] > 0` and `disconnected` is true. With `disconnected: "nan"` (default, as the authors' R
 * code, which drops such networks) ρ, the p-value, z and the local coefficients are NaN and `rhoReason` names the
 * layer; with `disconnected: "reachable"` they are computed from the reachable-pair sums.
 */
import type { Arena } from "../../engine/arena.js";
import { OptionError, ShapeError } from "../../errors.js";
import { checkMode, defaultArena, type GraphMode } from "./graph.js";
import { checkCloud, checkK, graphFromKnnOn } from "./knnGraph.js";
import { formanCurvatureOn } from "./formanCurvature.js";
import { chooseHopMethod, componentsOn, hopDistancesFromSums, type HopMethod } from "./hopDistances.js";
import { arenaExecutor, hopSumsWith, knnTableWith, type RicciExecutor } from "./executor.js";
import { pearson, pearsonPValue } from "./statistics.js";

/** One layer's activations: n×dim float32, row-major (point i is row i in every cloud). */
export interface ActivationCloud {
  data: Float32Array;
  dim: number;
}

export interface RicciFlowOptions {
  k: number;
  /** Default "directed" (the authors' R pipeline). */
  mode?: GraphMode;
  /** The last cloud is the network's output (logits or head): dropped unless true. Default false. */
  includeOutput?: boolean;
  /** What ρ is when some layer's graph is disconnected: "nan" (default) or "reachable" (sums over reachable pairs). */
  disconnected?: "nan" | "reachable";
  /**
   * Correlate over l = 1..L−1 only (the hidden layers), as the authors' R script, which computes no curvature for
   * the input. Default false: l = 0..L−1 (issue 5).
   */
  skipInput?: boolean;
  hopMethod?: HopMethod;
  /** Arena for the light steps (graphs, curvature, components), and for the heavy ones when no executor is given. */
  arena?: Arena;
  /** Runs the kNN rows and the BFS sources by range (the engine's pool); default: all on `arena`. */
  executor?: RicciExecutor;
}

export interface RicciFlowResult {
  k: number;
  mode: GraphMode;
  /** Points per cloud. */
  n: number;
  /** L: number of layers after the input (ric, g, components have L+1 entries, eta has L). */
  layers: number;
  /** L+1: Forman–Ricci curvature Ric_l (Σ over edges or arcs of 4 − deg i − deg j). */
  ric: Float64Array;
  /** L+1: g_l = Σ_{i<j} γ_l(i,j) (over reachable pairs when the graph is disconnected). */
  g: Float64Array;
  /** L: η_l = g_{l+1} − g_l. */
  eta: Float64Array;
  /** L+1: connected components of G_l. */
  components: Int32Array;
  /** L+1: pairs i<j with no path in G_l. */
  unreachablePairs: Float64Array;
  /** Some G_l is disconnected. */
  disconnected: boolean;
  /** Pearson(Ric_l, η_l) over l = 0..L−1 (1..L−1 with skipInput); NaN when undefined (see rhoReason). */
  rho: number;
  /** Number of (Ric_l, η_l) pairs in rho: L, or L − 1 with skipInput. */
  pairs: number;
  /** Why rho is NaN (null when it is a number). */
  rhoReason: string | null;
  /** Two-sided p-value of rho (Student t with pairs − 2 degrees of freedom); NaN when pairs < 3. */
  pValue: number;
  /**
   * atanh(ρ)·√(L−4), issue 5's Fisher z (NaN when L ≤ 4). With skipInput (pairs = L − 1, the R pipeline) this is
   * the standard Fisher statistic atanh(ρ)·√(pairs − 3); with the default l = 0..L−1 the standard one would be
   * atanh(ρ)·√(L − 3).
   */
  zFisher: number;
  /** atanh(ρ)/√(L−4), the paper's adjusted coefficient (NaN when L ≤ 4). */
  zAdjusted: number;
  /** n: local coefficient of point i = Pearson over the same l as rho of (node curvature_l(i), S_{l+1}(i) − S_l(i)). */
  local: Float64Array;
  /** (L+1)×n row-major: node curvature (Σ of F over incident edges/arcs) per layer and point. */
  nodeCurvature: Float64Array;
  /** (L+1)×n row-major: S_l(i) = Σ_j γ_l(i,j) per layer and point. */
  distanceSums: Float64Array;
}

export interface RicciSweepResult {
  ks: number[];
  mode: GraphMode;
  /** One per k, in the order of ks. */
  flows: RicciFlowResult[];
  /** ks.length: ρ_k. */
  rho: Float64Array;
}

function selectClouds(clouds: readonly ActivationCloud[], includeOutput: boolean): { n: number; used: readonly ActivationCloud[] } {
  if (!Array.isArray(clouds) || clouds.length < 2) {
    throw new ShapeError(`ricci flow needs the input and at least one layer's activations, got ${clouds?.length ?? 0} clouds`);
  }
  const used = includeOutput ? clouds : clouds.slice(0, -1);
  if (used.length < 2) throw new ShapeError(`ricci flow needs at least one layer besides the input and the output, got ${clouds.length} clouds`);
  const n = clouds[0].data.length / clouds[0].dim;
  used.forEach((c, l) => checkCloud(c.data, n, c.dim, `cloud ${l}`));
  return { n, used };
}

/** kNN tables of every layer for the largest k (rows nearest first: the first k' columns are the k'-NN). */
async function knnTables(ex: RicciExecutor, used: readonly ActivationCloud[], n: number, kMax: number): Promise<Int32Array[]> {
  const tables: Int32Array[] = [];
  for (const c of used) tables.push(await knnTableWith(ex, c.data, n, c.dim, kMax));
  return tables;
}

function truncate(table: Int32Array, n: number, kMax: number, k: number): Int32Array {
  if (k === kMax) return table;
  const out = new Int32Array(n * k); // n×k, row-major
  for (let i = 0; i < n; i++) out.set(table.subarray(i * kMax, i * kMax + k), i * k);
  return out;
}

async function flowFromTables(
  arena: Arena, ex: RicciExecutor, tables: Int32Array[], n: number, kMax: number, k: number, mode: GraphMode,
  policy: "nan" | "reachable", hopMethod: HopMethod, skipInput: boolean,
): Promise<RicciFlowResult> {
  const L = tables.length - 1;
  const ric = new Float64Array(L + 1);
  const g = new Float64Array(L + 1);
  const components = new Int32Array(L + 1);
  const unreachablePairs = new Float64Array(L + 1);
  const nodeCurvature = new Float64Array((L + 1) * n); // (L+1)×n
  const distanceSums = new Float64Array((L + 1) * n); // (L+1)×n
  let firstDisconnected = -1;
  for (let l = 0; l <= L; l++) {
    const graph = graphFromKnnOn(arena, n, k, truncate(tables[l], n, kMax, k), mode);
    const curv = formanCurvatureOn(arena, graph);
    const method = chooseHopMethod(graph, hopMethod);
    const { sums, reached } = await hopSumsWith(ex, graph, method);
    const hops = hopDistancesFromSums(graph, sums, reached, componentsOn(arena, graph), method);
    ric[l] = curv.total;
    g[l] = hops.g;
    components[l] = hops.components;
    unreachablePairs[l] = hops.unreachablePairs;
    nodeCurvature.set(curv.node, l * n);
    distanceSums.set(hops.sums, l * n);
    if (!hops.connected && firstDisconnected < 0) firstDisconnected = l;
  }
  const eta = new Float64Array(L); // L
  for (let l = 0; l < L; l++) eta[l] = g[l + 1] - g[l];

  const first = skipInput ? 1 : 0; // first layer of the correlation
  const pairs = L - first;
  const local = new Float64Array(n).fill(NaN); // n
  let rho = NaN;
  let rhoReason: string | null = null;
  if (firstDisconnected >= 0 && policy === "nan") {
    rhoReason = `graph of layer ${firstDisconnected} is disconnected (${components[firstDisconnected]} components, ` +
      `${unreachablePairs[firstDisconnected]} unreachable pairs); pass disconnected: "reachable" to use reachable-pair sums`;
  } else if (pairs < 2) {
    rhoReason = `a correlation over layers needs at least 2 (Ric_l, η_l) pairs, got ${pairs} (L = ${L}${skipInput ? ", input skipped" : ""})`;
  } else {
    rho = pearson(ric.subarray(first, L), eta.subarray(first));
    if (Number.isNaN(rho)) rhoReason = "Ric_l or η_l is constant over the layers";
    const c = new Float64Array(pairs);
    const d = new Float64Array(pairs);
    for (let i = 0; i < n; i++) {
      for (let l = first; l < L; l++) {
        c[l - first] = nodeCurvature[l * n + i];
        d[l - first] = distanceSums[(l + 1) * n + i] - distanceSums[l * n + i];
      }
      local[i] = pearson(c, d);
    }
  }
  const pValue = Number.isNaN(rho) ? NaN : pearsonPValue(rho, pairs);
  const z = Math.atanh(rho);
  const zFisher = L > 4 ? z * Math.sqrt(L - 4) : NaN;
  const zAdjusted = L > 4 ? z / Math.sqrt(L - 4) : NaN;
  return {
    k, mode, n, layers: L, ric, g, eta, components, unreachablePairs, disconnected: firstDisconnected >= 0,
    rho, pairs, rhoReason, pValue, zFisher, zAdjusted, local, nodeCurvature, distanceSums,
  };
}

/**
 * The Ricci network flow of a list of activation clouds: clouds[0] is the input X, clouds[1..] the outputs of the
 * layers that apply a nonlinearity, in order, the last being the network's output (dropped unless includeOutput).
 */
export async function ricciFlowFromActivations(
  clouds: readonly ActivationCloud[], opts: RicciFlowOptions,
): Promise<RicciFlowResult> {
  const mode = checkMode(opts.mode ?? "directed");
  const policy = opts.disconnected ?? "nan";
  if (policy !== "nan" && policy !== "reachable") throw new OptionError(`disconnected must be "nan" or "reachable", got ${JSON.stringify(policy)}`);
  const { n, used } = selectClouds(clouds, opts.includeOutput ?? false);
  checkK(opts.k, n);
  const arena = opts.arena ?? (await defaultArena());
  const ex = opts.executor ?? arenaExecutor(arena);
  const tables = await knnTables(ex, used, n, opts.k);
  return flowFromTables(arena, ex, tables, n, opts.k, opts.k, mode, policy, opts.hopMethod ?? "auto", opts.skipInput ?? false);
}

/**
 * ρ_k for every k of a sweep. The kNN tables are computed once per layer for the largest k and truncated (exact:
 * rows are in the total order (distance, index), so the first k' columns of the k-NN are the k'-NN).
 */
export async function ricciSweepFromActivations(
  clouds: readonly ActivationCloud[], ks: readonly number[], mode: GraphMode = "directed",
  opts: Omit<RicciFlowOptions, "k" | "mode"> = {},
): Promise<RicciSweepResult> {
  checkMode(mode);
  const policy = opts.disconnected ?? "nan";
  const { n, used } = selectClouds(clouds, opts.includeOutput ?? false);
  if (!Array.isArray(ks) || ks.length === 0) throw new OptionError("ks must be a non-empty list of k");
  ks.forEach((k) => checkK(k, n));
  const kMax = Math.max(...ks);
  const arena = opts.arena ?? (await defaultArena());
  const ex = opts.executor ?? arenaExecutor(arena);
  const tables = await knnTables(ex, used, n, kMax);
  const flows: RicciFlowResult[] = [];
  for (const k of ks) {
    flows.push(await flowFromTables(arena, ex, tables, n, kMax, k, mode, policy, opts.hopMethod ?? "auto", opts.skipInput ?? false));
  }
  return { ks: [...ks], mode, flows, rho: Float64Array.from(flows, (f) => f.rho) };
}
