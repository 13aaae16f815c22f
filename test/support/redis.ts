/**
 * A real redis-server for tests: on a free localhost port, in a temporary directory, without persistence
 * (`--save '' --appendonly no`); stop() ends it (SIGTERM) and removes the directory. Optionally with a password
 * (requirepass) and TLS only, from a throwaway CA made with openssl (makeCertificates).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let data = "";
    sock.setTimeout(500, () => (sock.destroy(), resolve(false)));
    sock.on("error", () => resolve(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (c) => {
      data += c;
      if (data.includes("PONG") || data.includes("NOAUTH")) {
        sock.end();
        resolve(true);
      }
    });
  });
}

/** A throwaway CA and a server certificate it signed for 127.0.0.1 / localhost (openssl, EC P-256, 1 day). */
export interface TestCertificates {
  ca: string;
  cert: string;
  key: string;
  /** The CA's PEM text. */
  caPem: string;
}

export function makeCertificates(dir: string): TestCertificates {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "1", "-subj", "/CN=foliate test CA");
  ssl("req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=localhost");
  writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("server.crt"), "-days", "1", "-extfile", f("san.ext"));
  return { ca: f("ca.crt"), cert: f("server.crt"), key: f("server.key"), caPem: readFileSync(f("ca.crt"), "utf8") };
}

function answersTlsPing(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tlsConnect({ port, host: "127.0.0.1", ca });
    let data = "";
    sock.setTimeout(1000, () => (sock.destroy(), resolve(false)));
    sock.on("error", () => resolve(false));
    sock.on("secureConnect", () => sock.write("PING\r\n"));
    sock.on("data", (c) => {
      data += c;
      if (data.includes("PONG") || data.includes("NOAUTH")) {
        sock.end();
        resolve(true);
      }
    });
  });
}

export interface RedisOptions {
  /** requirepass: clients must AUTH (the URL then carries ":password@"). */
  password?: string;
  /** Serve TLS only (--port 0 --tls-port): the URL is rediss://; clients are not asked for certificates. */
  tls?: TestCertificates;
}

export async function startRedis(o: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "foliate-redis-"));
  const args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  if (o.password) args.push("--requirepass", o.password);
  if (o.tls) args.push("--port", "0", "--tls-port", String(port), "--tls-cert-file", o.tls.cert, "--tls-key-file", o.tls.key, "--tls-ca-cert-file", o.tls.ca, "--tls-auth-clients", "no");
  else args.push("--port", String(port));
  const child = spawn("redis-server", args, { stdio: "ignore" });
  let exited = false;
  child.on("exit", () => (exited = true));
  const t0 = Date.now();
  while (!(await (o.tls ? answersTlsPing(port, o.tls.caPem) : answersPing(port)))) {
    if (exited) throw new Error(`redis-server exited at start (is Debian's redis-server installed? port ${port})`);
    if (Date.now() - t0 > 10_000) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port, url: `${o.tls ? "rediss" : "redis"}://${o.password ? `:${encodeURIComponent(o.password)}@` : ""}127.0.0.1:${port}`, process: child,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
