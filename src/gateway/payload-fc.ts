import { type AnswerResult, base64Body, checkHeaders, checkStatus, malformed } from './answer.js';
import type { EventContext } from './event-context.js';
import { decodePath, header, queryPairs } from './http-request.js';

/** Content-Type of the event the gateway sends an FC HTTP handler (docs/runtime-contract.md). */
export const FC_HTTP_EVENT_TYPE = 'application/vnd.nimbus.fc-http-request+json';
/** Content-Type of the answer an FC HTTP handler's runtime posts. */
export const FC_HTTP_RESPONSE_TYPE = 'application/vnd.nimbus.fc-http-response+json';

/** Request headers FC does not pass on. */
const DROPPED = /^(connection|keep-alive|x-fc-.*)$/;

/**
 * The event for a Function Compute HTTP handler `(req, resp, context)`: the fields of FC's
 * `req`, the body base64.
 */
export function fcEvent(ctx: EventContext): Record<string, unknown> {
  const { req } = ctx;
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) {
    if (DROPPED.test(k)) continue;
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  }
  const queries: Record<string, string | string[]> = {};
  for (const [k, v] of queryPairs(req.rawQuery)) {
    const prev = queries[k];
    queries[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const path = decodePath(ctx.rawPath);
  return {
    method: req.method,
    path,
    url: req.rawQuery ? `${ctx.rawPath}?${req.rawQuery}` : ctx.rawPath,
    clientIP: req.sourceIp,
    headers,
    queries,
    pathParameters: ctx.pathParameters ?? {},
    requestId: req.requestId,
    host: header(req, 'host') ?? '',
    body: req.body.toString('base64'),
  };
}

/** The runtime's answer for an FC HTTP handler: `{statusCode, headers, body(base64)}`. */
export function fcAnswer(payload: Buffer, contentType: string): AnswerResult {
  if (!contentType.startsWith(FC_HTTP_RESPONSE_TYPE)) {
    return malformed(
      `the runtime did not answer as an FC HTTP handler (Content-Type ${contentType}); is the function an fc-flavour Node function?`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return malformed('the FC HTTP answer is not valid JSON');
  }
  if (value === null || typeof value !== 'object')
    return malformed('the FC HTTP answer is not an object');
  const r = value as Record<string, unknown>;
  const statusCode = checkStatus(r.statusCode);
  if (typeof statusCode === 'string') return malformed(statusCode);
  const headers = checkHeaders(r.headers, 'multiValueHeaders');
  if (typeof headers === 'string') return malformed(headers);
  const body = base64Body(r.body, true);
  if (typeof body === 'string') return malformed(body);
  return { ok: true, answer: { statusCode, headers, body } };
}
