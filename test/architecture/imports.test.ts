/**
 * The layering of src/ (see ../shared STYLE: API → analysis → runtime → kernel): no import cycle anywhere in
 * src/ (type-only imports included), and the runtime (src/engine/) imports nothing from src/analyses/ or the
 * facade. Imports are read from the sources with a regular expression over `import … from "…"`,
 * `export … from "…"` and `import("…")`, resolved relative to the importing file.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(f) && !/\.d\.ts$/.test(f) ? [p] : [];
  });
}

const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** src-relative module → src-relative modules it imports (local ones only). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, "utf8");
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith(".")) continue;
      deps.push(relative(root, resolve(dirname(file), spec.replace(/\.js$/, ".ts"))));
    }
    graph.set(relative(root, file), deps);
  }
  return graph;
}

/** Every cycle found by depth-first search (each reported once, as the path that closes it). */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    state.set(v, 1);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (state.get(w) === 1) cycles.push([...stack.slice(stack.indexOf(w)), w]);
      else if (!state.get(w)) visit(w);
    }
    stack.pop();
    state.set(v, 2);
  };
  for (const v of graph.keys()) if (!state.get(v)) visit(v);
  return cycles;
}

describe("the module layering of src/", () => {
  const graph = importGraph();

  it("reads a non-trivial graph (the check can fail)", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(findCycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]))).toEqual([["a", "b", "c", "a"]]);
  });

  it("has no import cycle", () => {
    expect(findCycles(graph).map((c) => c.join(" → "))).toEqual([]);
  });

  it("keeps the runtime (src/engine/) free of analyses, the facade and the command line", () => {
    const bad = [...graph].flatMap(([from, deps]) =>
      from.startsWith("engine/") ? deps.filter((d) => /^(analyses|api|cli|experiments)\//.test(d)).map((d) => `${from} → ${d}`) : [],
    );
    expect(bad).toEqual([]);
  });
});
