/**
 * Names of imported nodes. PyTorch (1.13+) names an exported node by its module scope and op,
 * `/layer1/layer1.0/relu1/Relu`; Foliate names the node after the module, `layer1.0.relu1`, so that
 * `{ layer: "layer1.0.relu1" }` reads like the PyTorch code. An op called in a module's forward (not a module
 * of its own, like the residual `+`) is `layer1.0.add`; at the top level `flatten`, `add_1`. Other exporters'
 * names are kept as they are (or the node's first output name when it has none).
 */
import type { OnnxNode } from "./onnx-decode.js";

/** The dotted module path of a PyTorch scope name (`/layer2/layer2.0/shortcut/shortcut.0/Conv` → `layer2.0.shortcut.0`) and its op segment. */
function scopeOf(name: string): { path: string; op: string } | undefined {
  if (!name.startsWith("/") || name.length < 2) return undefined;
  const segments = name.slice(1).split("/");
  const op = segments.pop()!;
  let path = "";
  let last = "";
  for (const s of segments) {
    // nested containers repeat their parent's qualified name: "layer1" then "layer1.0"
    path = last && s.startsWith(`${last}.`) ? path.slice(0, path.length - last.length) + s : path ? `${path}.${s}` : s;
    last = s;
  }
  return { path, op };
}

/** The preferred Foliate name for every ONNX node (duplicates are resolved when the nodes are made). */
export function onnxNodeNames(nodes: readonly OnnxNode[]): string[] {
  const scopes = nodes.map((n) => scopeOf(n.name ?? ""));
  const containers = new Set<string>();
  for (const s of scopes) {
    if (!s) continue;
    const parts = s.path.split(".");
    for (let k = 1; k < parts.length; k++) containers.add(parts.slice(0, k).join("."));
  }
  return nodes.map((n, i) => {
    const s = scopes[i];
    if (!s) return n.name || n.output?.[0] || "";
    if (s.path && !containers.has(s.path)) return s.path;
    const op = s.op.charAt(0).toLowerCase() + s.op.slice(1);
    return s.path ? `${s.path}.${op}` : op;
  });
}

/** Make names unique: a repeated name gets `_2`, `_3`, … (the first keeps it). */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((name) => {
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    if (k === 0) return name;
    let j = k + 1;
    while (taken.has(`${name}_${j}`)) j++;
    taken.add(`${name}_${j}`);
    return `${name}_${j}`;
  });
}
