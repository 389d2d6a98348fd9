import { createHash, type Hash } from 'node:crypto';
import zlib from 'node:zlib';
import CRC32 from 'crc-32';
import CRC32C from 'crc-32/crc32c.js';
import type { ChecksumAlgorithm } from '../store/index.js';

/** Every algorithm we verify, by its header name: `x-amz-checksum-crc32` → CRC32. */
export const CHECKSUM_HEADERS: ReadonlyMap<string, ChecksumAlgorithm> = new Map([
  ['x-amz-checksum-crc32', 'CRC32'],
  ['x-amz-checksum-crc32c', 'CRC32C'],
  ['x-amz-checksum-sha1', 'SHA1'],
  ['x-amz-checksum-sha256', 'SHA256'],
]);

/** The header that carries `algorithm`'s value. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** A running checksum: feed it every byte, then read the base64 value once. */
export interface RunningChecksum {
  update(chunk: Buffer): void;
  digestBase64(): string;
}

// zlib.crc32 is native (Node ≥ 20.15); crc-32 is the portable fallback.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

class Crc implements RunningChecksum {
  #value = 0;
  constructor(private readonly fn: (data: Uint8Array, seed: number) => number) {}
  update(chunk: Buffer): void {
    this.#value = this.fn(chunk, this.#value);
  }
  digestBase64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.#value >>> 0);
    return out.toString('base64');
  }
}

class Digest implements RunningChecksum {
  readonly #hash: Hash;
  constructor(name: string) {
    this.#hash = createHash(name);
  }
  update(chunk: Buffer): void {
    this.#hash.update(chunk);
  }
  digestBase64(): string {
    return this.#hash.digest('base64');
  }
}

/** A fresh running checksum for `algorithm`. */
export function runningChecksum(algorithm: ChecksumAlgorithm): RunningChecksum {
  switch (algorithm) {
    case 'CRC32':
      return new Crc(nativeCrc32 ?? ((d, s) => CRC32.buf(d, s)));
    case 'CRC32C':
      return new Crc((d, s) => CRC32C.buf(d, s));
    case 'SHA1':
      return new Digest('sha1');
    case 'SHA256':
      return new Digest('sha256');
  }
}

/** The algorithm named by `x-amz-sdk-checksum-algorithm` / `x-amz-checksum-algorithm`, if we know it. */
export function parseAlgorithm(name: string | undefined): ChecksumAlgorithm | undefined {
  if (!name) return undefined;
  return CHECKSUM_HEADERS.get(`x-amz-checksum-${name.toLowerCase()}`);
}
