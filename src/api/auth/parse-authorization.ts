import type { IncomingHttpHeaders } from 'node:http';
import { SIGNING_SERVICE, type SigningService } from '../../shared/sigv4.js';

/** What a well-formed `Authorization: AWS4-HMAC-SHA256 ...` header claims. */
export interface SignatureClaim {
  accessKeyId: string;
  /** Credential scope region (any well-formed region is accepted). */
  region: string;
  /** Credential scope service, one of those the caller accepts. */
  service: SigningService;
  /** SignedHeaders, lower-case, in the order given. */
  signedHeaders: string[];
  /** 64 lower-case hex digits. */
  signature: string;
  /** From `X-Amz-Date`, else `Date`. */
  signingDate: Date;
}

export type AuthErrorCode =
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'IncompleteSignatureException';

/** Why a request is refused: the answer for the client and the reason for the server log. */
export interface AuthRefusal {
  code: AuthErrorCode;
  message: string;
  /** For the log only; never holds a secret or a signature. */
  reason: string;
  accessKeyId?: string;
}

export const UNRECOGNIZED_MESSAGE = 'The security token included in the request is invalid.';
export const MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** AWS accepts a signature made up to five minutes before or after its own clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const AMZ_DATE_RE = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const SIGNATURE_RE = /^[0-9a-f]{64}$/;
const HEADER_NAME_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Checks everything about a SigV4 `Authorization` header that needs no secret
 * and no body: its shape, the credential scope (`<date>/<region>/lambda/aws4_request`),
 * the request date and the clock-skew window. Cheap enough to run before the
 * body is read.
 */
export function parseAuthorization(
  headers: IncomingHttpHeaders,
  nowMs: number,
  services: readonly SigningService[] = [SIGNING_SERVICE],
): { claim: SignatureClaim } | { refusal: AuthRefusal } {
  const header = headers.authorization;
  if (!header) {
    return refuse('UnrecognizedClientException', UNRECOGNIZED_MESSAGE, 'no Authorization header');
  }
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme !== ALGORITHM) {
    return refuse(
      'IncompleteSignatureException',
      `Authorization header must use the ${ALGORITHM} algorithm (Signature Version 4).`,
      `unsupported authorization scheme ${JSON.stringify(scheme.slice(0, 32))}`,
    );
  }
  const params = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = params.get('Credential');
  const signedHeaders = params.get('SignedHeaders');
  const signature = params.get('Signature');
  const rawAmzDate = headers['x-amz-date'];
  // Node joins a repeated custom header into one string; an array only comes from a fake.
  const amzDate = Array.isArray(rawAmzDate) ? rawAmzDate.join(', ') : rawAmzDate;
  const httpDate = headers.date;
  const missing = [
    credential ? '' : "Authorization header requires 'Credential' parameter.",
    signature ? '' : "Authorization header requires 'Signature' parameter.",
    signedHeaders ? '' : "Authorization header requires 'SignedHeaders' parameter.",
    amzDate || httpDate
      ? ''
      : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  ].filter(Boolean);
  if (!credential || !signature || !signedHeaders || missing.length > 0) {
    return refuse('IncompleteSignatureException', missing.join(' '), 'incomplete Authorization');
  }

  const scope = credential.split('/');
  const [accessKeyId = '', scopeDate = '', region = '', service = '', terminator = ''] = scope;
  if (scope.length !== 5 || !accessKeyId) {
    return refuse(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
      'malformed Credential',
    );
  }
  const withKey = (r: { refusal: AuthRefusal }) => {
    r.refusal.accessKeyId = accessKeyId;
    return r;
  };
  if (!REGION_RE.test(region)) {
    return withKey(
      refuse(
        'InvalidSignatureException',
        'Credential should be scoped to a valid region.',
        `malformed region ${JSON.stringify(region.slice(0, 32))}`,
      ),
    );
  }
  if (!(services as readonly string[]).includes(service)) {
    return withKey(
      refuse(
        'InvalidSignatureException',
        `Credential should be scoped to correct service: '${services[0]}'.`,
        `scope names service ${JSON.stringify(service.slice(0, 32))}`,
      ),
    );
  }
  if (terminator !== TERMINATOR) {
    return withKey(
      refuse(
        'InvalidSignatureException',
        `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`,
        'bad scope terminator',
      ),
    );
  }
  const headerList = signedHeaders.split(';');
  if (!headerList.every((h) => HEADER_NAME_RE.test(h))) {
    return withKey(
      refuse('IncompleteSignatureException', 'SignedHeaders is malformed.', 'bad SignedHeaders'),
    );
  }
  if (!headerList.includes('host')) {
    return withKey(
      refuse(
        'IncompleteSignatureException',
        "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        'host is not signed',
      ),
    );
  }
  if (!SIGNATURE_RE.test(signature)) {
    return withKey(refuse('InvalidSignatureException', MISMATCH_MESSAGE, 'malformed Signature'));
  }

  const signingDate = amzDate ? parseAmzDate(amzDate) : parseHttpDate(httpDate ?? '');
  if (!signingDate) {
    return withKey(
      refuse(
        'IncompleteSignatureException',
        amzDate
          ? `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`
          : `Date header must be an HTTP date. Got '${httpDate}'.`,
        'unreadable request date',
      ),
    );
  }
  const longDate = basicFormat(signingDate.getTime());
  if (scopeDate !== longDate.slice(0, 8)) {
    return withKey(
      refuse(
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${longDate.slice(0, 8)}', from '${longDate}'.`,
        'scope date differs from the request date',
      ),
    );
  }
  const skew = checkSkew(signingDate.getTime(), nowMs);
  if (skew) return withKey(skew);
  return {
    claim: {
      accessKeyId,
      region,
      service: service as SigningService, // checked against `services` above
      signedHeaders: headerList,
      signature,
      signingDate,
    },
  };
}

/** AWS's own wording for a request date outside the ±5 minute window. */
function checkSkew(signedMs: number, nowMs: number): { refusal: AuthRefusal } | null {
  const signed = basicFormat(signedMs);
  const now = basicFormat(nowMs);
  if (signedMs < nowMs - MAX_CLOCK_SKEW_MS) {
    return refuse(
      'InvalidSignatureException',
      `Signature expired: ${signed} is now earlier than ${basicFormat(nowMs - MAX_CLOCK_SKEW_MS)} (${now} - 5 min.)`,
      `request date ${signed} is more than 5 minutes before ${now}`,
    );
  }
  if (signedMs > nowMs + MAX_CLOCK_SKEW_MS) {
    return refuse(
      'InvalidSignatureException',
      `Signature not yet current: ${signed} is still later than ${basicFormat(nowMs + MAX_CLOCK_SKEW_MS)} (${now} + 5 min.)`,
      `request date ${signed} is more than 5 minutes after ${now}`,
    );
  }
  return null;
}

function refuse(code: AuthErrorCode, message: string, reason: string): { refusal: AuthRefusal } {
  return { refusal: { code, message, reason } };
}

/** `20240101T000000Z` → Date; null unless exactly that shape and a real instant. */
export function parseAmzDate(text: string): Date | null {
  const m = AMZ_DATE_RE.exec(text);
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(d.getTime()) || basicFormat(d.getTime()) !== text ? null : d;
}

function parseHttpDate(text: string): Date | null {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Epoch ms → ISO 8601 basic format in UTC, as SigV4 writes dates: `20240101T000000Z`. */
export function basicFormat(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}
