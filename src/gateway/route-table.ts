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
 * beats `{proxy+}`; a route for a method beats `ANY` on the same path). A removal builds a
 * new table; an addition that cannot collide with a route already there is inserted in
 * place (`tryAdd`): building costs tens of microseconds per route, so a thousand routes
 * added one by one would cost seconds. Matching is synchronous, so no request ever sees a
 * table half changed.
 */
export class RouteTable {
  private readonly byDomain = new Map<string, Router>();
  private readonly fallback: Router;
  /** Each domain's (null: no domain) path patterns, as `patternKey` writes them. */
  private readonly patterns = new Map<string | null, Set<string>>();
  private sizeValue: number;

  constructor(routes: readonly HttpRouteRecord[]) {
    const groups = new Map<string | null, HttpRouteRecord[]>();
    for (const r of routes) {
      const g = groups.get(r.domain) ?? [];
      g.push(r);
      groups.set(r.domain, g);
      this.patternsOf(r.domain).add(patternKey(r.path));
    }
    this.fallback = build(groups.get(null) ?? []);
    for (const [domain, list] of groups) {
      if (domain !== null) this.byDomain.set(domain, build(list));
    }
    this.sizeValue = routes.length;
  }

  get size(): number {
    return this.sizeValue;
  }

  /**
   * Adds `route` in place when no route of its domain has an equivalent path (the same
   * pattern up to parameter names and a trailing slash): then the result is exactly the
   * table a rebuild would make. False when the caller must build a new table instead.
   */
  tryAdd(route: HttpRouteRecord): boolean {
    const patterns = this.patternsOf(route.domain);
    const key = patternKey(route.path);
    if (patterns.has(key)) return false;
    let router = route.domain === null ? this.fallback : this.byDomain.get(route.domain);
    if (!router) {
      router = build([]);
      this.byDomain.set(route.domain as string, router); // not null: checked above
    }
    try {
      register(router, route);
    } catch {
      return false; // a collision find-my-way saw and the key did not: rebuild
    }
    patterns.add(key);
    this.sizeValue++;
    return true;
  }

  private patternsOf(domain: string | null): Set<string> {
    let set = this.patterns.get(domain);
    if (!set) {
      set = new Set();
      this.patterns.set(domain, set);
    }
    return set;
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

/** A path's pattern with parameter names and a trailing slash left out: equal keys collide. */
function patternKey(path: string): string {
  const key = routerPattern(path).replace(/:[^/]*/g, ':');
  return key.length > 1 && key.endsWith('/') ? key.slice(0, -1) : key;
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
    try {
      register(router, r);
    } catch {
      // Already declared by a more specific route (or an equivalent pattern): it wins.
    }
  }
  return router;
}

/** Declares `r` on `router` for each of its methods; throws on the first that is taken. */
function register(router: Router, r: HttpRouteRecord): void {
  const pattern = routerPattern(r.path);
  const methods = r.method === 'ANY' ? ROUTE_METHODS : [r.method as FindMyWay.HTTPMethod];
  let failure: unknown = null;
  for (const m of methods) {
    try {
      router.on(m as FindMyWay.HTTPMethod, pattern, noop, r);
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== null) throw failure;
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
