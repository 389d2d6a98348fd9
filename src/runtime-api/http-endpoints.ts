import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Answering, errorOutcome, isAnswering, type RuntimeChannel } from './channel.js';
import { readBody } from './read-body.js';
import { replyAccepted, replyError, replyRefusal } from './replies.js';
import {
  MAX_RESPONSE_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  type ResponseStreamSink,
  type RuntimeInvocation,
} from './types.js';

/** The Runtime API over HTTP (reference §1), one function per endpoint, on a RuntimeChannel. */

const ERROR_TYPE_RE = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;

/** `GET /runtime/invocation/next`: parks the request until an invocation is delivered. */
export function handleNext(
  channel: RuntimeChannel,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const waiter = {
    send: (inv: RuntimeInvocation) => sendInvocation(res, inv),
    drop: () => dropRes(res),
  };
  const r = channel.next(waiter);
  if (r === 'closed') res.destroy();
  else if (r) replyRefusal(res, r);
  else req.on('close', () => channel.unpark(waiter));
}

function dropRes(res: ServerResponse): void {
  if (!res.writableEnded) res.destroy();
}

function sendInvocation(res: ServerResponse, inv: RuntimeInvocation): void {
  const headers: Record<string, string | number> = {
    'Content-Type': inv.contentType ?? 'application/json',
    'Content-Length': inv.payload.length,
    'Lambda-Runtime-Aws-Request-Id': inv.requestId,
    'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn': inv.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id': inv.traceId,
  };
  if (inv.clientContext) headers['Lambda-Runtime-Client-Context'] = inv.clientContext;
  if (inv.cognitoIdentity) headers['Lambda-Runtime-Cognito-Identity'] = inv.cognitoIdentity;
  res.writeHead(200, headers);
  res.end(inv.payload);
}

/** Claims `requestId` for an answer, replying to the runtime when refused. */
function claimFor(
  channel: RuntimeChannel,
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
  to: string,
): Answering | null {
  const c = channel.claim(requestId, to);
  if (isAnswering(c)) return c;
  req.resume();
  if (c === 'closed') res.destroy();
  else replyRefusal(res, c);
  return null;
}

/** `POST /runtime/invocation/{id}/response`, buffered or streamed. */
export async function handleResponse(
  channel: RuntimeChannel,
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const cur = claimFor(channel, requestId, req, res, 'InvocationResponse');
  if (!cur) return;
  const mode = req.headers['lambda-runtime-function-response-mode'];
  if (mode !== undefined && String(mode).toLowerCase() !== 'streaming') {
    req.resume();
    replyError(res, 400, 'InvalidFunctionResponseMode', 'Invalid function response mode');
    channel.settle(
      cur,
      errorOutcome('Runtime.InvalidResponseModeHeader', 'Invalid function response mode'),
    );
    return;
  }
  const sink = cur.inv.stream;
  if (mode !== undefined && sink) return pipeStream(channel, cur, req, res, sink);
  // Marked answered before the body arrives so a second POST is refused at once.
  cur.answered = true;
  const body = await readBody(req, MAX_RESPONSE_BYTES);
  cur.answered = false;
  if (!channel.isCurrent(cur)) return; // closed (timed out, killed) while reading
  if (body === null) return tooLarge(channel, cur, res, MAX_RESPONSE_BYTES);
  replyAccepted(res);
  if (finishedByTrailers(channel, cur, req)) return;
  const contentType = req.headers['content-type'] ?? 'application/json';
  channel.settle(cur, { kind: 'response', body, contentType });
}

/**
 * A streamed response for an invocation that has a sink: each chunk goes on as it arrives
 * (waiting while the sink is full); the end, or the error trailers, settle the invocation.
 */
