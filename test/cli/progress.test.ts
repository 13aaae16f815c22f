import { expect, test } from "vitest";
import { Progress } from "../../src/cli/progress.js";

test("without a TTY, progress is plain lines at most every 10% and a done line; quiet prints nothing", () => {
  let out = "";
  const p = new Progress({ write: (s: string) => (out += s) });
  const stage = p.stage("train", 100);
  for (let i = 1; i <= 100; i++) stage.update(i);
  const ms = stage.done("ok");
  const lines = out.trim().split("\n");
  expect(lines.slice(0, -1)).toEqual(["train: 1% (1/100)", ...Array.from({ length: 9 }, (_, k) => `train: ${10 * (k + 1)}% (${10 * (k + 1)}/100)`)]);
  expect(lines.at(-1)).toMatch(/^train: done in \d+ ms \(ok\)$/);
  expect(ms).toBeGreaterThanOrEqual(0);
  let quiet = "";
  const q = new Progress({ write: (s: string) => (quiet += s) }, true);
  q.stage("x", 3).done();
  expect(quiet).toBe("");
});
