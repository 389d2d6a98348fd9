import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AwsRequest } from '../aws/request.js';
import type { ChecksumAlgorithm, ObjectChecksum } from '../store/index.js';
import {
  CHECKSUM_HEADERS,
  checksumHeader,
  parseAlgorithm,
  type RunningChecksum,
  runningChecksum,
} from './checksums.js';
import { s3Error } from './errors.js';

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** What a verified body was: its MD5 (for the ETag) and the flexible checksum, if any. */
export interface BodyDigests {
  md5: Buffer;
  checksum: ObjectChecksum | null;
}

/**
 * Everything a request says its body must be, checked while the body streams
 * through `update`: Content-MD5, the signed `x-amz-content-sha256`, a flexible
 * checksum sent as a header or as an aws-chunked trailer, and the length.
 */
export class BodyChecks {
  /** The body uses the aws-chunked encoding (`STREAMING-*` payload or Content-Encoding). */
  readonly chunked: boolean;
  /** The decoded length the client announced, if it did. */
  readonly declaredBytes: number | null;
  #sizeBytes = 0;
  readonly #md5 = createHash('md5');
  readonly #expectedMd5: Buffer | null;
  readonly #sha256: Hash | null;
  readonly #expectedSha256: string | null;
  readonly #algorithm: ChecksumAlgorithm | null;
  readonly #checksum: RunningChecksum | null;
  readonly #expectedChecksum: string | undefined;
  readonly #trailer: string | null;

  constructor(r: AwsRequest) {
    const h = r.req.headers;
    const contentSha = header(h, 'x-amz-content-sha256');
    const encodings = (header(h, 'content-encoding') ?? '').toLowerCase().split(',');
    this.chunked =
      contentSha?.startsWith('STREAMING-') === true ||
      encodings.some((e) => e.trim() === 'aws-chunked');
    this.declaredBytes = lengthHeader(
      h,
      this.chunked ? 'x-amz-decoded-content-length' : 'content-length',
    );
    this.#expectedMd5 = md5Header(h);
    // Auth off or unsigned, a client's own hex digest is still checked, as S3 does.
    this.#expectedSha256 =
      r.payloadSha256 ?? (contentSha && HEX_SHA256.test(contentSha) ? contentSha : null);
    this.#sha256 = this.#expectedSha256 ? createHash('sha256') : null;
    const trailer = (header(h, 'x-amz-trailer') ?? '').trim().toLowerCase();
    this.#trailer = CHECKSUM_HEADERS.has(trailer) ? trailer : null;
    const sent = [...CHECKSUM_HEADERS].find(([name]) => header(h, name) !== undefined);
    this.#algorithm =
      (this.#trailer ? CHECKSUM_HEADERS.get(this.#trailer) : undefined) ??
      sent?.[1] ??
      parseAlgorithm(header(h, 'x-amz-sdk-checksum-algorithm')) ??
      null;
    this.#expectedChecksum = sent ? header(h, sent[0]) : undefined;
    this.#checksum = this.#algorithm ? runningChecksum(this.#algorithm) : null;
  }

  /** Bytes seen so far. */
  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  update(chunk: Buffer): void {
    this.#sizeBytes += chunk.length;
    this.#md5.update(chunk);
    this.#sha256?.update(chunk);
    this.#checksum?.update(chunk);
  }

  /** Checks the whole body (call once, after the last byte); throws the S3 error that applies. */
  finish(trailers?: ReadonlyMap<string, string>): BodyDigests {
    if (this.declaredBytes !== null && this.#sizeBytes !== this.declaredBytes) {
      throw s3Error('IncompleteBody');
    }
    const md5 = this.#md5.digest();
    if (this.#expectedMd5 && !md5.equals(this.#expectedMd5)) throw s3Error('BadDigest');
    if (this.#sha256 && this.#sha256.digest('hex') !== this.#expectedSha256) {
      throw s3Error('XAmzContentSHA256Mismatch', undefined, {
        ClientComputedContentSHA256: this.#expectedSha256 ?? '',
      });
    }
    if (!this.#algorithm || !this.#checksum) return { md5, checksum: null };
    const value = this.#checksum.digestBase64();
    const expected =
      this.#expectedChecksum ?? (this.#trailer ? trailers?.get(this.#trailer) : undefined);
    if (expected !== undefined && expected !== value) {
      throw s3Error(
        'BadDigest',
        `The ${this.#algorithm} you specified did not match the calculated checksum.`,
      );
    }
    return { md5, checksum: { algorithm: this.#algorithm, value } };
  }
}

/** The response header that confirms a verified checksum. */
export function checksumResponseHeader(c: ObjectChecksum): [string, string] {
  return [checksumHeader(c.algorithm), c.value];
}

/** A single-valued request header. */
export function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function lengthHeader(h: IncomingHttpHeaders, name: string): number | null {
  const v = header(h, name);
  if (v === undefined) return null;
  if (!/^\d{1,16}$/.test(v.trim())) throw s3Error('InvalidArgument', `Invalid ${name}: ${v}`);
  return Number(v);
}

function md5Header(h: IncomingHttpHeaders): Buffer | null {
  const v = header(h, 'content-md5');
  if (v === undefined) return null;
  const md5 = Buffer.from(v, 'base64');
  if (md5.length !== 16 || md5.toString('base64') !== v.trim()) throw s3Error('InvalidDigest');
  return md5;
}
