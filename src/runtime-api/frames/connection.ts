import type net from 'node:net';
import {
  type Answering,
  errorOutcome,
  isAnswering,
  type NextWaiter,
  type RuntimeChannel,
} from '../channel.js';
import { errorTypeOf, TOO_LARGE_ERROR_BODY } from '../http-endpoints.js';
import {
  MAX_RESPONSE_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  type ResponseStreamSink,
  type RuntimeInvocation,
  type RuntimeOutcome,
} from '../types.js';
import {
  BodyReader,
  FLAG_MARKER_FOLLOWS,
  FrameReader,
  FrameType,
  HEAD_BYTES,
  MAGIC,
} from './codec.js';
import { invokeFrame } from './invoke-frame.js';

/** Largest frame body: a full response plus its metadata. */
const MAX_FRAME_BYTES = MAX_RESPONSE_BYTES + 64 * 1024;
/** Log frames are at most this (the runtime splits longer output). */
const MAX_LOG_FRAME_BYTES = 1024 * 1024;

interface Streaming {
  cur: Answering;
  sink: ResponseStreamSink;
  contentType: string;
  sizeBytes: number;
}

/**
 * One framed runtime connection on `channel` (MAGIC already read). A warm invoke is one
 * INVOKE frame written and one read carrying RESPONSE + NEXT: no HTTP parsing, no per-request
 * header objects. Refusals (a wrong request id, an answer twice) are not sent back: the
 * answer is dropped, as the Node bootstrap ignores a 4xx on HTTP. A malformed frame ends the
 * connection; the runtime then exits (Runtime.ExitError).
 */
export function serveFrames(channel: RuntimeChannel, socket: net.Socket, rest: Buffer): void {
  let streaming: Streaming | null = null;
  const waiter: NextWaiter = {
    send: (inv: RuntimeInvocation) => {
      const parts = invokeFrame(inv);
      const [only] = parts;
      if (parts.length === 1 && only) socket.write(only);
      else {
        socket.cork();
        for (const p of parts) socket.write(p);
        socket.uncork();
      }
    },
    drop: () => socket.destroy(),
  };

  const answer = (requestId: string, to: string): Answering | null => {
    const c = channel.claim(requestId, to);
    if (isAnswering(c)) return c;
    if (c === 'closed') socket.destroy();
    return null;
  };

  const onFrame = (type: number, body: Buffer): void => {
    switch (type) {
      case FrameType.next: {
        const r = channel.next(waiter);
        if (r === 'closed') socket.destroy();
        return;
      }
      case FrameType.log:
        channel.log(body.toString('utf8'));
        return;
      case FrameType.response: {
        const b = new BodyReader(body);
        const flags = b.u8();
        const cur = answer(b.str(), 'InvocationResponse');
        const contentType = b.str() || 'application/json';
        if (cur)
          channel.settle(cur, {
            kind: 'response',
            body: Buffer.from(b.rest()),
            contentType,
            ...logsDone(flags),
          });
        return;
      }
      case FrameType.error: {
        const b = new BodyReader(body);
        const flags = b.u8();
        const cur = answer(b.str(), 'InvocationErrorResponse');
        const header = b.str();
        const errBody = Buffer.from(b.rest());
        if (cur) {
          const errorType = errorTypeOf(header || undefined, errBody, 'Function.Unknown');
          channel.settle(cur, { kind: 'error', errorType, body: errBody, ...logsDone(flags) });
        }
        return;
      }
      case FrameType.initError: {
        const b = new BodyReader(body);
        b.u8();
        const header = b.str();
        const errBody = Buffer.from(b.rest());
        channel.initError(errorTypeOf(header || undefined, errBody, 'Runtime.Unknown'), errBody);
        return;
      }
      case FrameType.streamStart: {
        const b = new BodyReader(body);
        const cur = answer(b.str(), 'InvocationResponse');
        const contentType = b.str() || 'application/octet-stream';
        if (!cur) return;
        const sink = cur.inv.stream;
        if (!sink) {
          // No sink (the Invoke API): the pieces are gathered into one buffered response.
          streaming = { cur, sink: gatherSink(), contentType, sizeBytes: 0 };
        } else {
          sink.start(contentType);
          streaming = { cur, sink, contentType, sizeBytes: 0 };
        }
        cur.answered = true;
        return;
      }
      case FrameType.streamChunk: {
        const s = streaming;
        if (!s) return;
        s.sizeBytes += body.length;
        if (!channel.isCurrent(s.cur) || s.sizeBytes > MAX_STREAMED_RESPONSE_BYTES) return;
        if (!s.sink.write(Buffer.from(body))) {
          socket.pause();
          void s.sink.drained().then(() => socket.resume());
        }
        return;
      }
      case FrameType.streamEnd: {
        const s = streaming;
        streaming = null;
        if (!s) return;
        const b = new BodyReader(body);
        b.u8();
        const errorType = b.str();
        const errBody = b.rest();
        s.cur.answered = false;
        if (!channel.isCurrent(s.cur)) return;
        channel.settle(s.cur, streamOutcome(s, errorType, errBody));
        return;
      }
      default:
        socket.destroy();
    }
  };

  const onOversize = (type: number): void => {
    if (type === FrameType.log) {
      channel.log('[nimbus] a log record over 1 MiB was dropped\n');
      return;
    }
    const cur = channel.unanswered();
    if (!cur) return;
    if (type === FrameType.response) channel.settle(cur, { kind: 'too-large' });
    else if (type === FrameType.error)
      channel.settle(cur, {
        kind: 'error',
        errorType: 'Runtime.Unknown',
        body: TOO_LARGE_ERROR_BODY,
      });
    else socket.destroy();
  };

  const reader = new FrameReader(onFrame, onOversize, (type) =>
    type === FrameType.log ? MAX_LOG_FRAME_BYTES : MAX_FRAME_BYTES,
  );
  socket.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch {
      socket.destroy(); // a malformed frame: this is no Nimbus runtime
    }
  });
  socket.on('close', () => {
    channel.unpark(waiter);
    const s = streaming;
    if (s && channel.isCurrent(s.cur)) {
      s.cur.answered = false;
      channel.settle(
        s.cur,
        errorOutcome('Runtime.TruncatedResponse', 'The runtime closed its response stream early'),
      );
    }
  });
  if (rest.length) reader.push(rest);
}

