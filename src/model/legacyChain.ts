/**
 * The node subset that the chain-only kernels (float32 plan, float64 path nets, region unrolling) handle:
 * a chain of dense, conv2d (groups 1, dilation 1), max/avg pooling (average without counted padding),
 * flatten and activations. Everything else is the compiled graph's; until an analysis moves onto it, it
 * refuses other models with an UnsupportedLayerError naming the node and the analysis.
 */
import { UnsupportedLayerError } from "../errors.js";
import { nodeLabel } from "./shapes.js";
import type { Layer, ModelSpec } from "./types.js";

/** Why `node` (index i) is outside the chain subset, or undefined when it is inside. */
function unsupportedReason(node: Layer, i: number): string | undefined {
  if (node.inputs.length !== 1 || node.inputs[0] !== i - 1) return "it does not read the previous node (a graph, not a chain)";
  switch (node.type) {
    case "dense":
    case "flatten":
    case "activation":
      return undefined;
    case "conv2d":
      if (node.groups !== 1) return `groups = ${node.groups}`;
      if (node.dilations[0] !== 1 || node.dilations[1] !== 1) return `dilations [${node.dilations}]`;
      return undefined;
    case "maxPool2d":
    case "avgPool2d":
      if (node.type === "avgPool2d" && node.countIncludePad && node.pads.some((p) => p > 0)) return "countIncludePad with padding";
      return undefined;
    default:
      return "this node type";
  }
}

/** Throw UnsupportedLayerError unless every node of `spec` is in the chain subset. */
export function requireChainSubset(spec: ModelSpec, analysis: string): void {
  spec.layers.forEach((node, i) => {
    const why = unsupportedReason(node, i);
    if (why) throw new UnsupportedLayerError(`${analysis}: ${nodeLabel(i, node)} is not supported yet (${why}); this analysis runs on chains of dense, conv2d, pooling, flatten and activation layers`);
  });
}
