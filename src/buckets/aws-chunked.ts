import { Transform, type TransformCallback } from 'node:stream';
import { s3Error } from './errors.js';

/** Longest chunk header or trailer line we accept (a signed chunk header is ~90 bytes). */
const MAX_LINE_BYTES = 4096;
const HEX_SIZE = /^[0-9a-fA-F]{1,16}$/;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes S3's `aws-chunked` content encoding while it streams: each chunk is
 * `<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n`, a zero-size chunk ends
 * the data, and trailer lines (`x-amz-checksum-crc32:<base64>`) may follow.
 * Emits only the payload bytes; chunk signatures are dropped unchecked (the
 * request's headers carry the signature the front door verified). Trailers are
 * in `trailers` (lower-case names) once the stream has ended.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  #state: State = 'size';
  #remainingBytes = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      let i = 0;
      while (i < chunk.length) {
        if (this.#state === 'data') {
          const n = Math.min(this.#remainingBytes, chunk.length - i);
          this.push(chunk.subarray(i, i + n));
          this.#remainingBytes -= n;
          i += n;
          if (this.#remainingBytes === 0) this.#state = 'data-end';
          continue;
        }
        // Anything after the final empty line is ignored.
        if (this.#state === 'done') break;
        const nl = chunk.indexOf(0x0a, i);
        if (nl < 0) {
          this.#hold(chunk.subarray(i));
          break;
        }
        const line = this.#takeLine(chunk.subarray(i, nl));
        i = nl + 1;
        this.#onLine(line);
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      // The SDK ends an unchecksummed body right after `0\r\n`; a last trailer may lack its CRLF.
      if (this.#state === 'trailer' && this.#pendingBytes > 0) this.#onLine(this.#takeLine());
      if (this.#state !== 'trailer' && this.#state !== 'done') {
        throw s3Error('IncompleteBody', 'The aws-chunked body ended before its final chunk.');
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  #hold(part: Buffer): void {
    this.#pendingBytes += part.length;
    if (this.#pendingBytes > MAX_LINE_BYTES) throw malformed('a chunk header line is too long');
    this.#pending.push(part);
  }

  /** The held bytes plus `tail`, as one line without its CR. */
  #takeLine(tail?: Buffer): string {
    if (tail) this.#hold(tail);
    let text = Buffer.concat(this.#pending).toString('latin1');
    this.#pending = [];
    this.#pendingBytes = 0;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text;
  }

  #onLine(line: string): void {
    switch (this.#state) {
      case 'size': {
        const size = line.split(';', 1)[0]?.trim() ?? '';
        if (!HEX_SIZE.test(size)) throw malformed(`bad chunk size line "${line.slice(0, 40)}"`);
        this.#remainingBytes = Number.parseInt(size, 16);
        this.#state = this.#remainingBytes === 0 ? 'trailer' : 'data';
        return;
      }
      case 'data-end':
        if (line !== '') throw malformed('chunk data longer than its size');
        this.#state = 'size';
        return;
      case 'trailer': {
        if (line === '') {
          this.#state = 'done';
          return;
        }
        const colon = line.indexOf(':');
        if (colon <= 0) throw malformed(`bad trailer line "${line.slice(0, 40)}"`);
        this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        return;
      }
      default:
        return;
    }
  }
}

function malformed(why: string) {
  return s3Error('InvalidRequest', `Malformed aws-chunked body: ${why}.`);
}
