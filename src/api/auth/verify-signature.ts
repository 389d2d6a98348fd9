import { timingSafeEqual } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import { payloadHash } from '../../shared/sigv4.js';
import { type AuthRefusal, MISMATCH_MESSAGE, type SignatureClaim } from './parse-authorization.js';

/** A request exactly as it came off the wire. */
export interface ReceivedRequest {
  method: string;
  /** The request-target as sent: raw path and query, percent-encoding untouched. */
  url: string;
  /** Node's `rawHeaders`: name, value, name, value, ... */
  rawHeaders: string[];
  body: Uint8Array | undefined;
}

const CONTENT_SHA256 = 'x-amz-content-sha256';
const AMZ_DATE = 'x-amz-date';

/**
 * Recomputes the request's SigV4 signature with `@smithy/signature-v4` (the
 * AWS SDK's own signer) over the request as received, and compares it in
 * constant time. The payload hash is always the hash of the body received: an
 * `x-amz-content-sha256` header that claims another is refused. S3 is the
 * exception (`payload: 'header'`): its body streams after the check, so the
 * header's claim (a hex hash, `UNSIGNED-PAYLOAD` or `STREAMING-…`) is signed
 * as given and the S3 service checks a hex hash while it reads the body.
 *
 * @returns null when the signature is valid, else why not.
 */
export async function verifySignature(
  req: ReceivedRequest,
  claim: SignatureClaim,
  signer: SignatureV4,
  payload: 'body' | 'header' = 'body',
): Promise<AuthRefusal | null> {
  const mismatch = (reason: string): AuthRefusal => ({
    code: 'InvalidSignatureException',
    message: MISMATCH_MESSAGE,
    reason,
    accessKeyId: claim.accessKeyId,
  });
  const signed = new Set(claim.signedHeaders);
  if (signed.has('date') && !signed.has(AMZ_DATE)) {
    // The library always signs X-Amz-Date and drops Date; every AWS client signs X-Amz-Date.
    return mismatch('the Date header is signed instead of X-Amz-Date');
  }
  const received = headerValues(req.rawHeaders);
  // No prototype: a header named `__proto__` must stay a plain entry.
  const headers: Record<string, string> = Object.create(null);
  for (const name of signed) {
    const value = received.get(name);
    if (value === undefined) return mismatch(`signed header ${name} is not in the request`);
    headers[name] = value;
  }
  const claimedHash = received.get(CONTENT_SHA256);
  let bodyHash: string;
  if (payload === 'header') {
    if (claimedHash === undefined) return mismatch(`no ${CONTENT_SHA256} header`);
    bodyHash = claimedHash;
  } else {
    bodyHash = payloadHash(req.body);
    if (claimedHash !== undefined && claimedHash !== bodyHash) {
      return mismatch(`${CONTENT_SHA256} does not match the body`);
    }
  }
  // The library takes the payload hash from this header: give it the one computed.
  headers[CONTENT_SHA256] = bodyHash;
  const unsignable = new Set([CONTENT_SHA256, AMZ_DATE].filter((h) => !signed.has(h)));

  const target = splitTarget(req.url);
  const query = parseQuery(target.query);
  if (!query) return mismatch('the query string is not valid percent-encoding');
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: received.get('host') ?? '',
      path: target.path,
      query,
      headers,
    },
    {
      signingDate: claim.signingDate,
      signingRegion: claim.region,
      signableHeaders: signed,
      unsignableHeaders: unsignable,
    },
  );
  const auth = expected.headers.authorization ?? '';
  const ours = /Signature=([0-9a-f]{64})$/.exec(auth)?.[1] ?? '';
  if (ours.length !== 64) return mismatch('could not compute the signature');
  if (!timingSafeEqual(Buffer.from(ours), Buffer.from(claim.signature))) {
    return mismatch('signature does not match');
  }
  return null;
}

/** Lower-case name → values joined with `,` (SigV4's rule for repeated headers). */
function headerValues(rawHeaders: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase(); // i + 1 < length by the loop bound.
    const value = rawHeaders[i + 1]!.trim();
    const prev = out.get(name);
    out.set(name, prev === undefined ? value : `${prev},${value}`);
  }
  return out;
}

/** Raw path and raw query of a request-target (origin-form or absolute-form). */
export function splitTarget(url: string): { path: string; query: string } {
  let rest = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length) || '/';
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest, query: '' } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/**
 * Decodes a raw query string into the bag the signer re-encodes (RFC 3986) and
 * sorts. `+` stays a plus: AWS clients encode spaces as `%20`. Null when a
 * percent-escape is invalid.
 */
function parseQuery(raw: string): Record<string, string | string[]> | null {
  const bag: Record<string, string | string[]> = Object.create(null);
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return null;
    }
    const prev = bag[key];
    if (prev === undefined) bag[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else bag[key] = [prev, value];
  }
  return bag;
}
