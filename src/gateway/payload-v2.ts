import { type AnswerResult, base64Body, checkHeaders, checkStatus, malformed } from './answer.js';
import { type EventContext, encodeBody, requestTime } from './event-context.js';
import { cookiesOf, decodePath, header, joinedHeaders, queryPairs } from './http-request.js';

const SKIP_HEADERS = new Set(['cookie']);

/** The API Gateway HTTP API payload 2.0 event (function URLs use it too). */
export function v2Event(ctx: EventContext): Record<string, unknown> {
  const { req } = ctx;
  const cookies = cookiesOf(req.headers);
  const query: Record<string, string> = {};
  for (const [k, v] of queryPairs(req.rawQuery)) query[k] = k in query ? `${query[k]},${v}` : v;
  const { body, isBase64Encoded } = encodeBody(req.body, header(req, 'content-type'));
  return {
    version: '2.0',
    routeKey: ctx.routeKey,
    rawPath: ctx.rawPath,
    rawQueryString: req.rawQuery,
    ...(cookies.length ? { cookies } : {}),
    headers: joinedHeaders(req.headers, SKIP_HEADERS),
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(ctx.pathParameters ? { pathParameters: ctx.pathParameters } : {}),
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      ...(ctx.authorizer ? { authorizer: ctx.authorizer } : {}),
      domainName: ctx.domainName,
      domainPrefix: ctx.domainPrefix,
      http: {
        method: req.method,
        path: decodePath(ctx.rawPath),
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: header(req, 'user-agent') ?? '',
      },
      requestId: req.requestId,
      routeKey: ctx.routeKey,
      stage: '$default',
      time: requestTime(req.timeEpochMs),
      timeEpoch: req.timeEpochMs,
    },
    ...(body ? { body } : {}),
    isBase64Encoded,
  };
}

/**
 * A 2.0 function response: `{statusCode, headers, cookies, body, isBase64Encoded}`, or —
 * API Gateway's inference rule — any other valid JSON, answered as a 200 JSON body.
 */
export function v2Answer(payload: Buffer): AnswerResult {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return malformed('the function response is not valid JSON');
  }
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !('statusCode' in value)
  ) {
    return {
      ok: true,
      answer: { statusCode: 200, headers: [['content-type', 'application/json']], body: payload },
    };
  }
  const r = value as Record<string, unknown>;
  const statusCode = checkStatus(r.statusCode);
  if (typeof statusCode === 'string') return malformed(statusCode);
  const headers = checkHeaders(r.headers, 'headers');
  if (typeof headers === 'string') return malformed(headers);
  if (r.cookies !== undefined && r.cookies !== null) {
    if (!Array.isArray(r.cookies) || !r.cookies.every((c) => typeof c === 'string')) {
      return malformed('cookies must be an array of strings');
    }
    for (const c of r.cookies) headers.push(['set-cookie', c]);
  }
  const body = base64Body(r.body, r.isBase64Encoded);
  if (typeof body === 'string') return malformed(body);
  if (!headers.some(([k]) => k === 'content-type'))
    headers.push(['content-type', 'application/json']);
  return { ok: true, answer: { statusCode, headers, body } };
}
