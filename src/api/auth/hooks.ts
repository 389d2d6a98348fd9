import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import { fail } from '../../shared/error-codes.js';
import type { NimbusError } from '../../shared/errors.js';
import type { AccessKeys } from './access-keys.js';
import {
  type AuthRefusal,
  parseAuthorization,
  type SignatureClaim,
  UNRECOGNIZED_MESSAGE,
} from './parse-authorization.js';
import { splitTarget, verifySignature } from './verify-signature.js';

export interface AuthOptions {
  keys: AccessKeys;
  clock: Clock;
  /** Where refusals are reported; the server's stderr by default. */
  log?: (line: string) => void;
}

/** Paths answered without a signature (liveness probes). */
const OPEN_PATHS = new Set(['/health']);

/**
 * Makes every request but `/health` prove a SigV4 signature by a known key.
 * Two steps: `onRequest` checks the header, scope, date and key before the body
 * is read (so strangers cannot make the server buffer large bodies), then
 * `preValidation` recomputes the signature over the raw body Fastify has
 * collected. Each refusal is logged with key id, method, path and reason, never
 * the secret or the signature.
 */
export function requireSignatures(app: FastifyInstance, opts: AuthOptions): void {
  const log = opts.log ?? ((line: string) => console.error(line));
  const claims = new WeakMap<FastifyRequest, SignatureClaim>();

  const refuse = (req: FastifyRequest, r: AuthRefusal): NimbusError => {
    // The query is left out: a presigned URL would carry a signature there.
    log(
      `nimbus: auth: refused ${req.method} ${splitTarget(req.url).path} ` +
        `(key ${r.accessKeyId ?? '-'}, from ${req.ip}): ${r.reason}`,
    );
    return fail(r.code, r.message);
  };
  const unknownKey = (accessKeyId: string): AuthRefusal => ({
    code: 'UnrecognizedClientException',
    message: UNRECOGNIZED_MESSAGE,
    reason: 'unknown access key',
    accessKeyId,
  });

  app.addHook('onRequest', async (req) => {
    if (isOpen(req.url)) return;
    const parsed = parseAuthorization(req.headers, opts.clock.now());
    if ('refusal' in parsed) throw refuse(req, parsed.refusal);
    const { claim } = parsed;
    if (!(await opts.keys.signerFor(claim.accessKeyId))) {
      throw refuse(req, unknownKey(claim.accessKeyId));
    }
    claims.set(req, claim);
  });

  app.addHook('preValidation', async (req) => {
    if (isOpen(req.url)) return;
    const claim = claims.get(req);
    // onRequest admits no request without a claim; refuse rather than trust that.
    if (!claim) throw fail('UnrecognizedClientException', UNRECOGNIZED_MESSAGE);
    // Asked again: the key may have been deleted while the body was arriving.
    const signer = await opts.keys.signerFor(claim.accessKeyId);
    if (!signer) throw refuse(req, unknownKey(claim.accessKeyId));
    const refusal = await verifySignature(
      {
        method: req.method,
        url: req.raw.url ?? req.url,
        rawHeaders: req.raw.rawHeaders,
        body: Buffer.isBuffer(req.body) ? req.body : undefined,
      },
      claim,
      signer,
    );
    if (refusal) throw refuse(req, refusal);
    opts.keys.noteUsed(claim.accessKeyId);
  });
}

function isOpen(url: string): boolean {
  const target = splitTarget(url);
  const path = target.path.replace(/\/{2,}/g, '/');
  // A presigned code link carries its own signature; the route checks it.
  if (path.startsWith('/nimbus/v1/code/') && /(^|&)Signature=/.test(url.split('?')[1] ?? ''))
    return true;
  // The console's own files hold no secret; everything they call is signed.
  if (path === '/console' || path.startsWith('/console/')) return true;
  return OPEN_PATHS.has(path.length > 1 ? path.replace(/\/$/, '') : path);
}
