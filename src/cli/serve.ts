/**
 * `foliate serve`: a small HTTP JSON API on 127.0.0.1 (node:http, no framework) so tools in other languages
 * can use Foliate as a backend.
 *
 *   GET  /v1/health                      → { ok, workers, queue: { active, waiting, max }, models }
 *   POST /v1/forward | /v1/jacobian | /v1/dim | /v1/pullbackMetric
 *        body { model: <foliate-model JSON>, X: number[][], options?: {...} } → the result as nested arrays
 *
 * Limits: bodies above `maxBodyBytes` get 413; at most `concurrency` requests compute at once and
 * `maxQueue` more wait, beyond that 503 (retry later). Bad input gets 400 with the FoliateError's code and
 * message; errors are always `{ "error": { "code", "message" } }`. Parsed models are cached by the SHA-256
 * of their JSON (LRU, `maxModels`), so repeated requests reuse the weights already uploaded to the workers.
 * A gzip'd body (`Content-Encoding: gzip`, or any body starting with the gzip magic bytes) is inflated, at most
 * to `maxBodyBytes`; `model` may also be a trained-model cache entry `{ recipe, model, … }` (src/model/modelDocument.ts).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FoliateError, OptionError, ShapeError } from "../errors.js";
import type { Engine } from "../api/engine.js";
import { Model } from "../model/model.js";
import { gunzipIfCompressed, modelDocument } from "../model/modelDocument.js";
import { nest } from "./files.js";

export interface ServeOptions {
  engine: Engine;
  /** 0 picks an ephemeral port. */
  port: number;
  host?: string;
  /** Request body limit in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Requests computing at once (default 2 × workers, at least 2). */
  concurrency?: number;
  /** Requests waiting for a compute slot before 503 (default 64). */
  maxQueue?: number;
  /** Parsed models kept (default 16). */
  maxModels?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

type Handler = (engine: Engine, model: Model, X: number[][], options: Record<string, unknown>) => Promise<unknown>;

const OPTION_KEYS: Record<string, string[]> = {
  forward: ["activations"],
  jacobian: ["output"],
  dim: ["rankTol"],
  pullbackMetric: ["layer", "rankTol", "full"],
};

const handlers: Record<string, Handler> = {
  async forward(engine, model, X, o) {
    const r = await engine.forward(model, X, { activations: !!o.activations });
    return {
      n: r.n, m: r.m,
      logits: nest(r.logits, [r.n, r.m]),
      probs: nest(r.probs, [r.n, r.m]),
      regionHash: Array.from(r.regionHash, (h) => h.toString(16).padStart(16, "0")),
      ...(r.activations ? { activations: r.activations.map((a) => ({ layer: a.layer, shape: a.shape, data: nest(a.data, [r.n, a.data.length / r.n]) })) } : {}),
    };
  },
  async jacobian(engine, model, X, o) {
    const r = await engine.jacobian(model, X, { output: o.output as never });
    return { shape: r.shape, data: nest(r.data, r.shape) };
  },
  async dim(engine, model, X, o) {
    const r = await engine.dim(model, X, { rankTol: o.rankTol as number | undefined });
    return { n: r.n, d: r.d, C: r.C, r: r.r, eigenvalues: nest(r.eigenvalues, [r.n, r.r]), eigenvectors: nest(r.eigenvectors, [r.n, r.r, r.d]), rank: Array.from(r.rank), probs: nest(r.probs, [r.n, r.C]) };
  },
  async pullbackMetric(engine, model, X, o) {
    const r = await engine.pullbackMetric(model, X, { layer: o.layer as number | undefined, rankTol: o.rankTol as number | undefined, full: !!o.full });
    return { n: r.n, d: r.d, m: r.m, r: r.r, route: r.route, eigenvalues: nest(r.eigenvalues, [r.n, r.r]), eigenvectors: nest(r.eigenvectors, [r.n, r.r, r.d]), rank: Array.from(r.rank), kernelDim: Array.from(r.kernelDim) };
  },
};

