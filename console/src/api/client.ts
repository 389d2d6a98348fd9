import { currentSigner } from './session';

/** An error answer of the API, with the code it gave (`ResourceNotFoundException`, ...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** `Message (Code)`, as the page shows it. */
  get display(): string {
    return `${this.message} (${this.code})`;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** Raw bytes (Invoke payloads). */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The built-in S3 on the same port (SigV4 scope `s3`); the Lambda and native API otherwise. */
  service?: 's3';
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises query strings. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** One path segment, encoded. */
export const seg = (s: string): string => encodeRfc3986(s);

/** Sends one request to the server that served the page (signed when signed in). */
export async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const method = opts.method ?? 'GET';
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) query[k] = String(v);
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join('&');
  let headers: Record<string, string> = { ...opts.headers };
  let body: string | Uint8Array | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const signer = currentSigner(opts.service);
  if (signer) {
    const signed = await signer.sign({
      method,
      protocol: location.protocol,
      hostname: location.hostname,
      ...(location.port ? { port: Number(location.port) } : {}),
      path,
      query,
      headers: { ...headers, host: location.host },
      ...(body !== undefined ? { body } : {}),
    });
    // The browser sets Host itself (to the same value).
    const { host: _host, ...rest } = signed.headers;
    headers = rest;
  }
  let res: Response;
  try {
    res = await fetch(qs ? `${path}?${qs}` : path, {
      method,
      headers,
      ...(body !== undefined ? { body: body as BodyInit } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      cache: 'no-store',
    });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new ApiError(0, 'NetworkError', `The server did not answer: ${(e as Error).message}`);
  }
  if (res.status >= 400) throw await errorOf(res);
  return res;
}

/** Sends a request and parses the JSON answer (undefined for 204). */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Lambda's `x-amzn-ErrorType` + `{Message}` or the native `{error:{code,message}}`. */
async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the status says it.
  }
  // S3 answers errors as XML: <Error><Code>…</Code><Message>…</Message></Error>.
  const xml = /<Code>([^<]+)<\/Code>[\s\S]*?<Message>([^<]*)<\/Message>/.exec(text);
  if (xml) return new ApiError(res.status, xml[1]!, xml[2]!);
  const native = parsed.error as { code?: string; message?: string } | undefined;
  const header = res.headers.get('x-amzn-errortype')?.split(':')[0];
  const code =
    native?.code ?? header ?? String(parsed.__type ?? parsed.Type ?? `HTTP${res.status}`);
  const message =
    native?.message ??
    String(parsed.Message ?? parsed.message ?? (text.slice(0, 300) || res.statusText));
  return new ApiError(res.status, code, message);
}

/** Words for any error a call threw. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) return e.display;
  return e instanceof Error ? e.message : String(e);
}
