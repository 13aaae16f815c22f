/**
 * tfjs's "Hi, looks like you are running TensorFlow.js in Node.js" banner (printed by its CPU backend at the
 * first tensor) stays out of the CLI's output and the test log (issue 12, item 9): src/tfjsQuiet.ts is the one
 * import of tfjs and sets its PROD flag.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, vi } from "vitest";
import { foliate } from "./run.js";

const BANNER = /TensorFlow\.js in Node\.js|tfjs-node/;

test("a CLI command that trains with tfjs on the CPU backend prints no tfjs banner, with and without -q", async () => {
  // localgeo's experiments 1–3 train softmax regressions with tfjs on the "cpu" backend
  for (const quiet of [["-q"], []]) {
    const r = await foliate(["localgeo", "--quick", "-w", "0", ...quiet], 90_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/MMSE/i); // it did run the experiments
    expect(r.stdout).not.toMatch(BANNER);
    expect(r.stderr).not.toMatch(BANNER);
  }
}, 200_000);

test("tfjs imported through src/tfjsQuiet.ts warns nothing at its first CPU tensor", async () => {
  const warn = vi.spyOn(console, "warn");
  const log = vi.spyOn(console, "log");
  try {
    const { tf } = await import("../../src/tfjsQuiet.js");
    await tf.setBackend("cpu");
    const t = tf.tensor1d([1, 2, 3]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    t.dispose();
    const printed = [...warn.mock.calls, ...log.mock.calls].map((c) => c.join(" "));
    expect(printed.filter((s) => BANNER.test(s))).toEqual([]);
  } finally {
    warn.mockRestore();
    log.mockRestore();
  }
});

test("src/ loads @tensorflow/tfjs only through src/tfjsQuiet.ts (type-only imports aside)", () => {
  const src = fileURLToPath(new URL("../../src", import.meta.url));
  const offenders = (readdirSync(src, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts") && f !== "tfjsQuiet.ts")
    .filter((f) => /^import (?!type )[^;]*from "@tensorflow\/tfjs";|await import\("@tensorflow\/tfjs"\)/m.test(readFileSync(join(src, f), "utf8")));
  expect(offenders).toEqual([]);
});
