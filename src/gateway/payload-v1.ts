import { type AnswerResult, base64Body, checkHeaders, checkStatus, malformed } from './answer.js';
import { type EventContext, encodeBody, requestTime } from './event-context.js';
import { decodePath, header, multiValueHeaders, queryPairs } from './http-request.js';

/** The API Gateway REST API (v1 proxy integration) event. */
export function v1Event(ctx: EventContext): Record<string, unknown> {
  const { req } = ctx;
  const multiHeaders = multiValueHeaders(req.headers);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(multiHeaders)) headers[k] = v[v.length - 1]!;
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of queryPairs(req.rawQuery)) {
    if (Object.hasOwn(multiQuery, k)) multiQuery[k]!.push(v);
    else multiQuery[k] = [v];
  }
  const hasQuery = Object.keys(multiQuery).length > 0;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(multiQuery)) query[k] = v[v.length - 1]!;
  const { body, isBase64Encoded } = encodeBody(req.body, header(req, 'content-type'));
  const path = decodePath(ctx.rawPath);
  return {
    resource: ctx.resourcePath,
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders: multiHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: ctx.pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      resourceId: ctx.routeKey,
      resourcePath: ctx.resourcePath,
      httpMethod: req.method,
      path,
      stage: '$default',
      domainName: ctx.domainName,
      domainPrefix: ctx.domainPrefix,
      requestId: req.requestId,
      extendedRequestId: req.requestId,
      protocol: 'HTTP/1.1',
      identity: {
        sourceIp: req.sourceIp,
        userAgent: header(req, 'user-agent') ?? null,
        apiKey: null,
        apiKeyId: ctx.apiKeyId ?? null,
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
        clientCert: null,
      },
      ...(ctx.authorizer ? { authorizer: ctx.authorizer } : {}),
      requestTime: requestTime(req.timeEpochMs),
      requestTimeEpoch: req.timeEpochMs,
    },
    body: body || null,
    isBase64Encoded,
  };
}

/**
 * A 1.0 function response must be `{statusCode, headers, multiValueHeaders, body,
 * isBase64Encoded}`; anything else is a 502, as API Gateway answers it.
 */
export function v1Answer(payload: Buffer): AnswerResult {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return malformed('the function response is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return malformed('a payload 1.0 response must be an object with statusCode');
  }
  const r = value as Record<string, unknown>;
  const statusCode = checkStatus(r.statusCode);
  if (typeof statusCode === 'string') return malformed(statusCode);
  const single = checkHeaders(r.headers, 'headers');
  if (typeof single === 'string') return malformed(single);
  const multi = checkHeaders(r.multiValueHeaders, 'multiValueHeaders');
  if (typeof multi === 'string') return malformed(multi);
  // API Gateway merges both; a name in multiValueHeaders wins over the same name in headers.
  const multiNames = new Set(multi.map(([k]) => k));
  const headers = [...single.filter(([k]) => !multiNames.has(k)), ...multi];
  const body = base64Body(r.body, r.isBase64Encoded);
  if (typeof body === 'string') return malformed(body);
  return { ok: true, answer: { statusCode, headers, body } };
}