/** Read the body, refusing more than `limit` bytes (413; the rest is drained up to 4×limit, then the socket closed). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    const tooLarge = () => new HttpError(413, "BODY_TOO_LARGE", `request body exceeds the limit of ${limit} bytes`);
    if (declared > 4 * limit) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
      if (size > 4 * limit) req.destroy();
    });
    req.on("end", () => (over ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const { engine } = o;
  const host = o.host ?? "127.0.0.1";
  const maxBody = o.maxBodyBytes ?? 16 * 1024 * 1024;
  const concurrency = o.concurrency ?? Math.max(2, 2 * engine.workers);
  const maxQueue = o.maxQueue ?? 64;
  const maxModels = o.maxModels ?? 16;
  const models = new Map<string, Model>(); // content hash → model, in LRU order
  let active = 0;
  const waiting: (() => void)[] = [];

  const acquire = async (): Promise<void> => {
    if (active < concurrency) {
      active++;
      return;
    }
    if (waiting.length >= maxQueue) throw new HttpError(503, "QUEUE_FULL", `server busy: ${active} requests computing and ${waiting.length} waiting (limit ${maxQueue}); retry later`);
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next(); // hand the slot over: active stays the same
    else active--;
  };

  const modelFor = (doc: unknown): Model => {
    if (doc === undefined) throw new OptionError(`the body needs a "model" field (a foliate-model JSON document)`);
    const key = createHash("sha256").update(JSON.stringify(doc)).digest("hex");
    let model = models.get(key);
    if (model) models.delete(key);
    else model = Model.fromJSON(modelDocument(doc));
    models.set(key, model);
    if (models.size > maxModels) models.delete(models.keys().next().value!);
    return model;
  };

  const handle = async (req: IncomingMessage): Promise<unknown> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/v1/health") {
      if (req.method !== "GET") throw new HttpError(405, "METHOD", `${url.pathname} takes GET, got ${req.method}`);
      return { ok: true, workers: engine.workers, queue: { active, waiting: waiting.length, max: maxQueue, concurrency }, models: models.size };
    }
    const m = /^\/v1\/(\w+)$/.exec(url.pathname);
    const name = m?.[1];
    if (!name || !handlers[name]) throw new HttpError(404, "NOT_FOUND", `no endpoint ${url.pathname}: expected GET /v1/health or POST /v1/${Object.keys(handlers).join("|")}`);
    if (req.method !== "POST") throw new HttpError(405, "METHOD", `${url.pathname} takes POST, got ${req.method}`);
    const raw = await gunzipIfCompressed(await readBody(req, maxBody), "the request body", maxBody);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(raw));
    } catch (e) {
      throw new HttpError(400, "BAD_JSON", `the body is not valid JSON: ${(e as Error).message}`);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new HttpError(400, "BAD_REQUEST", `the body must be an object { model, X, options? }`);
    const { model: doc, X, options = {} } = body as { model?: unknown; X?: unknown; options?: unknown };
    if (!Array.isArray(X)) throw new ShapeError(`"X" must be an array of points (number[][]), got ${X === undefined ? "nothing" : typeof X}`);
    if (options === null || typeof options !== "object" || Array.isArray(options)) throw new OptionError(`"options" must be an object`);
    const unknown = Object.keys(options).filter((k) => !OPTION_KEYS[name].includes(k));
    if (unknown.length) throw new OptionError(`unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} for /v1/${name}: expected ${OPTION_KEYS[name].join(", ")}`);
    await acquire();
    try {
      const model = modelFor(doc);
      const t0 = performance.now();
      const result = await handlers[name](engine, model, X as number[][], options as Record<string, unknown>);
      return { ...(result as object), ms: performance.now() - t0 };
    } finally {
      release();
    }
  };

  const send = (res: ServerResponse, status: number, payload: unknown, close = false) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...(close ? { connection: "close" } : {}) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    handle(req).then(
      (result) => send(res, 200, result),
      (e) => {
        if (e instanceof HttpError) send(res, e.status, { error: { code: e.code, message: e.message } }, e.status === 413);
        else if (e instanceof FoliateError) send(res, 400, { error: { code: e.code, message: e.message } });
        else send(res, 500, { error: { code: "INTERNAL", message: (e as Error)?.message ?? String(e) } });
      },
    );
  });
  server.requestTimeout = 5 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
