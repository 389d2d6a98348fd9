import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** The signing name of the service Nimbus speaks (the credential scope's service). */
export const SIGNING_SERVICE = 'lambda';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/**
 * SHA-256, or HMAC-SHA256 when given a key, on node:crypto in the shape
 * `@smithy/signature-v4` takes as its `sha256` option.
 */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash =
      secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: SourceData, encoding?: 'utf8' | 'ascii' | 'latin1'): void {
    if (typeof data === 'string') this.hash.update(data, encoding ?? 'utf8');
    else this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Signing names of the services the control API's port answers. */
export type SigningService = 'lambda' | 'sqs' | 's3';

/**
 * A SigV4 signer for one key and service (`lambda` unless told). The region is
 * given per request (`signingRegion`); signing keys are derived once per (date,
 * region) and cached by the library.
 *
 * @example
 * const signed = await createSigner(creds, 'us-east-1').sign(request, { signingDate: new Date() });
 */
export function createSigner(
  credentials: Credentials,
  region: string,
  opts: { applyChecksum?: boolean; service?: SigningService } = {},
): SignatureV4 {
  const service = opts.service ?? SIGNING_SERVICE;
  return new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
    },
    region,
    service,
    sha256: NodeSha256,
    // Every service but S3 URI-encodes each path segment again in the canonical URI.
    uriEscapePath: service !== 's3',
    applyChecksum: opts.applyChecksum ?? true,
  });
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises query strings (`%20`, never `+`). */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The hex SHA-256 of a body, as SigV4's payload hash. */
export function payloadHash(body: Uint8Array | undefined): string {
  const h = createHash('sha256');
  if (body) h.update(body);
  return h.digest('hex');
}
