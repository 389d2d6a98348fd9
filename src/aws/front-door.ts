import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessKeys } from '../api/auth/index.js';
import { parseAuthorization } from '../api/auth/index.js';
import { splitTarget, verifySignature } from '../api/auth/verify-signature.js';
import type { Clock } from '../shared/clock.js';
import type { SigningService } from '../shared/sigv4.js';
import type { AwsRequest } from './request.js';

/** The services the control API's port answers besides Lambda and the native API. */
export interface AwsServices {
  sqs(r: AwsRequest, body: Buffer): Promise<void>;
  sqsError(r: AwsRequest, e: ServiceError): void;
  s3(r: AwsRequest): Promise<void>;
  s3Error(r: AwsRequest, e: ServiceError): void;
}

export interface ServiceError {
  code: string;
  message: string;
  status: number;
}

export interface FrontDoorOptions {
  services: AwsServices;
  region: string;
  accountId: string;
  requestIds: () => string;
  /** Set when auth is on: SQS and S3 requests must be signed by a known key too. */
  auth?: { keys: AccessKeys; clock: Clock; log?: (line: string) => void };
}

/** Largest SQS request body read (a batch of ten 256 KiB messages, as form or JSON text). */
const MAX_SQS_BODY_BYTES = 4 * 1024 * 1024;

/** Lambda API paths start with an API version date; the native API, /health, /metrics and /console are ours. */
const LAMBDA_PATH_RE = /^\/(20\d\d-\d\d-\d\d\/|nimbus\/|health\/?$|metrics\/?$|console(\/|$))/;

/**
 * Which service a request on the control API's port is for. A SigV4 scope
 * (`.../<region>/<service>/aws4_request`, in the Authorization header or a
 * presigned query) decides; unsigned requests go by shape: `X-Amz-Target:
 * AmazonSQS.*` or a form body is SQS, a Lambda/native path is Lambda, and
 * everything else is a path-style S3 request.
 */
export function classify(req: IncomingMessage): SigningService {
  const scoped = scopeService(req);
  if (scoped) return scoped;
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('AmazonSQS.')) return 'sqs';
  const { path, query } = splitTarget(req.url ?? '/');
  if (LAMBDA_PATH_RE.test(path)) return 'lambda';
  const type = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) return 'sqs';
  if (/(^|&)Action=/.test(query) && /(^|&)Version=/.test(query)) return 'sqs';
  return 's3';
}

function scopeService(req: IncomingMessage): SigningService | null {
  const auth = req.headers.authorization;
  let credential: string | undefined;
  if (typeof auth === 'string') {
    credential = /Credential=([^,\s]+)/.exec(auth)?.[1];
  } else {
    const q = /(?:^|[?&])X-Amz-Credential=([^&]+)/.exec(req.url ?? '');
    if (q?.[1]) {
      try {
        credential = decodeURIComponent(q[1]);
      } catch {
        credential = undefined;
      }
    }
  }
  const service = credential?.split('/')[3];
  return service === 'sqs' || service === 's3' || service === 'lambda' ? service : null;
}

/**
 * Answers SQS and S3 requests on the control API's port; returns false for a
 * request that belongs to the Lambda/native API (Fastify answers it).
 */
export function createFrontDoor(
  opts: FrontDoorOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const service = classify(req);
    if (service === 'lambda') return false;
    const r: AwsRequest = {
      req,
      res,
      requestId: opts.requestIds(),
      region: opts.region,
      accountId: opts.accountId,
      baseUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
      accessKeyId: null,
      payloadSha256: null,
    };
    const answer = service === 'sqs' ? answerSqs(opts, r) : answerS3(opts, r);
    answer.catch((e: unknown) => {
      // The services answer their own errors; this is a bug or a broken socket.
      console.error(`nimbus: ${service} request failed:`, e);
      if (!res.headersSent) {
        const err = {
          code: 'InternalError',
          message: 'We encountered an internal error.',
          status: 500,
        };
        if (service === 'sqs') opts.services.sqsError(r, err);
        else opts.services.s3Error(r, err);
      } else res.destroy();
    });
    return true;
  };
}

