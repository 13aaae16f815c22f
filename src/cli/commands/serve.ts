/** `foliate serve --port P`: the HTTP JSON API (src/cli/serve.ts) until SIGINT/SIGTERM. */
import { createEngine } from "../../api/engine.js";
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { parseWorkers, workersOption } from "../engineSession.js";
import { startServer } from "../serve.js";

function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  return n;
}

export const serveCommand: CliCommand = {
  name: "serve",
  summary: "HTTP JSON API on 127.0.0.1: POST /v1/forward|jacobian|dim|pullbackMetric, GET /v1/health",
  options: (cmd) => {
    cmd
      .option("-p, --port <port>", "TCP port (0 = any free port)", "8787")
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .option("--max-body <bytes>", "request body limit in bytes (413 above)", String(16 * 1024 * 1024))
      .option("--max-queue <n>", "requests waiting for a compute slot before 503", "64")
      .option("--concurrency <n>", "requests computing at once (default 2 × workers)");
    workersOption(cmd);
  },
  examples: [
    "foliate serve --port 8787",
    `curl -s localhost:8787/v1/dim -d '{"model": ..., "X": [[0.1, 0.2]]}'`,
  ],
  async run(_args, opts, ctx) {
    const port = intOption(opts.port, "--port", 0, 65535)!;
    const engine = await createEngine({ workers: parseWorkers(opts.workers) });
    const server = await startServer({
      engine, port, host: String(opts.host),
      maxBodyBytes: intOption(opts.maxBody, "--max-body", 1, 2 ** 31),
      maxQueue: intOption(opts.maxQueue, "--max-queue", 0, 1_000_000),
      concurrency: intOption(opts.concurrency, "--concurrency", 1, 4096),
    });
    // The one stdout line tools wait for (the port matters with --port 0).
    process.stdout.write(`foliate serve: listening on ${server.url}\n`);
    ctx.log(`workers: ${engine.workers}; stop with Ctrl-C`);
    // Ctrl-C / SIGTERM abort ctx.signal (src/cli/program.ts): the server then closes and the command ends normally.
    await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener("abort", () => resolve(), { once: true })));
    await server.close();
    await engine.close();
    ctx.log("foliate serve: stopped");
  },
};
