/**
 * Tidying of the imported graph, on Foliate nodes (all consumers known): nodes that do not lead to the output
 * are dropped (unused shape arithmetic, dead branches); an Add of a per-channel constant right after a
 * dense/conv2d with no other consumer becomes that node's bias; an activation right after a dense/conv2d/add
 * with linear activation and no other consumer fuses into it, and the fused node takes the activation's name
 * (its output is the activation's output). What cannot fold stays: the constant Add as an exact affine
 * batchNorm (γ = 1, μ = 0, σ² = 1, ε = 0), the activation as its own node.
 */
import { INPUT, type LooseLayer } from "./types.js";
import type { MadeNode } from "./onnx-graph.js";
import { uniqueNames } from "./onnx-names.js";

interface Ref {
  layer: LooseLayer;
  name: string;
  ins: (Ref | null)[]; // null: the model input
  biasAdd?: Float64Array;
  alive: boolean;
}

/** The nodes in order, tidied (see the module comment), with indices for inputs and unique names. */
export function tidyNodes(made: readonly MadeNode[], output: number): { layers: LooseLayer[] } {
  const refs: Ref[] = [];
  for (const m of made) refs.push({ layer: { ...m.layer }, name: m.name, ins: (m.layer.inputs ?? []).map((j) => (j === INPUT ? null : refs[j])), biasAdd: m.biasAdd, alive: false });
  // Keep what the output depends on.
  const stack = [refs[output]];
  while (stack.length) {
    const r = stack.pop()!;
    if (r.alive) continue;
    r.alive = true;
    for (const s of r.ins) if (s) stack.push(s);
  }
  const live = refs.filter((r) => r.alive);
  const uses = new Map<Ref, number>([[refs[output], 1]]);
  for (const r of live) for (const s of r.ins) if (s) uses.set(s, (uses.get(s) ?? 0) + 1);

  for (const r of live) {
    const src = r.ins[0];
    if (!src || r.ins.length !== 1 || uses.get(src) !== 1) continue;
    const s = src.layer;
    if (r.biasAdd && (s.type === "dense" || s.type === "conv2d") && s.activation === "linear") {
      const bias = Float64Array.from(s.bias, (b, j) => b + r.biasAdd![j]);
      Object.assign(r, { layer: { ...s, bias }, ins: src.ins, biasAdd: undefined, name: src.name });
    } else if (r.layer.type === "activation" && (s.type === "dense" || s.type === "conv2d" || s.type === "add") && s.activation === "linear") {
      const alpha = r.layer.alpha === undefined ? {} : { alpha: r.layer.alpha };
      Object.assign(r, { layer: { ...s, activation: r.layer.activation, ...alpha }, ins: src.ins });
    } else continue;
    src.alive = false; // its only consumer took it over (at the consumer's place: still topological)
  }
  const kept = live.filter((r) => r.alive);
  const at = new Map(kept.map((r, i) => [r, i]));
  const names = uniqueNames(kept.map((r) => r.name));
  const layers = kept.map((r, i): LooseLayer => ({ ...r.layer, inputs: r.ins.map((s) => (s ? at.get(s)! : INPUT)), ...(names[i] ? { name: names[i] } : {}) }) as LooseLayer);
  return { layers };
}
