/**
 * One error base for the whole platform. Every error a user can see has a stable
 * `code` (Lambda's exception name on the Lambda API), an HTTP `status`, and a
 * `kind` that says whose fault it is. The catalogue of codes lives in
 * `error-codes.ts`; `docs/errors.md` documents every one of them.
 */
export type ErrorKind = 'user' | 'system';

export interface NimbusErrorOptions {
  cause?: unknown;
  /** Extra headers for the HTTP answer (e.g. Retry-After on throttles). */
  headers?: Record<string, string>;
  /** Extra body fields for the Lambda error JSON (e.g. Reason on throttles). */
  fields?: Record<string, unknown>;
}

export class NimbusError extends Error {
  readonly code: string;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly headers: Record<string, string>;
  readonly fields: Record<string, unknown>;

  constructor(
    code: string,
    status: number,
    kind: ErrorKind,
    message: string,
    opts: NimbusErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = code;
    this.code = code;
    this.status = status;
    this.kind = kind;
    this.headers = opts.headers ?? {};
    this.fields = opts.fields ?? {};
  }
}

export function isNimbusError(e: unknown): e is NimbusError {
  return e instanceof NimbusError;
}
