import http from 'node:http';
import https from 'node:https';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { z } from 'zod';
import { createSigner, encodeRfc3986, type SigningService } from '../shared/sigv4.js';
import type { ResolvedCredentials } from './credentials.js';
import { CliError, rewordError } from './errors.js';
import { xmlError } from './xml.js';

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
  /** Streamed as is (an object upload), signed as `UNSIGNED-PAYLOAD`; say its length in `headers` when known. */
  stream?: Readable;
  /** Where a 1xx–3xx answer's body goes instead of memory; made once the status is known. */
  sink?: () => Writable;
  /** SigV4 signing name: the service the request is for (`lambda` unless told). */
  service?: SigningService;
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

/** Refusals of a signature (or of its absence) by a server with auth on, in Lambda's, SQS's and S3's words. */
const AUTH_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidAccessKeyId',
  'AuthorizationHeaderMalformed',
  'AccessDenied',
]);

export interface ClientOptions {
  /** When set, every request is SigV4-signed with this key. */
  credentials?: ResolvedCredentials;
  /** Region in the credential scope (the server accepts any). */
  region?: string;
}

/**
 * The CLI's only way to the server: plain HTTP, SigV4-signed (for the
 * request's service: Lambda, SQS or S3) when credentials are given. Network
 * failures and API error answers (Lambda, native, SQS or S3 shape) become CliErrors.
 * @example await new NimbusClient('http://127.0.0.1:9000').json('/health', HealthSchema)
 */
export class NimbusClient {
  readonly endpoint: string;
  private readonly credentials: ResolvedCredentials | undefined;
  private readonly region: string;
  private readonly signers = new Map<SigningService, SignatureV4>();

  constructor(endpoint: string, opts: ClientOptions = {}) {
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
    this.credentials = opts.credentials;
    this.region = opts.region ?? 'us-east-1';
  }

  /** The signer for one service's credential scope; undefined without credentials. */
  private signerFor(service: SigningService): SignatureV4 | undefined {
    if (!this.credentials) return undefined;
    let signer = this.signers.get(service);
    if (!signer) {
      signer = createSigner(this.credentials, this.region, { service });
      this.signers.set(service, signer);
    }
    return signer;
  }

  /** Sends one request; resolves only for 1xx–3xx answers. */
  async request(path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: Uint8Array | string | undefined = opts.body;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    // Node sends a DELETE body without a length unless told: say it, for every method.
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const method = opts.method ?? 'GET';
    const url = this.endpoint + path + queryString(opts.query);
    const signer = this.signerFor(opts.service ?? 'lambda');
    // A stream cannot be hashed before it is sent: the signer takes this header's claim.
    if (signer && opts.stream) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    const signedHeaders = signer
      ? await signedRequestHeaders(signer, method, url, headers, body)
      : headers;
    let answer: ApiResponse;
    let statusText: string;
    try {
      const res = await send(url, {
        method,
        headers: signedHeaders,
        body: opts.stream ?? body,
        sink: opts.sink,
        signal: opts.signal,
      });
      statusText = res.statusText;
      answer = { status: res.status, headers: res.headers, body: res.body };
    } catch (err) {
      if (opts.signal?.aborted || err instanceof CliError) throw err;
      throw unreachable(this.endpoint, err);
    }
    if (answer.status >= 400) {
      const e = apiError(answer, statusText);
      throw e.code && AUTH_ERRORS.has(e.code) ? this.withAuthHint(e) : e;
    }
    return answer;
  }

  /** Says which key was used (never the secret), or how to give one. */
  private withAuthHint(e: CliError): CliError {
    const hint = this.credentials
      ? `signed with ${this.credentials.accessKeyId} from ${this.credentials.source}`
      : 'not signed: set NIMBUS_ACCESS_KEY_ID and NIMBUS_SECRET_ACCESS_KEY or pass --profile; ' +
        'a server started with auth writes its first key to <data dir>/credentials';
    return rewordError(e, `${e.message} (${hint})`);
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
    return { value: checkAnswer(path, schema, raw), raw };
  }
}

/** `raw` (an answer from `path`, parsed) checked against `schema`; a CliError says where it differs. */
export function checkAnswer<S extends z.ZodType>(
  path: string,
  schema: S,
  raw: unknown,
): z.output<S> {
  const checked = schema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue?.path.join('.') || 'answer';
    throw new CliError(`unexpected answer from ${path}: ${where}: ${issue?.message}`);
  }
  return checked.data;
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
    body: Uint8Array | string | Readable | undefined;
    sink: (() => Writable) | undefined;
    signal: AbortSignal | undefined;
  },
): Promise<{ status: number; statusText: string; headers: Headers; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    let answered = false;
    const req = mod.request(
      u,
      {
        method: opts.method,
        headers: opts.headers,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        }
        const answer = (body: Buffer) =>
          resolve({ status, statusText: res.statusMessage ?? '', headers, body });
        if (opts.sink && status < 400) {
          const sink = opts.sink();
          // Which side failed first: a sink that cannot be written is no network failure.
          let failed: 'read' | 'write' | undefined;
          res.once('error', () => {
            failed ??= 'read';
          });
          sink.once('error', () => {
            failed ??= 'write';
          });
          pipeline(res, sink).then(
            () => answer(Buffer.alloc(0)),
            (e: Error) =>
              reject(
                failed === 'write' ? new CliError(`cannot write the answer: ${e.message}`) : e,
              ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => answer(Buffer.concat(chunks)));
      },
    );
    // A server may answer (an error) before it has read an upload, then close: the answer counts.
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (opts.body instanceof Readable) {
      opts.body.on('error', (e) => req.destroy(e));
      opts.body.pipe(req);
    } else req.end(opts.body);
  });
}

/**
 * The request's headers plus SigV4's (`Authorization`, `X-Amz-Date`,
 * `X-Amz-Content-Sha256`), signed over the exact path, query and body sent.
 */
async function signedRequestHeaders(
  signer: SignatureV4,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | string | undefined,
): Promise<Record<string, string>> {
  const u = new URL(url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  const signed = await signer.sign(
    {
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      path: u.pathname,
      query,
      // node:http sends exactly this Host header when one is given.
      headers: { ...headers, host: u.host },
      body,
    },
    { signingDate: new Date() },
  );
  return signed.headers;
}

/** `/2015-03-31/functions/{name}` with the name percent-encoded (`:` → `%3A`). */
export function lambdaFunctionPath(name: string, suffix = ''): string {
  return `/2015-03-31/functions/${encodeURIComponent(name)}${suffix}`;
}

/** RFC 3986 encoding (`%20`, not `+`), so the query sent is the one signed. */
function queryString(query: RequestOptions['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) parts.push(`${encodeRfc3986(k)}=${encodeRfc3986(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
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
 * `message`), the native `{"error":{"code","message"}}`, SQS's
 * `{"__type","message"}` or S3's `<Error><Code/><Message/></Error>`.
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
      // SQS's JSON protocol names the error `{"__type":"com.amazonaws.sqs#QueueDoesNotExist"}`.
      code ??= stringOrUndefined(parsed.__type)?.split('#').pop() || undefined;
      message = stringOrUndefined(parsed.Message) ?? stringOrUndefined(parsed.message);
    }
  } else if (text.trimStart().startsWith('<')) {
    const xml = xmlError(text);
    code ??= xml?.code;
    message = xml?.message;
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
