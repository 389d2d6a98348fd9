/**
 * Nimbus's framed channel between the server and its own bootstraps (docs/runtime-contract.md
 * §"Framed channel"): a runtime that opens the instance's socket and writes MAGIC first
 * speaks frames instead of HTTP. A frame is a 5-byte head — body length (u32 big-endian)
 * and type (u8) — then the body. Strings inside bodies are u16 big-endian length + UTF-8.
 * The runtime's side lives in runtimes/node/frames.mjs and runtimes/python/nimbus_runtime/frames.py.
 */

/** What a framed runtime writes before its first frame; no HTTP request starts with NUL. */
export const MAGIC = Buffer.from('\0NIMBUS-FRAMES/1\n', 'latin1');
export const HEAD_BYTES = 5;

/** Frame types. Runtime → server below 0x10, server → runtime from 0x10. */
export const FrameType = {
  /** Ready for the next invocation (the first one also ends init). Empty body. */
  next: 0x01,
  /** flags u8, requestId, contentType, then the response body. */
  response: 0x02,
  /** flags u8, requestId, errorType, then the error JSON. */
  error: 0x03,
  /** flags u8, errorType, then the error JSON. */
  initError: 0x04,
  /** Log text: one or more lines, each ending in `\n`. */
  log: 0x05,
  /** requestId, contentType: a streamed response begins. */
  streamStart: 0x06,
  /** A piece of the streamed response body. */
  streamChunk: 0x07,
  /** flags u8, errorType (empty: success), then the error JSON (what the HTTP trailer carries in base64). */
  streamEnd: 0x08,
  /** deadlineMs f64, requestId, arn, traceId, clientContext, cognitoIdentity, contentType, then the event. */
  invoke: 0x10,
} as const;

/** RESPONSE / ERROR flag: the runtime also writes an end marker on stdout (its logs go there). */
export const FLAG_MARKER_FOLLOWS = 0x01;

/** A cursor over one frame body. */
export class BodyReader {
  private off = 0;

  constructor(private readonly buf: Buffer) {}

  u8(): number {
    const v = this.buf.readUInt8(this.off);
    this.off += 1;
    return v;
  }

  str(): string {
    const n = this.buf.readUInt16BE(this.off);
    const s = this.buf.toString('utf8', this.off + 2, this.off + 2 + n);
    this.off += 2 + n;
    if (this.off > this.buf.length) throw new RangeError('string runs past the frame');
    return s;
  }

  /** Everything after what was read. */
  rest(): Buffer {
    return this.buf.subarray(this.off);
  }
}

/**
 * Cuts a byte stream into frames. Bodies longer than `maxBodyBytes(type)` are skipped
 * without being buffered; `onOversize` is told instead.
 */
export class FrameReader {
  private pending: Buffer | null = null;
  private skipLeft = 0;

  constructor(
    private readonly onFrame: (type: number, body: Buffer) => void,
    private readonly onOversize: (type: number, sizeBytes: number) => void,
    private readonly maxBodyBytes: (type: number) => number,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (this.skipLeft > 0) {
      const n = Math.min(this.skipLeft, buf.length);
      this.skipLeft -= n;
      buf = buf.subarray(n);
    }
    let off = 0;
    while (buf.length - off >= HEAD_BYTES) {
      const len = buf.readUInt32BE(off);
      const type = buf[off + 4] as number;
      if (len > this.maxBodyBytes(type)) {
        const have = buf.length - off - HEAD_BYTES;
        this.skipLeft = Math.max(0, len - have);
        off = Math.min(buf.length, off + HEAD_BYTES + len);
        this.onOversize(type, len);
        continue;
      }
      if (buf.length - off - HEAD_BYTES < len) break;
      const body = buf.subarray(off + HEAD_BYTES, off + HEAD_BYTES + len);
      off += HEAD_BYTES + len;
      this.onFrame(type, body);
    }
    if (off < buf.length) this.pending = buf.subarray(off);
  }
}

/** Bytes of a u16-prefixed string. */
export function strBytes(s: string): number {
  return 2 + Buffer.byteLength(s);
}

/** Writes a u16-prefixed string at `off`; returns the offset after it. */
export function putStr(buf: Buffer, off: number, s: string): number {
  const n = buf.write(s, off + 2, 'utf8');
  buf.writeUInt16BE(n, off);
  return off + 2 + n;
}
