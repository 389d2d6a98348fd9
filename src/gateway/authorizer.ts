import type { InvokeResponse } from '../invoke/index.js';
import type { Clock } from '../shared/clock.js';
import type { RouteAuth } from '../store/types.js';
import type { EventContext } from './event-context.js';
import { header, queryPairs } from './http-request.js';
import { v2Event } from './payload-v2.js';

type FunctionAuth = Extract<RouteAuth, { type: 'function' }>;

export type AuthorizerResult =
  | { kind: 'allow'; context: Record<string, unknown> }
  | { kind: 'deny' }
  /** An identity source is missing: 401 without calling the authorizer. */
  | { kind: 'unauthorized' }
  | { kind: 'error'; why: string };

export interface AuthorizerDeps {
  clock: Clock;
  /** Invokes the authorizer function synchronously. */
  invoke(functionName: string, qualifier: string | null, payload: Buffer): Promise<InvokeResponse>;
}

/** Cached answers at most; the oldest go first. */
const MAX_CACHE_ENTRIES = 10_000;
const IDENTITY_RE = /^\$request\.(header|querystring)\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)$/;

/** Checks an identity source expression (`$request.header.Authorization`). */
export function isIdentitySource(text: string): boolean {
  return IDENTITY_RE.test(text);
}

/**
 * Lambda authorizers of the REQUEST type with simple responses (HTTP API payload 2.0):
 * the function gets the request and answers `{"isAuthorized": bool, "context": {...}}`.
 * Answers are cached per authorizer and identity values for the route's TTL.
 */
export class Authorizers {
  private readonly cache = new Map<string, { expiresAtMs: number; result: AuthorizerResult }>();

  constructor(private readonly deps: AuthorizerDeps) {}

  async authorize(auth: FunctionAuth, ctx: EventContext): Promise<AuthorizerResult> {
    const identity = identityValues(auth.identitySource, ctx);
    if (!identity) return { kind: 'unauthorized' };
    // One cache per authorizer configuration: routes with other TTLs or sources do not share.
    const key = JSON.stringify([
      auth.functionName,
      auth.qualifier,
      auth.ttlS,
      auth.identitySource,
      identity,
    ]);
    const now = this.deps.clock.now();
    const hit = auth.ttlS > 0 ? this.cache.get(key) : undefined;
    if (hit && hit.expiresAtMs > now) return hit.result;
    if (hit) this.cache.delete(key);
    const result = await this.call(auth, ctx, identity);
    if (auth.ttlS > 0 && result.kind !== 'error') {
      if (this.cache.size >= MAX_CACHE_ENTRIES) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(key, { expiresAtMs: now + auth.ttlS * 1000, result });
    }
    return result;
  }

  private async call(
    auth: FunctionAuth,
    ctx: EventContext,
    identity: string[],
  ): Promise<AuthorizerResult> {
    const { body: _b, isBase64Encoded: _i, ...request } = v2Event(ctx);
    const event = {
      ...request,
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:${ctx.domainName}:${ctx.accountId}:${ctx.apiId}/$default/${ctx.req.method}${ctx.resourcePath}`,
      identitySource: identity,
    };
    let res: InvokeResponse;
    try {
      res = await this.deps.invoke(
        auth.functionName,
        auth.qualifier,
        Buffer.from(JSON.stringify(event)),
      );
    } catch (e) {
      return {
        kind: 'error',
        why: `authorizer ${auth.functionName} could not run: ${(e as Error).message}`,
      };
    }
    if (res.functionError) {
      return {
        kind: 'error',
        why: `authorizer ${auth.functionName} failed: ${res.payload.toString('utf8').slice(0, 500)}`,
      };
    }
    let answer: unknown;
    try {
      answer = JSON.parse(res.payload.toString('utf8'));
    } catch {
      return { kind: 'error', why: `authorizer ${auth.functionName} answered no JSON` };
    }
    const a = answer as { isAuthorized?: unknown; context?: unknown } | null;
    if (!a || typeof a !== 'object' || typeof a.isAuthorized !== 'boolean') {
      return {
        kind: 'error',
        why: `authorizer ${auth.functionName} must answer {"isAuthorized": true|false, "context": {...}}`,
      };
    }
    if (!a.isAuthorized) return { kind: 'deny' };
    const context =
      a.context && typeof a.context === 'object' && !Array.isArray(a.context)
        ? (a.context as Record<string, unknown>)
        : {};
    return { kind: 'allow', context };
  }
}

/** The identity source values, or null when one is missing or empty. */
function identityValues(sources: readonly string[], ctx: EventContext): string[] | null {
  const out: string[] = [];
  for (const s of sources) {
    const m = IDENTITY_RE.exec(s);
    if (!m) return null;
    const name = m[2]!;
    const value =
      m[1] === 'header'
        ? header(ctx.req, name.toLowerCase())
        : queryPairs(ctx.req.rawQuery).find(([k]) => k === name)?.[1];
    if (!value) return null;
    out.push(value);
  }
  return out;
}
