import type { IncomingMessage } from 'node:http';

/** One request as the gateway sees it once its body is in. */
export interface GatewayRequest {
  /** The gateway's id for this request (`x-amzn-RequestId`, `requestContext.requestId`). */
  requestId: string;
  method: string;
  /** Path as received, percent-encoding untouched. */
  rawPath: string;
  /** Query string as received, without `?`. */
  rawQuery: string;
  /** Host header, lower-case, without port. */
  host: string;
  /** Header pairs in arrival order, names lower-case. */
  headers: [string, string][];
  sourceIp: string;
  body: Buffer;
  timeEpochMs: number;
  /** The request-target exactly as sent (for SigV4). */
  rawUrl: string;
  rawHeaders: string[];
}

/** Splits a request-target into raw path and raw query. */
export function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  return { rawPath: rawPath || '/', rawQuery: q < 0 ? '' : url.slice(q + 1) };
}

/** `Host: Api.Example.test:8080` → `api.example.test`. */
export function normaliseHost(raw: string | undefined): string {
  if (!raw) return '';
  let h = raw.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  return h.replace(/\.$/, '');
}

/** Lower-case header pairs from Node's rawHeaders. */
export function headerPairs(req: IncomingMessage): [string, string][] {
  const raw = req.rawHeaders;
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

/** Name → values joined with `,` (HTTP API 2.0's rule), optionally leaving some names out. */
export function joinedHeaders(
  pairs: readonly [string, string][],
  skip?: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of pairs) {
    if (skip?.has(k)) continue;
    out[k] = k in out ? `${out[k]},${v}` : v;
  }
  return { ...out };
}

/** Name → every value (REST API 1.0's `multiValueHeaders`). */
export function multiValueHeaders(pairs: readonly [string, string][]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of pairs) {
    if (Object.hasOwn(out, k)) out[k]!.push(v);
    else out[k] = [v];
  }
  return out;
}

/** The first value of a header, if sent. */
export function header(req: GatewayRequest, name: string): string | undefined {
  for (const [k, v] of req.headers) if (k === name) return v;
  return undefined;
}

/** Decoded query pairs in order (`+` is a space, as browsers send forms). */
export function queryPairs(rawQuery: string): [string, string][] {
  if (!rawQuery) return [];
  return [...new URLSearchParams(rawQuery)];
}

/** The cookies of `Cookie` headers, one `name=value` per entry. */
export function cookiesOf(pairs: readonly [string, string][]): string[] {
  const out: string[] = [];
  for (const [k, v] of pairs) {
    if (k !== 'cookie') continue;
    for (const c of v.split(';')) {
      const t = c.trim();
      if (t) out.push(t);
    }
  }
  return out;
}

/** Percent-decodes a path, leaving it as is when it is not valid percent-encoding. */
export function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

const NO_BODY = Buffer.alloc(0);

/** True when the request has no body: neither Content-Length (or 0) nor Transfer-Encoding. */
export function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

/**
 * Reads a request body up to `limitBytes`; `null` when it is larger (reading stops: the
 * caller answers 413 and closes the connection). A request without a body (a GET, mostly)
 * costs no stream listeners: its (empty) end is left to Node.
 */
export function readBodyLimited(req: IncomingMessage, limitBytes: number): Promise<Buffer | null> {
  if (hasNoBody(req)) return Promise.resolve(NO_BODY);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.off('data', onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client closed the connection before the body ended'));
    });
  });
}
