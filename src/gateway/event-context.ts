import type { GatewayRequest } from './http-request.js';

/** What every payload format needs to know besides the request itself. */
export interface EventContext {
  req: GatewayRequest;
  /** `GET /users/{id}`, or `$default` (function URLs). */
  routeKey: string;
  /** The route's path in API Gateway syntax (`/users/{id}`); `/{proxy+}` for URLs. */
  resourcePath: string;
  /** Decoded path parameters; null when the route has none. */
  pathParameters: Record<string, string> | null;
  /** Path the function sees: the request's, or what is left after a URL's path-form prefix. */
  rawPath: string;
  apiId: string;
  domainName: string;
  domainPrefix: string;
  accountId: string;
  /** 2.0: `{lambda: {...}}` / `{iam: {...}}`; 1.0: the authorizer's context, flat. */
  authorizer: Record<string, unknown> | null;
  /** The API key the caller used (`x-api-key` routes). */
  apiKeyId?: string;
}

const TEXT_TYPE_RE =
  /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded|graphql|yaml|x-yaml)\b)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request body as an event field: text for textual content types that are valid UTF-8,
 * base64 otherwise (as API Gateway decides `isBase64Encoded`).
 */
export function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: '', isBase64Encoded: false };
  if (contentType === undefined || TEXT_TYPE_RE.test(contentType.trim())) {
    try {
      return { body: utf8.decode(body), isBase64Encoded: false };
    } catch {
      // not UTF-8: binary after all
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The last second formatted by requestTime, and its text: requests within a second share it. */
let lastSecond = Number.NaN;
let lastText = '';

/** API Gateway's `requestTime`: `21/Apr/2020:15:08:21 +0000`. */
export function requestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== lastSecond) {
    lastText = formatRequestTime(second * 1000);
    lastSecond = second;
  }
  return lastText;
}

function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
