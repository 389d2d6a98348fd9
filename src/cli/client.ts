import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { CliError } from './errors.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Undefined values are left out. */
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** Raw bytes, sent without a Content-Type (as the AWS CLI does for Invoke). */
  body?: Uint8Array;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

// Why a connection failed, in words, by Node's error code.
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

/**
 * The CLI's only way to the server: plain HTTP with global fetch. Network
 * failures and API error answers (Lambda or native shape) become CliErrors.
 * @example await new NimbusClient('http://127.0.0.1:9000').json('/health', HealthSchema)
 */
export class NimbusClient {
  readonly endpoint: string;

  constructor(endpoint: string) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new CliError(`--endpoint must be an http(s) URL (got ${JSON.stringify(endpoint)})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CliError(`--endpoint must be an http(s) URL (got ${JSON.stringify(endpoint)})`);
    }
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  /** Sends one request; resolves only for 1xx–3xx answers. */
  async request(path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: Uint8Array | string | undefined = opts.body;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    let answer: ApiResponse;
    let statusText: string;
    try {
      const res = await send(this.endpoint + path + queryString(opts.query), {
        method: opts.method ?? 'GET',
        headers,
        body,
        signal: opts.signal,
      });
      statusText = res.statusText;
      answer = { status: res.status, headers: res.headers, body: res.body };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw unreachable(this.endpoint, err);
    }
    if (answer.status >= 400) throw apiError(answer, statusText);
    return answer;
  }

  /**
   * Sends a request and checks the JSON answer against `schema`. Returns both
   * the checked value and the raw JSON (for `--json`).
   */
  async json<S extends z.ZodType>(
    path: string,
    schema: S,
    opts: RequestOptions = {},
  ): Promise<{ value: z.output<S>; raw: unknown }> {
    const res = await this.request(path, opts);
    let raw: unknown;
    try {
      raw = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new CliError(`the server's answer to ${path} is not JSON`);
    }
    const checked = schema.safeParse(raw);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const where = issue?.path.join('.') || 'answer';
      throw new CliError(`unexpected answer from ${path}: ${where}: ${issue?.message}`);
    }
    return { value: checked.data, raw };
  }
}

/**
 * One HTTP exchange over node:http(s). Not global fetch: its 300 s header
 * timeout would cut off synchronous invocations of long functions (up to 900 s).
 */
function send(
  url: string,
  opts: {
    method: string;
    headers: Record<string, string>;
    body: Uint8Array | string | undefined;
    signal: AbortSignal | undefined;
  },
): Promise<{ status: number; statusText: string; headers: Headers; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      {
        method: opts.method,
        headers: opts.headers,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** `/2015-03-31/functions/{name}` with the name percent-encoded (`:` → `%3A`). */
export function lambdaFunctionPath(name: string, suffix = ''): string {
  return `/2015-03-31/functions/${encodeURIComponent(name)}${suffix}`;
}

function queryString(query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function unreachable(endpoint: string, err: unknown): CliError {
  const { code, message } = rootCause(err);
  const reason = (code && REASONS[code]) ?? code ?? message;
  return new CliError(
    `cannot reach Nimbus at ${endpoint} (${reason}) — is \`nimbus server\` running?`,
    { plain: true },
  );
}

// fetch wraps the socket error: TypeError('fetch failed', { cause }), where cause
// may itself be an AggregateError (one error per address tried). The first
// `code` found wins; else the innermost message (e.g. fetch's own "bad port").
function rootCause(err: unknown): { code?: string; message: string } {
  let message = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    // Only reads optional fields, each checked below.
    const rec = e as { code?: unknown; cause?: unknown; errors?: unknown; message?: unknown };
    if (typeof rec.code === 'string') return { code: rec.code, message };
    if (typeof rec.message === 'string' && rec.message) message = rec.message;
    e = rec.cause ?? (Array.isArray(rec.errors) ? rec.errors[0] : undefined);
  }
  return { message };
}

/**
 * Reads an error answer: Lambda's `x-amzn-ErrorType` + `{"Type","Message"}` (or
 * `message`), or the native `{"error":{"code","message"}}`.
 */
function apiError(res: ApiResponse, statusText: string): CliError {
  const text = res.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // Clients split the header on ':' (it may carry a URL suffix).
  let code = res.headers.get('x-amzn-errortype')?.split(':')[0] || undefined;
  let message: string | undefined;
  if (isRecord(parsed)) {
    if (isRecord(parsed.error)) {
      code ??= stringOrUndefined(parsed.error.code);
      message = stringOrUndefined(parsed.error.message);
    } else {
      message = stringOrUndefined(parsed.Message) ?? stringOrUndefined(parsed.message);
    }
  }
  code ??= `HTTP ${res.status}`;
  message ??= text.trim().slice(0, 500) || statusText || 'no details';
  return new CliError(`${code}: ${message}`, { status: res.status, code });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
