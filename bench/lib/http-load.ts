import http from 'node:http';
import { round, type Summary, summarize } from './stats.js';

/** One HTTP answer, read to the end. */
export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Request written → last body byte read, measured by the caller's clock. */
  elapsedMs: number;
}

export interface HttpRequest {
  port: number;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Keep-alive agent to reuse connections; `false` opens a new one. */
  agent: http.Agent | false;
  timeoutMs?: number;
}

/** Sends one request to 127.0.0.1 and reads the whole answer; rejects on a socket error or timeout. */
export function request(r: HttpRequest): Promise<HttpAnswer> {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        host: '127.0.0.1',
        port: r.port,
        method: r.method,
        path: r.path,
        agent: r.agent,
        headers: { ...r.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        timeout: r.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            elapsedMs: performance.now() - t0,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${r.method} ${r.path}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A keep-alive agent for `sockets` concurrent callers (Nagle off, as Node's client default). */
export function keepAliveAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

export interface LoadResult {
  concurrency: number;
  durationMs: number;
  requests: number;
  errors: number;
  /** First error message seen, if any (status or socket error). */
  firstError: string | null;
  requestsPerS: number;
  latencyMs: Summary;
  /** CPU ms per answered request of each party `cpuProbe` names (e.g. server, client). */
  cpuMsPerRequest: Record<string, number>;
}

export interface LoadOptions {
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  concurrency: number;
  durationMs: number;
  /** Closed-loop warm-up at the same concurrency, discarded. */
  warmupMs: number;
  /** Ends the warm-up early once this many requests were answered. */
  warmupRequests?: number;
  /** Cumulative CPU ms of each party, read before and after the measured window. */
  cpuProbe?: () => Record<string, number>;
}

/**
 * Closed-loop load: `concurrency` callers, each sending its next request as
 * soon as its previous one is answered, over keep-alive connections, for
 * `durationMs` after a discarded warm-up. Latency therefore includes queueing.
 * The first warm-up round sends `concurrency` requests at once and waits for
 * all of them, so a platform that starts one instance per concurrent call has
 * them all started before anything is measured.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = keepAliveAgent(o.concurrency);
  const send = () =>
    request({
      port: o.port,
      method: o.method,
      path: o.path,
      agent,
      timeoutMs: 10_000,
      ...(o.headers ? { headers: o.headers } : {}),
      ...(o.body ? { body: o.body } : {}),
    });
  try {
    await Promise.all(Array.from({ length: o.concurrency }, send));
    await loop(o.concurrency, o.warmupMs, send, o.warmupRequests);
    const cpuBefore = o.cpuProbe?.() ?? {};
    const result = await loop(o.concurrency, o.durationMs, send);
    const cpuAfter = o.cpuProbe?.() ?? {};
    for (const [k, v] of Object.entries(cpuAfter)) {
      result.cpuMsPerRequest[k] = round(
        (v - (cpuBefore[k] ?? 0)) / Math.max(1, result.requests),
        4,
      );
    }
    return result;
  } finally {
    agent.destroy();
  }
}

async function loop(
  concurrency: number,
  durationMs: number,
  send: () => Promise<HttpAnswer>,
  maxRequests = Number.POSITIVE_INFINITY,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const endAt = t0 + durationMs;
  const caller = async () => {
    while (performance.now() < endAt && latencies.length + errors < maxRequests) {
      try {
        const a = await send();
        if (a.status === 200) latencies.push(a.elapsedMs);
        else {
          errors++;
          firstError ??= `HTTP ${a.status}: ${a.body.toString('utf8').slice(0, 200)}`;
        }
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedMs = performance.now() - t0;
  return {
    concurrency,
    durationMs: round(elapsedMs, 0),
    requests: latencies.length,
    errors,
    firstError,
    requestsPerS: round((latencies.length / elapsedMs) * 1000, 0),
    latencyMs: summarize(latencies),
    cpuMsPerRequest: {},
  };
}
