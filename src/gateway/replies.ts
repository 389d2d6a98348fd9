import type { ServerResponse } from 'node:http';
import type { HttpAnswer } from './answer.js';

/** The header every gateway answer carries: the gateway's request id. */
export const REQUEST_ID_HEADER = 'x-amzn-RequestId';

/**
 * Writes a whole answer. `extra` headers (CORS, request id) replace the function's headers
 * of the same name. Nothing is written to a response whose client has gone.
 */
export function sendAnswer(
  res: ServerResponse,
  answer: HttpAnswer,
  extra: readonly [string, string][],
): void {
  if (res.headersSent || res.destroyed) return;
  const replaced = new Set(extra.map(([k]) => k.toLowerCase()));
  const headers: [string, string][] = answer.headers.filter(([k]) => !replaced.has(k));
  headers.push(...extra, ['content-length', String(answer.body.length)]);
  res.writeHead(answer.statusCode, headers.flat());
  res.end(answer.body);
}

/** A JSON error answer: `{"message": "...", "requestId": "..."}`, as API Gateway words them. */
export function sendError(
  res: ServerResponse,
  statusCode: number,
  message: string,
  requestId: string,
  extra: readonly [string, string][] = [],
): void {
  const body = Buffer.from(JSON.stringify({ message, requestId }));
  sendAnswer(res, { statusCode, headers: [['content-type', 'application/json']], body }, [
    [REQUEST_ID_HEADER, requestId],
    ...extra,
  ]);
}