async function answerSqs(opts: FrontDoorOptions, r: AwsRequest): Promise<void> {
  const body = await readBody(r.req, MAX_SQS_BODY_BYTES);
  if (body === null) {
    opts.services.sqsError(r, {
      code: 'RequestEntityTooLarge',
      message: `The request body is larger than ${MAX_SQS_BODY_BYTES} bytes.`,
      status: 413,
    });
    return;
  }
  if (opts.auth) {
    const refused = await checkSignature(opts, r, 'sqs', body);
    if (refused) {
      opts.services.sqsError(r, refused);
      return;
    }
  }
  await opts.services.sqs(r, body);
}

async function answerS3(opts: FrontDoorOptions, r: AwsRequest): Promise<void> {
  if (opts.auth) {
    const refused = await checkSignature(opts, r, 's3', undefined);
    if (refused) {
      // The body is not read: close the connection after the answer.
      r.res.setHeader('connection', 'close');
      opts.services.s3Error(r, refused);
      return;
    }
    const claimed = r.req.headers['x-amz-content-sha256'];
    r.payloadSha256 =
      typeof claimed === 'string' && /^[0-9a-f]{64}$/.test(claimed) ? claimed : null;
  }
  await opts.services.s3(r);
}

/** SQS's and S3's names for the refusals the Lambda API calls otherwise. */
const REFUSAL_CODES: Record<'sqs' | 's3', Record<string, string>> = {
  sqs: {
    UnrecognizedClientException: 'InvalidClientTokenId',
    InvalidSignatureException: 'SignatureDoesNotMatch',
    IncompleteSignatureException: 'IncompleteSignature',
  },
  s3: {
    UnrecognizedClientException: 'InvalidAccessKeyId',
    InvalidSignatureException: 'SignatureDoesNotMatch',
    IncompleteSignatureException: 'AuthorizationHeaderMalformed',
  },
};

async function checkSignature(
  opts: FrontDoorOptions,
  r: AwsRequest,
  service: 'sqs' | 's3',
  body: Buffer | undefined,
): Promise<ServiceError | null> {
  // Only called with auth on.
  const auth = opts.auth as NonNullable<FrontDoorOptions['auth']>;
  const log = auth.log ?? ((line: string) => console.error(line));
  const refuse = (code: string, message: string, reason: string, key?: string): ServiceError => {
    log(
      `nimbus: auth: refused ${service} ${r.req.method} ${splitTarget(r.req.url ?? '/').path} ` +
        `(key ${key ?? '-'}, from ${r.req.socket.remoteAddress}): ${reason}`,
    );
    return { code: REFUSAL_CODES[service][code] ?? code, message, status: 403 };
  };
  if (r.req.headers.authorization === undefined) {
    return refuse(
      service === 's3' ? 'AccessDenied' : 'MissingAuthenticationToken',
      service === 's3'
        ? 'Access Denied: requests must be signed (presigned URLs are not accepted with auth on).'
        : 'Request is missing Authentication Token',
      'not signed',
    );
  }
  const parsed = parseAuthorization(r.req.headers, auth.clock.now(), [service]);
  if ('refusal' in parsed) {
    const p = parsed.refusal;
    return refuse(p.code, p.message, p.reason, p.accessKeyId);
  }
  const { claim } = parsed;
  const signer = await auth.keys.signerFor(claim.accessKeyId, service);
  if (!signer) {
    return refuse(
      'UnrecognizedClientException',
      service === 's3'
        ? 'The AWS Access Key Id you provided does not exist in our records.'
        : 'The security token included in the request is invalid.',
      'unknown access key',
      claim.accessKeyId,
    );
  }
  const refusal = await verifySignature(
    { method: r.req.method ?? 'GET', url: r.req.url ?? '/', rawHeaders: r.req.rawHeaders, body },
    claim,
    signer,
    service === 's3' ? 'header' : 'body',
  );
  if (refusal) return refuse(refusal.code, refusal.message, refusal.reason, claim.accessKeyId);
  auth.keys.noteUsed(claim.accessKeyId);
  r.accessKeyId = claim.accessKeyId;
  r.region = claim.region;
  return null;
}

/** The whole body, or null when it is larger than `maxBytes` (the rest is discarded). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) over = true;
      if (!over) chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
