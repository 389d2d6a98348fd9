import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../shared/clock.js';

/** How long a code download link works (Lambda's presigned S3 links last 10 minutes). */
const LINK_TTL_S = 600;

/**
 * Presigned download links for code packages (GetFunction's `Code.Location`,
 * GetLayerVersion's `Content.Location`): anyone holding the link may download
 * that one package until it expires, without signing the request, as with
 * Lambda's presigned S3 URLs. The key lives only in this process.
 */
export class CodeLinks {
  private readonly key = randomBytes(32);

  constructor(private readonly clock: Clock) {}

  private sign(hexSha: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${hexSha}\n${expires}`).digest('hex');
  }

  url(base: string, hexSha: string): string {
    const expires = Math.floor(this.clock.now() / 1000) + LINK_TTL_S;
    return `${base}/nimbus/v1/code/${hexSha}.zip?Expires=${expires}&Signature=${this.sign(hexSha, expires)}`;
  }

  /** True when the link's signature is ours and it has not expired. */
  verify(hexSha: string, expires: string | undefined, signature: string | undefined): boolean {
    if (!expires || !signature || !/^\d+$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature))
      return false;
    if (Number(expires) * 1000 < this.clock.now()) return false;
    return timingSafeEqual(
      Buffer.from(this.sign(hexSha, Number(expires)), 'hex'),
      Buffer.from(signature, 'hex'),
    );
  }
}
