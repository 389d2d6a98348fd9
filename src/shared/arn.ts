import { fail } from './error-codes.js';

export interface ArnContext {
  region: string;
  accountId: string;
}

/** `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` */
export function functionArn(ctx: ArnContext, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
  return qualifier ? `${base}:${qualifier}` : base;
}

const NAME_RE = /^[a-zA-Z0-9-_]{1,64}$/;
const QUALIFIER_RE = /^(\$LATEST|[a-zA-Z0-9-_]{1,128})$/;
const FULL_ARN_RE =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const PARTIAL_ARN_RE = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/;

/**
 * Splits a FunctionName path parameter — `name`, `name:qualifier`, partial ARN
 * `ACCOUNT:function:name[:q]` or full ARN — into name and qualifier, and
 * reconciles it with a `?Qualifier=`. Throws Lambda's errors for bad input.
 */
export function parseFunctionRef(
  ctx: ArnContext,
  raw: string,
  queryQualifier?: string,
): { name: string; qualifier: string | undefined } {
  let name: string | undefined;
  let qualifier: string | undefined;
  const full = FULL_ARN_RE.exec(raw);
  const partial = full ? null : PARTIAL_ARN_RE.exec(raw);
  if (full) {
    const m = full;
    if (m[1] !== ctx.region) {
      throw fail(
        'ResourceNotFoundException',
        `Functions from '${m[1]}' are not reachable in this region ('${ctx.region}')`,
      );
    }
    if (m[2] !== ctx.accountId) {
      throw fail('ResourceNotFoundException', `Function not found: ${raw}`);
    }
    name = m[3];
    qualifier = m[4];
  } else if (partial) {
    const m = partial;
    if (m[1] !== ctx.accountId)
      throw fail('ResourceNotFoundException', `Function not found: ${raw}`);
    name = m[2];
    qualifier = m[3];
  } else {
    const parts = raw.split(':');
    if (parts.length > 2) {
      throw validation(raw, 'functionName');
    }
    name = parts[0];
    qualifier = parts[1];
  }
  if (!name || !NAME_RE.test(name)) throw validation(raw, 'functionName');
  if (qualifier !== undefined && !QUALIFIER_RE.test(qualifier))
    throw validation(qualifier, 'qualifier');
  if (queryQualifier !== undefined && queryQualifier !== '') {
    if (!QUALIFIER_RE.test(queryQualifier)) throw validation(queryQualifier, 'qualifier');
    if (qualifier !== undefined && qualifier !== queryQualifier) {
      throw fail(
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    }
    qualifier = queryQualifier;
  }
  return { name, qualifier };
}

function validation(value: string, field: string) {
  const pattern =
    field === 'qualifier'
      ? '(|[a-zA-Z0-9$_-]+)'
      : '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
  return fail(
    'ValidationException',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
  );
}

/** `2024-01-01T00:00:00.000+0000`, the format of LastModified. */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
