import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtensionHub } from './extensions.js';
import { readBody } from './read-body.js';
import { invalidRequestId, invalidTransition, replyAccepted, replyError } from './replies.js';
import {
  type ChannelListener,
  MAX_RESPONSE_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  type ResponseStreamSink,
  type RuntimeInvocation,
  type RuntimeOutcome,
} from './types.js';

/**
 * The runtime's side of one instance, as a state machine:
 *
 *   init ──/next──▶ idle ──deliver──▶ invoking ──/response|/error──▶ idle
 *     └─/init/error──▶ closed            (any) ──close()──▶ closed
 *
 * Every transition not drawn is refused (RIE's 403 InvalidStateTransition).
 */
export type ChannelState = 'init' | 'idle' | 'invoking' | 'closed';

const ERROR_TYPE_RE = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;

interface Current {
  inv: RuntimeInvocation;
  delivered: boolean;
  answered: boolean;
}

export class RuntimeChannel {
  private stateValue: ChannelState = 'init';
  private parkedNext: ServerResponse | null = null;
  private current: Current | null = null;
  /** The last answered request id: a second answer to it is a state error, not an unknown id. */
  private lastAnswered: string | null = null;
  /** The instance's Extensions API (`/2020-01-01/extension/...`), served on the same socket. */
  extensions: ExtensionHub | null = null;

  constructor(private readonly listener: ChannelListener) {}

  get state(): ChannelState {
    return this.stateValue;
  }

  /** Hands an invocation to the runtime: at once if it is waiting in /next, else on its next /next. */
  deliver(inv: RuntimeInvocation): void {
    if (this.stateValue !== 'idle' || this.current) {
      throw new Error(`cannot deliver an invocation in state ${this.stateValue}`);
    }
    this.current = { inv, delivered: false, answered: false };
    this.stateValue = 'invoking';
    const parked = this.parkedNext;
    if (parked) {
      this.parkedNext = null;
      this.send(parked);
    }
  }

  /** The instance is going away: refuse everything from now on. */
  close(): void {
    this.stateValue = 'closed';
    this.current = null;
    const parked = this.parkedNext;
    this.parkedNext = null;
    if (parked && !parked.writableEnded) parked.destroy();
  }

  handleNext(req: IncomingMessage, res: ServerResponse): void {
    switch (this.stateValue) {
      case 'closed':
        res.destroy();
        return;
      case 'init':
        this.stateValue = 'idle';
        this.listener.onReady();
        break;
      case 'invoking':
        if (this.current?.delivered && !this.current.answered) {
          invalidTransition(
            res,
            'Invoking',
            'Ready',
            'the current invocation has not been answered',
          );
          return;
        }
        break;
      case 'idle':
        break;
    }
    if (this.parkedNext) {
      invalidTransition(res, 'Ready', 'Ready', 'a /next request is already waiting');
      return;
    }
    // init → idle above may have led the listener to deliver synchronously.
    if (this.current && !this.current.delivered) {
      this.send(res);
      return;
    }
    this.parkedNext = res;
    req.on('close', () => {
      if (this.parkedNext === res) this.parkedNext = null;
    });
  }

