/** Spawning the built CLI (dist/cli/main.js: tests run after `npm run build`). */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const FIXTURE_MODEL = fileURLToPath(new URL("../fixtures/cli/mlp-3-5-4.json", import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function foliate(args: string[], timeoutMs = 50_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
    let stdout = "", stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`foliate ${args.join(" ")} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The same CLI in this process (src/cli/program.ts, output captured): for the many small cases. */
export async function foliateInProcess(args: string[]): Promise<RunResult> {
  const { runCli } = await import("../../src/cli/program.js");
  let stdout = "", stderr = "";
  const code = await runCli(["node", "foliate", ...args], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}
