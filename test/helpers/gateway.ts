import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningServer, startServer } from '../../src/server.js';
import { resolveConfig, type ServerConfig } from '../../src/shared/config.js';
import { makeZip } from './platform.js';

export const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

/** A real server (control API + gateway) on 127.0.0.1, ports chosen by the kernel. */
export interface GatewayServer {
  server: RunningServer;
  /** Control API base URL. */
  api: string;
  /** Gateway base URL. */
  http: string;
  httpPort: number;
  dataDir: string;
  /** Control API call with a JSON body; returns status and parsed JSON (or text). */
  // biome-ignore lint/suspicious/noExplicitAny: answers of many shapes, checked by each test's assertions
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  deploy(
    name: string,
    files: Record<string, string>,
    extra?: Record<string, unknown>,
  ): Promise<void>;
  route(body: Record<string, unknown>): Promise<{ id: string }>;
  /** Stops the server; `keepData` keeps the data dir for a restart. */
  close(keepData?: boolean): Promise<void>;
}

export async function startGateway(
  overrides: Partial<Record<keyof ServerConfig, string | number>> = {},
  dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-gw-')),
): Promise<GatewayServer> {
  const server = await startServer(
    resolveConfig({ dataDir, port: 0, httpPort: 0, idleTtlMs: 60_000, ...overrides }, {}),
  );
  const api = server.url;
  const call: GatewayServer['call'] = async (method, p, body) => {
    const r = await fetch(api + p, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    const text = await r.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, json };
  };
  return {
    server,
    api,
    http: server.httpUrl,
    httpPort: server.platform.gateway.port,
    dataDir,
    call,
    async deploy(name, files, extra = {}) {
      const zip = await makeZip(files);
      const r = await call('POST', '/2015-03-31/functions', {
        FunctionName: name,
        Runtime: RUNTIME,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip.toString('base64') },
        ...extra,
      });
      if (r.status !== 201)
        throw new Error(`deploy ${name}: ${r.status} ${JSON.stringify(r.json)}`);
    },
    async route(body) {
      const r = await call('POST', '/nimbus/v1/routes', body);
      if (r.status !== 201) throw new Error(`route: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json.route;
    },
    async close(keepData = false) {
      await server.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CurlResult {
  code: number;
  status: number;
  headers: Record<string, string[]>;
  body: Buffer;
  stderr: string;
}

/**
 * Runs Debian's curl (asynchronously: the server under test is in this process) and
 * parses `-i` output. `args` are curl's, the URL included.
 */
export function curl(args: string[], input?: Buffer): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'curl',
      ['-sS', '-i', '--max-time', '30', ...args],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
        if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
        const raw = stdout as Buffer;
        // The last head (after any 100 Continue).
        let start = 0;
        let end = raw.indexOf('\r\n\r\n');
        while (
          end >= 0 &&
          / 100 /.test(raw.subarray(start, end).toString('latin1').split('\r\n')[0] ?? '')
        ) {
          start = end + 4;
          end = raw.indexOf('\r\n\r\n', start);
        }
        const head = end < 0 ? '' : raw.subarray(start, end).toString('latin1');
        const lines = head.split('\r\n');
        const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
        const headers: Record<string, string[]> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          if (i < 0) continue;
          const k = l.slice(0, i).trim().toLowerCase();
          const values = headers[k] ?? [];
          values.push(l.slice(i + 1).trim());
          headers[k] = values;
        }
        resolve({
          code,
          status,
          headers,
          body: end < 0 ? Buffer.alloc(0) : raw.subarray(end + 4),
          stderr: (stderr as Buffer).toString(),
        });
      },
    );
    if (input) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** A response's JSON body, for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: answers of many shapes, checked by each test's assertions
export async function jsonOf(r: Response): Promise<any> {
  return r.json();
}
