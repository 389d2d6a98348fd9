import FindMyWay from 'find-my-way';
import type { HttpRouteRecord } from '../store/types.js';
import { greedyName, ROUTE_METHODS, routerPattern, staticPrefix } from './route-key.js';

type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;

export interface RouteMatch {
  kind: 'found';
  route: HttpRouteRecord;
  /** Decoded path parameters (`{proxy+}` under its own name). */
  params: Record<string, string>;
}

export type MatchResult =
  | RouteMatch
  | { kind: 'no-route' }
  /** The path exists for other methods: 405 with `Allow`. */
  | { kind: 'wrong-method'; allow: string[] };

// The router only stores routes; the gateway dispatches itself.
const noop = () => undefined;

/**
 * The routes of every domain, compiled into find-my-way routers (static beats `{param}`
 * beats `{proxy+}`; a route for a method beats `ANY` on the same path). Immutable: a
 * change builds a new table, so requests in flight keep the one they started with.
 */
export class RouteTable {
  private readonly byDomain = new Map<string, Router>();
  private readonly fallback: Router;
  readonly size: number;

  constructor(routes: readonly HttpRouteRecord[]) {
    const groups = new Map<string | null, HttpRouteRecord[]>();
    for (const r of routes) {
      const g = groups.get(r.domain) ?? [];
      g.push(r);
      groups.set(r.domain, g);
    }
    this.fallback = build(groups.get(null) ?? []);
    for (const [domain, list] of groups) {
      if (domain !== null) this.byDomain.set(domain, build(list));
    }
    this.size = routes.length;
  }

  /** Whether `host` (lower-case, no port) has routes of its own (a custom domain). */
  hasDomain(host: string): boolean {
    return this.byDomain.has(host);
  }

  /**
   * The route for a request. `path` is the raw path (percent-encoded, no query). A host with
   * domain routes is matched against those only; a domain route that forwards to the routes
   * is matched again, without its prefix, against the routes that have no domain.
   */
  match(host: string, method: string, path: string): MatchResult {
    const domainRouter = this.byDomain.get(host);
    if (!domainRouter) return find(this.fallback, method, path);
    const m = find(domainRouter, method, path);
    if (m.kind !== 'found' || m.route.target.kind !== 'routes') return m;
    const prefix = staticPrefix(m.route.path);
    const rest = path.slice(prefix.length) || '/';
    return find(this.fallback, method, rest.startsWith('/') ? rest : `/${rest}`);
  }
}

function build(routes: readonly HttpRouteRecord[]): Router {
  const router = FindMyWay({
    ignoreTrailingSlash: true,
    ignoreDuplicateSlashes: true,
    caseSensitive: true,
    maxParamLength: 1024,
  });
  // Explicit methods first: `ANY` then fills only the methods nobody claimed on that path.
  const ordered = [...routes].sort(
    (a, b) => Number(a.method === 'ANY') - Number(b.method === 'ANY'),
  );
  for (const r of ordered) {
    const pattern = routerPattern(r.path);
    const methods = r.method === 'ANY' ? ROUTE_METHODS : [r.method as FindMyWay.HTTPMethod];
    for (const m of methods) {
      try {
        router.on(m as FindMyWay.HTTPMethod, pattern, noop, r);
      } catch {
        // Already declared by a more specific route (or an equivalent pattern): it wins.
      }
    }
  }
  return router;
}

function find(router: Router, method: string, path: string): MatchResult {
  const hit =
    lookup(router, method, path) ?? (method === 'HEAD' ? lookup(router, 'GET', path) : null);
  if (hit) return hit;
  const allow = ROUTE_METHODS.filter((m) => lookup(router, m, path));
  if (allow.includes('GET') && !allow.includes('HEAD')) allow.push('HEAD');
  return allow.length ? { kind: 'wrong-method', allow } : { kind: 'no-route' };
}

function lookup(router: Router, method: string, path: string): RouteMatch | null {
  if (!(ROUTE_METHODS as readonly string[]).includes(method)) return null;
  const r = router.find(method as FindMyWay.HTTPMethod, path);
  if (!r) return null;
  // Stored by build() above: always a route record.
  const route = r.store as HttpRouteRecord;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.params)) {
    if (v === undefined) continue;
    if (k === '*') {
      const name = greedyName(route.path);
      if (name && v !== '') params[name] = v;
    } else params[k] = v;
  }
  return { kind: 'found', route, params };
}
