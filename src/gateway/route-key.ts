import { fail } from '../shared/error-codes.js';

/** Methods a route may name; `ANY` matches every one of them. */
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

const SEGMENT_RE = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]+$/;
const PARAM_RE = /^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$/;
const MAX_PATH_CHARS = 1024;

/** A route key taken apart: `GET /users/{id}`. */
export interface RouteKey {
  /** Upper-case method or `ANY`. */
  method: string;
  /** API Gateway syntax, normalised: `/v1/*` becomes `/v1/{proxy+}`. */
  path: string;
}

/**
 * Parses `METHOD /path` (API Gateway HTTP API route syntax). `{name}` is one segment,
 * `{name+}` (last segment only) the rest of the path; `/prefix/*` is shorthand for
 * `/prefix/{proxy+}`. Throws BadRequest with what is wrong.
 *
 * @example parseRouteKey('GET /users/{id}') // { method: 'GET', path: '/users/{id}' }
 */
export function parseRouteKey(text: string): RouteKey {
  const m = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(text);
  if (!m) {
    throw fail(
      'BadRequest',
      `route must be "METHOD /path", e.g. "GET /users/{id}" (got "${text}")`,
    );
  }
  return { method: checkMethod(m[1]!), path: normalisePath(m[2]!) };
}

export function checkMethod(raw: string): string {
  const method = raw.toUpperCase();
  if (method !== 'ANY' && !(ROUTE_METHODS as readonly string[]).includes(method)) {
    throw fail(
      'BadRequest',
      `method must be ANY or one of ${ROUTE_METHODS.join(', ')} (got ${raw})`,
    );
  }
  return method;
}

/** Checks a route path and rewrites the `/*` shorthand; see parseRouteKey. */
export function normalisePath(raw: string): string {
  if (!raw.startsWith('/')) throw fail('BadRequest', `route path must start with / (got ${raw})`);
  if (raw.length > MAX_PATH_CHARS) {
    throw fail('BadRequest', `route path must be at most ${MAX_PATH_CHARS} characters`);
  }
  const path = raw === '/*' ? '/{proxy+}' : raw.replace(/\/\*$/, '/{proxy+}');
  if (path === '/') return path;
  const segments = path.slice(1).replace(/\/$/, '').split('/');
  const names = new Set<string>();
  segments.forEach((seg, i) => {
    const p = PARAM_RE.exec(seg);
    if (p) {
      if (p[2] && i !== segments.length - 1) {
        throw fail('BadRequest', `greedy segment {${p[1]}+} must be the last one (in ${raw})`);
      }
      if (names.has(p[1]!)) throw fail('BadRequest', `parameter ${p[1]} appears twice in ${raw}`);
      names.add(p[1]!);
      return;
    }
    if (seg === '' || !SEGMENT_RE.test(seg) || seg.includes('{') || seg.includes('}')) {
      throw fail(
        'BadRequest',
        `route path segment "${seg}" is not valid (in ${raw}): use letters, digits, - . _ ~, or a whole-segment {param} / {proxy+}`,
      );
    }
  });
  return `/${segments.join('/')}`;
}

/** The router's pattern for a route path: `{id}` → `:id`, `{proxy+}` → `*`. */
export function routerPattern(path: string): string {
  return path
    .split('/')
    .map((seg) => {
      const p = PARAM_RE.exec(seg);
      if (!p) return seg.replace(/:/g, '::');
      return p[2] ? '*' : `:${p[1]}`;
    })
    .join('/');
}

/** The greedy parameter's name (`proxy` for `{proxy+}`), if the path has one. */
export function greedyName(path: string): string | undefined {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const p = PARAM_RE.exec(last);
  return p?.[2] ? p[1] : undefined;
}

/** The static part before the first parameter: what a domain's `routes` target strips. */
export function staticPrefix(path: string): string {
  const i = path.indexOf('{');
  const prefix = i < 0 ? path : path.slice(0, i);
  return prefix.replace(/\/$/, '');
}
