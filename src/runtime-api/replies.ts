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

/** Why the channel refused a runtime's request, as the Runtime API answers it. */
export interface Refusal {
  status: number;
  errorType: string;
  errorMessage: string;
}

export const INVALID_REQUEST_ID: Refusal = {
  status: 400,
  errorType: 'InvalidRequestID',
  errorMessage: 'Invalid request ID',
};

export function invalidTransition(from: string, to: string, why: string): Refusal {
  return {
    status: 403,
    errorType: 'InvalidStateTransition',
    errorMessage: `State transition from ${from} to ${to} failed for runtime. Error: ${why}`,
  };
}

/** Answers an HTTP runtime with a refusal. */
export function replyRefusal(res: ServerResponse, r: Refusal): void {
  replyError(res, r.status, r.errorType, r.errorMessage);
}
