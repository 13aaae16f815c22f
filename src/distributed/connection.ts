/**
 * Redis connections for the distributed runner: `redis://` and `rediss://` (TLS) URLs, with user and password
 * passed through to ioredis, and a private CA for TLS given as PEM (`--redis-ca FILE`); connecting within a bounded time (else RedisUnavailableError naming the host,
 * never the password); and a watch that turns a connection lost for too long into the same error.
 */
import { Redis } from "ioredis";
import { OptionError } from "../errors.js";
import { RedisUnavailableError } from "./errors.js";

/** The queue every shard job goes to (workers listen to it) and the queue holding each run's parent job. */
export const SHARD_QUEUE = "foliate-shards";
export const RUN_QUEUE = "foliate-runs";

export interface RedisTarget {
  url: string;
  /** The URL with the password replaced by "***" (for messages and logs). */
  display: string;
}

/** Check a redis:// or rediss:// URL (host required; user, password, port and db number optional). */
export function parseRedisUrl(url: unknown): RedisTarget {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw new OptionError(`--redis must be a URL like redis://host:6379 or rediss://:password@host:6380/0, got "${String(url)}"`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new OptionError(`--redis must use redis:// or rediss:// (TLS), got "${u.protocol}//"`);
  if (!u.hostname) throw new OptionError(`--redis must name a host, got "${String(url)}"`);
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d{1,2}$/.test(db)) throw new OptionError(`--redis database must be a number 0..99 after the host, got "/${db}"`);
  const masked = new URL(u.href);
  if (masked.password) masked.password = "***";
  return { url: u.href, display: masked.href };
}

export interface ConnectOptions {
  /** Give up connecting after this many ms (default 5000). */
  timeoutMs?: number;
  /** A connection for BullMQ workers' blocking commands (maxRetriesPerRequest must then be null). */
  blocking?: boolean;
  /**
   * For rediss:// only: PEM certificate(s) of the CA that signed the Redis server's certificate, trusted
   * instead of Node's default roots (a private CA). A CA in NODE_EXTRA_CA_CERTS needs no option.
   */
  ca?: string | Buffer;
}

/** A connected ioredis client, or RedisUnavailableError within `timeoutMs`. */
export async function connectRedis(url: string, opts: ConnectOptions = {}): Promise<Redis> {
  const target = parseRedisUrl(url);
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (opts.ca !== undefined && !target.url.startsWith("rediss:")) throw new OptionError(`a CA certificate (--redis-ca) is for rediss:// (TLS) URLs, got ${target.display}`);
  const client = new Redis(target.url, {
    ...(opts.ca !== undefined ? { tls: { ca: opts.ca } } : {}),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: opts.blocking ? null : 2,
    retryStrategy: (times: number) => Math.min(100 * 2 ** times, 2000),
  });
  let lastError = "no answer";
  client.on("error", (e: Error) => (lastError = e.message || String(e)));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), timeoutMs))),
    ]);
  } catch (e) {
    client.disconnect();
    throw new RedisUnavailableError(`cannot reach Redis at ${target.display} within ${timeoutMs} ms (${lastError !== "no answer" ? lastError : (e as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/**
 * Watch a client: when it has been disconnected for `limitMs` without coming back, call `onLost` once with a
 * RedisUnavailableError. Returns a function that stops the watch.
 */
export function watchRedis(client: Redis, display: string, limitMs: number, onLost: (e: RedisUnavailableError) => void): () => void {
  let downSince: number | undefined;
  let fired = false;
  const down = () => (downSince ??= Date.now());
  const up = () => (downSince = undefined);
  client.on("close", down);
  client.on("end", down);
  client.on("ready", up);
  const timer = setInterval(() => {
    if (!fired && downSince !== undefined && Date.now() - downSince >= limitMs) {
      fired = true;
      onLost(new RedisUnavailableError(`lost the connection to Redis at ${display} for more than ${limitMs} ms; the run's jobs stay in Redis — start the coordinator again with the same --run id once Redis is back`));
    }
  }, Math.min(250, limitMs));
  return () => {
    clearInterval(timer);
    client.off("close", down);
    client.off("end", down);
    client.off("ready", up);
  };
}
