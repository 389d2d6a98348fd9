import type { AccessKeys } from '../api/auth/index.js';
import { parseAuthorization, verifySignature } from '../api/auth/index.js';
import type { Clock } from '../shared/clock.js';
import type { GatewayRequest } from './http-request.js';

export type IamResult = { ok: true; accessKeyId: string } | { ok: false; reason: string };

/**
 * AWS_IAM auth of a function URL: the request must carry a SigV4 signature (service
 * `lambda`, any region) by a known access key, checked exactly as the control API checks
 * its requests (src/api/auth).
 */
export async function verifyIam(
  req: GatewayRequest,
  keys: AccessKeys,
  clock: Clock,
): Promise<IamResult> {
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  const parsed = parseAuthorization(headers, clock.now());
  if ('refusal' in parsed) return { ok: false, reason: parsed.refusal.reason };
  const { claim } = parsed;
  const signer = await keys.signerFor(claim.accessKeyId);
  if (!signer) return { ok: false, reason: `unknown access key ${claim.accessKeyId}` };
  const refusal = await verifySignature(
    { method: req.method, url: req.rawUrl, rawHeaders: req.rawHeaders, body: req.body },
    claim,
    signer,
  );
  if (refusal) return { ok: false, reason: `${refusal.reason} (key ${claim.accessKeyId})` };
  keys.noteUsed(claim.accessKeyId);
  return { ok: true, accessKeyId: claim.accessKeyId };
}
