/**
 * An error meant for the person at the terminal: the CLI prints its message
 * (prefixed with `error: ` unless `plain`) and exits 1, never a stack trace.
 */
export class CliError extends Error {
  /** Printed as is, without the `error: ` prefix (e.g. the unreachable-server hint). */
  readonly plain: boolean;
  /** HTTP status when the error is an API answer, so callers can react to e.g. 404. */
  readonly status: number | undefined;
  /** API error code (`ResourceNotFoundException`, `NotFound`, ...) when there is one. */
  readonly code: string | undefined;

  constructor(message: string, opts: { plain?: boolean; status?: number; code?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.plain = opts.plain ?? false;
    this.status = opts.status;
    this.code = opts.code;
  }
}

/** The line printed on stderr for any error that reaches the top of the CLI. */
export function describeError(err: unknown): string {
  if (err instanceof CliError) return err.plain ? err.message : `error: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

/**
 * The same API error in the user's words, its status and code kept.
 * @example rewordError(e, 'no such queue: jobs')
 */
export function rewordError(e: CliError, message: string): CliError {
  return new CliError(message, {
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.code !== undefined ? { code: e.code } : {}),
  });
}

/**
 * Runs `call`; an API error with `code` comes out as `message` instead.
 * @example await reworded(() => getFunction(), 'ResourceNotFoundException', 'no such function: worker')
 */
export async function reworded<T>(
  call: () => Promise<T>,
  code: string,
  message: string,
): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw e instanceof CliError && e.code === code ? rewordError(e, message) : e;
  }
}