  private send(res: ServerResponse): void {
    const cur = this.current!;
    cur.delivered = true;
    const inv = cur.inv;
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

  /** Checks that `requestId` is the invocation in flight; answers the runtime if not. */
  private claim(requestId: string, res: ServerResponse, to: string): Current | null {
    const cur = this.current;
    if (this.stateValue === 'closed') {
      res.destroy();
      return null;
    }
    if (requestId === this.lastAnswered && cur?.inv.requestId !== requestId) {
      invalidTransition(res, 'InvocationResponded', to, 'the invocation was already answered');
      return null;
    }
    if (!cur || cur.inv.requestId !== requestId || !cur.delivered) {
      invalidRequestId(res);
      return null;
    }
    if (cur.answered) {
      invalidTransition(res, 'InvocationResponded', to, 'the invocation was already answered');
      return null;
    }
    return cur;
  }

  private finish(cur: Current, outcome: RuntimeOutcome): void {
    cur.answered = true;
    this.lastAnswered = cur.inv.requestId;
    if (this.current === cur) {
      this.current = null;
      this.stateValue = 'idle';
    }
    this.listener.onOutcome(cur.inv.requestId, outcome);
  }

  async handleResponse(
    requestId: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const cur = this.claim(requestId, res, 'InvocationResponse');
    if (!cur) return;
    const mode = req.headers['lambda-runtime-function-response-mode'];
    if (mode !== undefined && String(mode).toLowerCase() !== 'streaming') {
      req.resume();
      replyError(res, 400, 'InvalidFunctionResponseMode', 'Invalid function response mode');
      this.finish(
        cur,
        errorOutcome('Runtime.InvalidResponseModeHeader', 'Invalid function response mode'),
      );
      return;
    }
    const sink = cur.inv.stream;
    if (mode !== undefined && sink) {
      await this.pipeStream(cur, req, res, sink);
      return;
    }
    // Marked answered before the body arrives so a second POST is refused at once.
    cur.answered = true;
    const body = await readBody(req, MAX_RESPONSE_BYTES);
    cur.answered = false;
    if (this.current !== cur) return; // closed (timed out, killed) while reading
    if (body === null) return this.tooLarge(cur, res, MAX_RESPONSE_BYTES);
    replyAccepted(res);
    if (this.finishedByTrailers(cur, req)) return;
    const contentType = req.headers['content-type'] ?? 'application/json';
    this.finish(cur, { kind: 'response', body, contentType });
  }

  /**
   * A streamed response for an invocation that has a sink: each chunk goes on as it arrives
   * (waiting while the sink is full); the end, or the error trailers, settle the invocation.
   */
  private async pipeStream(
    cur: Current,
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
        if (this.current !== cur || sizeBytes > MAX_STREAMED_RESPONSE_BYTES) continue;
        if (!sink.write(chunk)) await sink.drained();
      }
    } catch {
      truncated = true;
    }
    cur.answered = false;
    if (this.current !== cur) return;
    if (truncated) {
      res.destroy();
      this.finish(
        cur,
        errorOutcome('Runtime.TruncatedResponse', 'The runtime closed its response stream early'),
      );
      return;
    }
    if (sizeBytes > MAX_STREAMED_RESPONSE_BYTES)
      return this.tooLarge(cur, res, MAX_STREAMED_RESPONSE_BYTES);
    replyAccepted(res);
    if (this.finishedByTrailers(cur, req)) return;
    this.finish(cur, { kind: 'streamed', contentType, sizeBytes });
  }

  /** The response was over the limit: 413 to the runtime, Function.ResponseSizeTooLarge for the caller. */
  private tooLarge(cur: Current, res: ServerResponse, limitBytes: number): void {
    replyError(
      res,
      413,
      'RequestEntityTooLarge',
      `Exceeded maximum allowed payload size (${limitBytes} bytes).`,
    );
    this.finish(cur, { kind: 'too-large' });
  }

  /** A streamed response that failed part-way carries its error in trailers; true when it did. */
  private finishedByTrailers(cur: Current, req: IncomingMessage): boolean {
    const errorType = req.trailers['lambda-runtime-function-error-type'];
    if (!errorType) return false;
    const raw = req.trailers['lambda-runtime-function-error-body'];
    const body = raw ? Buffer.from(raw, 'base64') : Buffer.from(JSON.stringify({ errorType }));
    this.finish(cur, { kind: 'error', errorType, body });
    return true;
  }

  async handleError(requestId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cur = this.claim(requestId, res, 'InvocationErrorResponse');
    if (!cur) return;
    cur.answered = true;
    const body =
      (await readBody(req, MAX_RESPONSE_BYTES)) ??
      Buffer.from('{"errorType":"Runtime.Unknown","errorMessage":"error body too large"}');
    cur.answered = false;
    if (this.current !== cur) return;
    replyAccepted(res);
    this.finish(cur, {
      kind: 'error',
      errorType: errorTypeOf(req, body, 'Function.Unknown'),
      body,
    });
  }

  async handleInitError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.stateValue !== 'init') {
      req.resume();
      invalidTransition(res, this.stateValue, 'InitError', 'init has already completed');
      return;
    }
    const body = (await readBody(req, MAX_RESPONSE_BYTES)) ?? Buffer.from('{}');
    if (this.stateValue !== 'init') return;
    replyAccepted(res);
    this.stateValue = 'closed';
    this.listener.onInitError(errorTypeOf(req, body, 'Runtime.Unknown'), body);
  }
}

/** The error type from the header when it is well-formed, else from the body, else `fallback`. */
function errorTypeOf(req: IncomingMessage, body: Buffer, fallback: string): string {
  const header = req.headers['lambda-runtime-function-error-type'];
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

function errorOutcome(errorType: string, errorMessage: string): RuntimeOutcome {
  return {
    kind: 'error',
    errorType,
    body: Buffer.from(JSON.stringify({ errorMessage, errorType })),
  };
}
