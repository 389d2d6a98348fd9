import type { CorsConfig, FunctionUrlCors } from '../store/types.js';

/** A function URL's Lambda-shaped CORS as the gateway applies it. */
export function corsOfUrl(c: FunctionUrlCors | null): CorsConfig | null {
  if (!c) return null;
  return {
    allowOrigins: c.AllowOrigins ?? [],
    allowMethods: (c.AllowMethods ?? []).map((m) => m.toUpperCase()),
    allowHeaders: (c.AllowHeaders ?? []).map((h) => h.toLowerCase()),
    exposeHeaders: c.ExposeHeaders ?? [],
    allowCredentials: c.AllowCredentials ?? false,
    maxAgeS: c.MaxAge ?? null,
  };
}

function originAllowed(cors: CorsConfig, origin: string): boolean {
  return cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin);
}

function allowOrigin(cors: CorsConfig, origin: string): [string, string][] {
  const wildcard = cors.allowOrigins.includes('*') && !cors.allowCredentials;
  const out: [string, string][] = [['access-control-allow-origin', wildcard ? '*' : origin]];
  if (!wildcard) out.push(['vary', 'Origin']);
  if (cors.allowCredentials) out.push(['access-control-allow-credentials', 'true']);
  return out;
}

/** Whether a request is a CORS preflight (answered by the gateway, never the function). */
export function isPreflight(
  method: string,
  origin: string | undefined,
  requestMethod: string | undefined,
): boolean {
  return method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
}

/**
 * The headers answering a preflight; empty when the origin, method or a header is not
 * allowed (the browser then refuses the request, as with API Gateway).
 */
export function preflightHeaders(
  cors: CorsConfig,
  origin: string,
  requestMethod: string,
  requestHeaders: string | undefined,
): [string, string][] {
  if (!originAllowed(cors, origin)) return [];
  const method = requestMethod.toUpperCase();
  if (!cors.allowMethods.includes('*') && !cors.allowMethods.includes(method)) return [];
  const asked = (requestHeaders ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const anyHeader = cors.allowHeaders.includes('*');
  if (!anyHeader && !asked.every((h) => cors.allowHeaders.includes(h))) return [];
  const out = allowOrigin(cors, origin);
  out.push([
    'access-control-allow-methods',
    cors.allowMethods.includes('*') ? method : cors.allowMethods.join(','),
  ]);
  const headers = anyHeader ? asked : cors.allowHeaders;
  if (headers.length) out.push(['access-control-allow-headers', headers.join(',')]);
  if (cors.maxAgeS !== null) out.push(['access-control-max-age', String(cors.maxAgeS)]);
  return out;
}

/** CORS headers for an actual (non-preflight) response; they replace the function's own. */
export function responseCorsHeaders(
  cors: CorsConfig,
  origin: string | undefined,
): [string, string][] {
  if (origin === undefined || !originAllowed(cors, origin)) return [];
  const out = allowOrigin(cors, origin);
  if (cors.exposeHeaders.length) {
    out.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
  }
  return out;
}
