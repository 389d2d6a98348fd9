import type { Checksum, SourceData } from '@smithy/types';

const utf8 = new TextEncoder();

function bytesOf(data: SourceData): Uint8Array {
  if (typeof data === 'string') return utf8.encode(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/**
 * SHA-256, or HMAC-SHA256 when given a key, over WebCrypto (`crypto.subtle`), in
 * the shape `@smithy/signature-v4` takes as its `sha256` option. WebCrypto hashes
 * whole messages, so chunks are kept until `digest()`.
 */
export class WebCryptoSha256 implements Checksum {
  private chunks: Uint8Array[] = [];
  // Copies on ArrayBuffer (WebCrypto takes no SharedArrayBuffer views).
  private readonly key: Uint8Array<ArrayBuffer> | undefined;

  constructor(secret?: SourceData) {
    this.key = secret === undefined ? undefined : new Uint8Array(bytesOf(secret));
  }

  update(data: Uint8Array): void {
    this.chunks.push(bytesOf(data).slice());
  }

  async digest(): Promise<Uint8Array> {
    const size = this.chunks.reduce((n, c) => n + c.byteLength, 0);
    const message = new Uint8Array(size);
    let at = 0;
    for (const c of this.chunks) {
      message.set(c, at);
      at += c.byteLength;
    }
    if (this.key === undefined) {
      return new Uint8Array(await crypto.subtle.digest('SHA-256', message));
    }
    const key = await crypto.subtle.importKey(
      'raw',
      this.key,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    return new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
  }

  reset(): void {
    this.chunks = [];
  }
}
