import http from 'node:http';

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
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
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