/** How a streamed response ended: too large, with an error (the trailer's), gathered, or streamed. */
function streamOutcome(s: Streaming, errorType: string, errBody: Buffer): RuntimeOutcome {
  const gathered = (s.sink as GatherSink).gathered;
  const limit = gathered ? MAX_RESPONSE_BYTES : MAX_STREAMED_RESPONSE_BYTES;
  if (s.sizeBytes > limit) return { kind: 'too-large' };
  if (errorType) {
    const body = errBody.length ? Buffer.from(errBody) : Buffer.from(JSON.stringify({ errorType }));
    return { kind: 'error', errorType, body };
  }
  if (gathered)
    return { kind: 'response', body: Buffer.concat(gathered), contentType: s.contentType };
  return { kind: 'streamed', contentType: s.contentType, sizeBytes: s.sizeBytes };
}

/** Whether the outcome's log is complete (no stdout end marker to wait for). */
function logsDone(flags: number): { logsComplete?: true } {
  return flags & FLAG_MARKER_FOLLOWS ? {} : { logsComplete: true };
}

interface GatherSink extends ResponseStreamSink {
  gathered?: Buffer[];
}

/** A sink that keeps every piece: a streamed response to a caller that cannot stream. */
function gatherSink(): GatherSink {
  const gathered: Buffer[] = [];
  return {
    gathered,
    start() {},
    write(chunk) {
      gathered.push(chunk);
      return true;
    },
    drained: () => Promise.resolve(),
  };
}

/** Whether `first` (a connection's first bytes) opens a framed channel; needs MAGIC.length bytes. */
export function opensFrames(first: Buffer): boolean {
  return first.length >= MAGIC.length && first.subarray(0, MAGIC.length).equals(MAGIC);
}

export { HEAD_BYTES, MAGIC };