async function pipeStream(
  channel: RuntimeChannel,
  cur: Answering,
  req: IncomingMessage,
  res: ServerResponse,
  sink: ResponseStreamSink,
): Promise<void> {
  cur.answered = true;
  const contentType = req.headers['content-type'] ?? 'application/octet-stream';
  sink.start(contentType);
  let sizeBytes = 0;
  let truncated = false;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      sizeBytes += chunk.length;
      // Closed (timed out) or too large: the rest is drained, not forwarded.
      if (!channel.isCurrent(cur) || sizeBytes > MAX_STREAMED_RESPONSE_BYTES) continue;
      if (!sink.write(chunk)) await sink.drained();
    }
  } catch {
    truncated = true;
  }
  cur.answered = false;
  if (!channel.isCurrent(cur)) return;
  if (truncated) {
    res.destroy();
    channel.settle(
      cur,
      errorOutcome('Runtime.TruncatedResponse', 'The runtime closed its response stream early'),
    );
    return;
  }
  if (sizeBytes > MAX_STREAMED_RESPONSE_BYTES)
    return tooLarge(channel, cur, res, MAX_STREAMED_RESPONSE_BYTES);
  replyAccepted(res);
  if (finishedByTrailers(channel, cur, req)) return;
  channel.settle(cur, { kind: 'streamed', contentType, sizeBytes });
}

/** The response was over the limit: 413 to the runtime, Function.ResponseSizeTooLarge for the caller. */
function tooLarge(
  channel: RuntimeChannel,
  cur: Answering,
  res: ServerResponse,
  limitBytes: number,
): void {
  replyError(
    res,
    413,
    'RequestEntityTooLarge',
    `Exceeded maximum allowed payload size (${limitBytes} bytes).`,
  );
  channel.settle(cur, { kind: 'too-large' });
}

/** A streamed response that failed part-way carries its error in trailers; true when it did. */
function finishedByTrailers(
  channel: RuntimeChannel,
  cur: Answering,
  req: IncomingMessage,
): boolean {
  const errorType = req.trailers['lambda-runtime-function-error-type'];
  if (!errorType) return false;
  const raw = req.trailers['lambda-runtime-function-error-body'];
  const body = raw ? Buffer.from(raw, 'base64') : Buffer.from(JSON.stringify({ errorType }));
  channel.settle(cur, { kind: 'error', errorType, body });
  return true;
}

/** `POST /runtime/invocation/{id}/error`. */
export async function handleError(
  channel: RuntimeChannel,
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const cur = claimFor(channel, requestId, req, res, 'InvocationErrorResponse');
  if (!cur) return;
  cur.answered = true;
  const body = (await readBody(req, MAX_RESPONSE_BYTES)) ?? TOO_LARGE_ERROR_BODY;
  cur.answered = false;
  if (!channel.isCurrent(cur)) return;
  replyAccepted(res);
  const header = req.headers['lambda-runtime-function-error-type'];
  channel.settle(cur, {
    kind: 'error',
    errorType: errorTypeOf(header, body, 'Function.Unknown'),
    body,
  });
}

/** What an error body over the limit is replaced with. */
export const TOO_LARGE_ERROR_BODY = Buffer.from(
  '{"errorType":"Runtime.Unknown","errorMessage":"error body too large"}',
);

/** `POST /runtime/init/error`. */
export async function handleInitError(
  channel: RuntimeChannel,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!channel.initialising) {
    req.resume();
    // Refused without a side effect: init is over.
    const refused = channel.initError('', Buffer.alloc(0));
    if (refused) replyRefusal(res, refused);
    return;
  }
  const body = (await readBody(req, MAX_RESPONSE_BYTES)) ?? Buffer.from('{}');
  if (!channel.initialising) return;
  replyAccepted(res);
  const header = req.headers['lambda-runtime-function-error-type'];
  channel.initError(errorTypeOf(header, body, 'Runtime.Unknown'), body);
}

/** The error type from the header when it is well-formed, else from the body, else `fallback`. */
export function errorTypeOf(
  header: string | string[] | undefined,
  body: Buffer,
  fallback: string,
): string {
  if (typeof header === 'string' && ERROR_TYPE_RE.test(header)) return header;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    if (typeof parsed.errorType === 'string' && parsed.errorType) return parsed.errorType;
  } catch {
    // not JSON: fall through
  }
  return typeof header === 'string' && header
    ? header.startsWith('Runtime.')
      ? 'Runtime.Unknown'
      : 'Function.Unknown'
    : fallback;
}
