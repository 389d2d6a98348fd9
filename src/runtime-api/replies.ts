import type { ServerResponse } from 'node:http';

/** The Runtime API's JSON error replies, as RIE renders them. */
export function replyError(
  res: ServerResponse,
  status: number,
  errorType: string,
  errorMessage: string,
): void {
  const body = JSON.stringify({ errorMessage, errorType });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const ACCEPTED = '{"status":"OK"}';

export function replyAccepted(res: ServerResponse): void {
  res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': ACCEPTED.length });
  res.end(ACCEPTED);
}

export function invalidRequestId(res: ServerResponse): void {
  replyError(res, 400, 'InvalidRequestID', 'Invalid request ID');
}

export function invalidTransition(
  res: ServerResponse,
  from: string,
  to: string,
  why: string,
): void {
  replyError(
    res,
    403,
    'InvalidStateTransition',
    `State transition from ${from} to ${to} failed for runtime. Error: ${why}`,
  );
}
