import type { IncomingHttpHeaders } from 'node:http';

/** `http://host:4318` → `http://host:4318/v1/traces`; a URL already ending so is kept. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** A header's first value. */
export function first(v: IncomingHttpHeaders[string]): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Header pairs with `traceparent` set to `value` (replacing the caller's, if any). */
export function withTraceparentHeader(
  pairs: [string, string][],
  value: string,
): [string, string][] {
  const out = pairs.filter(([k]) => k !== 'traceparent');
  out.push(['traceparent', value]);
  return out;
}
