import type { ServerResponse } from 'node:http';
import type { ResponseStreamSink } from '../runtime-api/index.js';
import { PRELUDE_CONTENT_TYPE, preludeEnd, preludeHead } from './prelude.js';

/** Largest prelude accepted before the eight NUL bytes. */
const MAX_PRELUDE_BYTES = 64 * 1024;

/**
 * Passes a streamed function response to the HTTP client as it arrives: the head as soon as
 * it is known (at once for a plain stream, after the prelude for an HTTP-integration one),
 * then each chunk, with the client's backpressure passed back to the runtime. Once the
 * client has gone, chunks are dropped so the function still runs to its end.
 */
export class StreamWriter implements ResponseStreamSink {
  started = false;
  /** Why the stream cannot be answered (bad prelude); the gateway answers 502. */
  failure: string | null = null;
  private pending: Buffer[] | null = null;
  private pendingBytes = 0;

  constructor(
    private readonly res: ServerResponse,
    /** CORS and request-id headers; they replace the function's of the same name. */
    private readonly extra: readonly [string, string][],
  ) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  private get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  start(contentType: string): void {
    this.started = true;
    if (contentType.startsWith(PRELUDE_CONTENT_TYPE)) this.pending = [];
    else this.head(200, [['content-type', contentType]]);
  }

  write(chunk: Buffer): boolean {
    if (this.gone || this.failure) return true;
    if (this.pending) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const buf = Buffer.concat(this.pending);
      const end = preludeEnd(buf);
      if (end < 0) {
        if (this.pendingBytes > MAX_PRELUDE_BYTES) {
          this.failure = `the response prelude is longer than ${MAX_PRELUDE_BYTES} bytes`;
        }
        return true;
      }
      this.pending = null;
      const head = preludeHead(buf.subarray(0, end - 8));
      if (typeof head === 'string') {
        this.failure = head;
        return true;
      }
      this.head(head.statusCode, head.headers);
      const rest = buf.subarray(end);
      return rest.length ? this.res.write(rest) : true;
    }
    return this.res.write(chunk);
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.gone) return resolve();
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  /** True when a prelude was expected and never completed (bytes arrived without it). */
  get preludeIncomplete(): boolean {
    return this.pending !== null && this.pendingBytes > 0;
  }

  /** Ends a stream whose function finished well (an empty prelude stream is a 200). */
  end(): void {
    if (this.gone) return;
    if (!this.res.headersSent) this.head(200, [['content-type', 'application/octet-stream']]);
    this.res.end();
  }

  private head(statusCode: number, headers: [string, string][]): void {
    if (this.gone || this.res.headersSent) return;
    const replaced = new Set(this.extra.map(([k]) => k.toLowerCase()));
    const all = [...headers.filter(([k]) => !replaced.has(k)), ...this.extra];
    this.res.writeHead(statusCode, all.flat());
    // The head goes out now, before the first byte of body: the client sees the stream begin.
    this.res.flushHeaders();
  }
}
