import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type RunningServer } from "../../src/cli/serve.js";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { Model } from "../../src/model/model.js";
import { fdJacobian, referenceOutput, relError } from "../support/reference.js";
import { randomMlp, randomPoints } from "../support/models.js";
import { FIXTURE_MODEL, MAIN } from "./run.js";

const doc = JSON.parse(readFileSync(FIXTURE_MODEL, "utf8"));
const model = Model.fromJSON(doc);
const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("foliate serve (the built bin)", () => {
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => {
    child = spawn(process.execPath, [MAIN, "serve", "--port", "0", "--max-body", "65536", "--workers", "2", "-q"], { stdio: ["ignore", "pipe", "pipe"] });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c) => {
        out += c;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`serve exited with ${code}`)));
    });
  });
  afterAll(async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    expect(await exited).toBe(0); // a clean stop
  });

  test("wrong method → 405", async () => {
    const res = await fetch(`${url}/v1/forward`);
    expect(res.status).toBe(405);
    expect((await res.json()).error.code).toBe("METHOD");
  });

  test("200 requests, 8 at a time, over every endpoint: no failures, results match float64 references", async () => {
    const endpoints = ["/v1/forward", "/v1/jacobian", "/v1/dim", "/v1/pullbackMetric"];
    let next = 0, ok = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (next < 200) {
        const k = next++;
        const x = [Math.sin(k), Math.cos(3 * k), 0.5 * Math.sin(7 * k)];
        const path = endpoints[k % 4];
        const res = await post(url, path, { model: doc, X: [x, x.map((v) => -v)], options: path === "/v1/jacobian" ? { output: "logits" } : {} });
        const body = await res.json();
        if (res.status !== 200) {
          failures.push(`${k} ${path}: ${res.status} ${JSON.stringify(body)}`);
          continue;
        }
        if (path === "/v1/forward") expect(relError(body.logits[0], referenceOutput(model, x))).toBeLessThan(1e-5);
        if (path === "/v1/jacobian") expect(body.shape).toEqual([2, 4, 3]);
        if (path === "/v1/dim") expect(body.eigenvalues).toHaveLength(2);
        if (path === "/v1/pullbackMetric") expect(body.rank).toHaveLength(2);
        ok++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failures).toEqual([]);
    expect(ok).toBe(200);
    const health = await (await fetch(`${url}/v1/health`)).json();
    expect(health).toMatchObject({ ok: true, workers: 2, models: 1 }); // one model, cached by content
  });

  test("the Jacobian endpoint's numbers are the exact Jacobian (vs float64 finite differences)", async () => {
    const x = [0.3, -0.2, 0.5];
    const body = await (await post(url, "/v1/jacobian", { model: doc, X: [x] })).json();
    expect(relError(body.data[0].flat(), fdJacobian(model, x))).toBeLessThan(1e-5);
  });

  test("an oversized body gets 413 with a JSON error", async () => {
    const big = JSON.stringify({ model: doc, X: Array.from({ length: 4000 }, () => [0.123456, 0.123456, 0.123456]) });
    expect(big.length).toBeGreaterThan(65536);
    const res = await post(url, "/v1/forward", big);
    expect(res.status).toBe(413);
    expect((await res.json()).error).toEqual({ code: "BODY_TOO_LARGE", message: "request body exceeds the limit of 65536 bytes" });
    expect((await fetch(`${url}/v1/health`)).status).toBe(200); // still serving
  });

  test.each([
    ["/v1/forward", "{ nope", 400, "BAD_JSON", /not valid JSON/],
    ["/v1/forward", { model: { format: "keras" }, X: [[1, 2, 3]] }, 400, "MODEL_FORMAT", /"format" must be "foliate-model"/],
    ["/v1/forward", { model: doc, X: [[1, 2]] }, 400, "SHAPE", /X\[0\] has 2 values, expected the model's input size d = 3/],
    ["/v1/dim", { model: doc, X: [[1, 2, 3]], options: { rankTol: 7 } }, 400, "OPTION", /rankTol must be a number in \[0, 1\)/],
    ["/v1/dim", { model: doc, X: [[1, 2, 3]], options: { frob: 1 } }, 400, "OPTION", /unknown option "frob" for \/v1\/dim/],
    ["/v1/forward", { X: [[1, 2, 3]] }, 400, "OPTION", /needs a "model" field/],
    ["/v1/forward", { model: doc, X: [] }, 400, "EMPTY_BATCH", /empty batch/],
    ["/v1/hessian", { model: doc, X: [[1, 2, 3]] }, 404, "NOT_FOUND", /no endpoint \/v1\/hessian/],
  ])("%s with bad input → %i %s", async (path, body, status, code, message) => {
    const res = await post(url, path as string, body);
    expect(res.status).toBe(status);
    const err = (await res.json()).error;
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message as RegExp);
  });
});

describe("the bounded queue (in process)", () => {
  let engine: Engine;
  let server: RunningServer;
  beforeAll(async () => {
    engine = await createEngine({ workers: 1 });
    server = await startServer({ engine, port: 0, concurrency: 1, maxQueue: 1 });
  });
  afterAll(async () => {
    await server.close();
    await engine.close();
  });

  test("with one request computing and one waiting, the next gets 503; all settle", async () => {
    const big = randomMlp([64, 256, 256, 10], 5).toJSON();
    const X = Array.from({ length: 3000 }, (_, i) => Array.from(randomPoints(1, 64, i)));
    const health = async () => (await (await fetch(`${server.url}/v1/health`)).json()).queue;
    const until = async (pred: (q: { active: number; waiting: number }) => boolean) => {
      for (let i = 0; i < 2000 && !pred(await health()); i++) await new Promise((r) => setTimeout(r, 5));
    };
    const a = post(server.url, "/v1/dim", { model: big, X });
    await until((q) => q.active === 1);
    const b = post(server.url, "/v1/dim", { model: big, X: X.slice(0, 10) });
    await until((q) => q.waiting === 1);
    const c = await post(server.url, "/v1/forward", { model: big, X: X.slice(0, 1) });
    expect(c.status).toBe(503);
    expect((await c.json()).error.code).toBe("QUEUE_FULL");
    expect((await a).status).toBe(200);
    expect((await b).status).toBe(200);
    expect(await health()).toMatchObject({ active: 0, waiting: 0 });
  });
});
