import { expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

test("the README's example is examples/quickstart.mjs and runs as written", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const block = readme.split("## A first example")[1].split("```js\n")[1].split("```")[0];
  const file = readFileSync(new URL("../examples/quickstart.mjs", import.meta.url), "utf8");
  expect(block).toBe(file);
  const out = execFileSync(process.execPath, ["examples/quickstart.mjs"], { cwd: new URL("..", import.meta.url), encoding: "utf8" });
  expect(out).toMatch(/Jacobian shape \[ 2, 3, 4 \]/);
  expect(out).toMatch(/DIM rank \[ 2, 2 \]/);
});
