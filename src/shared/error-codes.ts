import { NimbusError, type NimbusErrorOptions } from './errors.js';

/**
 * The catalogue: every code the platform answers with, its HTTP status and kind.
 * Codes are never reused. `docs/errors.md` must list exactly these (a test checks).
 */
export const ERROR_CODES = {
  // Lambda API (names and statuses as AWS Lambda)
  ResourceNotFoundException: { status: 404, kind: 'user' },
  ResourceConflictException: { status: 409, kind: 'user' },
  InvalidParameterValueException: { status: 400, kind: 'user' },
  ValidationException: { status: 400, kind: 'user' },
  PreconditionFailedException: { status: 412, kind: 'user' },
  RequestTooLargeException: { status: 413, kind: 'user' },
  RequestEntityTooLargeException: { status: 413, kind: 'user' },
  UnsupportedMediaTypeException: { status: 415, kind: 'user' },
  TooManyRequestsException: { status: 429, kind: 'user' },
  ServiceException: { status: 500, kind: 'system' },
  UnknownOperationException: { status: 404, kind: 'user' },
  InvalidRequestContentException: { status: 400, kind: 'user' },
  InvalidRuntimeException: { status: 502, kind: 'system' },
  ProvisionedConcurrencyConfigNotFoundException: { status: 404, kind: 'user' },
  // Signature Version 4 (names, statuses and messages as AWS)
  UnrecognizedClientException: { status: 403, kind: 'user' },
  InvalidSignatureException: { status: 403, kind: 'user' },
  IncompleteSignatureException: { status: 400, kind: 'user' },
  // Native API
  NotFound: { status: 404, kind: 'user' },
  BadRequest: { status: 400, kind: 'user' },
  Forbidden: { status: 403, kind: 'user' },
  Conflict: { status: 409, kind: 'user' },
  RuntimeInstallFailed: { status: 502, kind: 'system' },
} as const satisfies Record<string, { status: number; kind: 'user' | 'system' }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Builds a catalogued error: `fail('ResourceNotFoundException', 'Function not found: ...')`. */
export function fail(code: ErrorCode, message: string, opts?: NimbusErrorOptions): NimbusError {
  const spec = ERROR_CODES[code];
  return new NimbusError(code, spec.status, spec.kind, message, opts);
}
