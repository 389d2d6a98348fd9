import { validateHeaderName, validateHeaderValue } from 'node:http';

/** What goes back to the HTTP client. */
export interface HttpAnswer {
  statusCode: number;
  /** Lower-case names; repeated names are sent as repeated headers. */
  headers: [string, string][];
  body: Buffer;
}

export type AnswerResult = { ok: true; answer: HttpAnswer } | { ok: false; why: string };

export function malformed(why: string): AnswerResult {
  return { ok: false, why };
}

/** Headers a function may not set: the gateway owns the connection and the framing. */
const HOP_BY_HOP = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/** A status code 100–599 (a numeric string is accepted, as API Gateway does), else why not. */
export function checkStatus(value: unknown): number | string {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 100 || n > 599) {
    return `statusCode must be an integer from 100 to 599 (got ${JSON.stringify(value)})`;
  }
  return n;
}

/** A `headers` object (string, number or boolean values) as pairs, else why not. */
export function checkHeaders(value: unknown, field: string): [string, string][] | string {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return `${field} must be an object`;
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    const values = field === 'multiValueHeaders' && Array.isArray(v) ? v : [v];
    for (const one of values) {
      if (!['string', 'number', 'boolean'].includes(typeof one)) {
        return `${field}.${k} must be a string`;
      }
      const pair = headerPair(k, String(one));
      if (typeof pair === 'string') return pair;
      if (pair) out.push(pair);
    }
  }
  return out;
}

/** One checked header; null for one the gateway drops; a string says why it is invalid. */
export function headerPair(name: string, value: string): [string, string] | null | string {
  const k = name.toLowerCase();
  try {
    validateHeaderName(k);
    validateHeaderValue(k, value);
  } catch {
    return `header ${JSON.stringify(name)} has an invalid name or value`;
  }
  return HOP_BY_HOP.has(k) ? null : [k, value];
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** The response `body` as bytes (`isBase64Encoded` decoded), else why not. */
export function base64Body(body: unknown, isBase64Encoded: unknown): Buffer | string {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body !== 'string') return `body must be a string (got ${typeof body})`;
  if (isBase64Encoded === true) {
    const clean = body.replace(/\s+/g, '');
    if (!BASE64_RE.test(clean) || clean.length % 4 === 1) {
      return 'isBase64Encoded is true but body is not valid base64';
    }
    return Buffer.from(clean, 'base64');
  }
  if (isBase64Encoded !== undefined && isBase64Encoded !== false && isBase64Encoded !== null) {
    return 'isBase64Encoded must be a boolean';
  }
  return Buffer.from(body, 'utf8');
}
