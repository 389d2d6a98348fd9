import type { FunctionRegistry } from '../functions/index.js';
import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { IdGenerator } from '../shared/ids.js';
import type {
  CorsConfig,
  GatewayStore,
  HttpRouteRecord,
  PayloadFormat,
  RouteAuth,
  RouteTarget,
} from '../store/types.js';
import { isIdentitySource } from './authorizer.js';
import { parseRouteKey } from './route-key.js';
import { RouteTable } from './route-table.js';

export interface RouteInput {
  /** `METHOD /path`. */
  route: string;
  /** A custom domain (Host); absent for routes on any host. */
  domain?: string | null;
  target: RouteTarget;
  /** Default: `fc` for an fc-flavour function, else `2.0`. */
  payload?: PayloadFormat;
  auth?: RouteAuth;
  cors?: CorsConfig | null;
}

const DOMAIN_RE =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Checks a custom domain name; returns it lower-case. */
export function checkDomain(raw: string): string {
  const d = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_RE.test(d) || d.includes('.lambda-url.')) {
    throw fail('BadRequest', `"${raw}" is not a valid domain name`);
  }
  return d;
}

/**
 * The route table: kept in the store, compiled into a RouteTable in memory, changed with
 * every change (so a change takes effect at once, with no restart). The store is written
 * first; the records in memory follow it without reading it back.
 */
export class RouteService {
  private tableValue = new RouteTable([]);
  private records: HttpRouteRecord[] = [];

  constructor(
    private readonly deps: {
      store: GatewayStore;
      registry: FunctionRegistry;
      clock: Clock;
      ids: IdGenerator;
    },
  ) {}

  get table(): RouteTable {
    return this.tableValue;
  }

  async load(): Promise<void> {
    this.records = await this.deps.store.listRoutes();
    this.tableValue = new RouteTable(this.records);
  }

  list(domain?: string | null): HttpRouteRecord[] {
    return domain === undefined
      ? [...this.records]
      : this.records.filter((r) => r.domain === domain);
  }

  async add(input: RouteInput): Promise<HttpRouteRecord> {
    const { method, path } = parseRouteKey(input.route);
    const domain = input.domain ? checkDomain(input.domain) : null;
    let payload = input.payload ?? '2.0';
    if (input.target.kind === 'routes') {
      if (!domain) throw fail('BadRequest', 'only a custom domain route can forward to the routes');
    } else {
      const fn = await this.deps.registry.resolve(input.target.functionName);
      if (!fn) throw fail('BadRequest', `function ${input.target.functionName} does not exist`);
      if (input.payload === undefined && fn.flavour === 'fc') payload = 'fc';
      if (payload === 'fc' && fn.flavour !== 'fc') {
        throw fail(
          'BadRequest',
          `payload fc calls FC HTTP handlers (req, resp, context): ${fn.name} is not an fc-flavour function`,
        );
      }
    }
    const auth = input.auth ?? { type: 'none' };
    if (auth.type === 'function') {
      if (!(await this.deps.registry.resolve(auth.functionName))) {
        throw fail('BadRequest', `authorizer function ${auth.functionName} does not exist`);
      }
      if (!auth.identitySource.length || !auth.identitySource.every(isIdentitySource)) {
        throw fail(
          'BadRequest',
          'identity sources must be $request.header.NAME or $request.querystring.NAME',
        );
      }
      if (!Number.isInteger(auth.ttlS) || auth.ttlS < 0 || auth.ttlS > 3600) {
        throw fail('BadRequest', 'authorizer ttl must be 0-3600 seconds');
      }
    }
    const rec: HttpRouteRecord = {
      id: `rt-${this.deps.ids.hex(6)}`,
      domain,
      method,
      path,
      target: input.target,
      payload,
      auth,
      cors: input.cors ?? null,
      createdAtMs: this.deps.clock.now(),
    };
    await this.deps.store.createRoute(rec);
    // In the store's order (domain, path, method), so listings read the same as after a load.
    const at = this.records.findIndex((r) => compareRoutes(rec, r) < 0);
    this.records = at < 0 ? [...this.records, rec] : this.records.toSpliced(at, 0, rec);
    if (!this.tableValue.tryAdd(rec)) this.tableValue = new RouteTable(this.records);
    return rec;
  }

  /** Removes a route by id, or by `METHOD /path` (on `domain`); false when none matched. */
  async remove(idOrKey: string, domain?: string | null): Promise<HttpRouteRecord | undefined> {
    let rec = this.records.find((r) => r.id === idOrKey);
    if (!rec && /\s/.test(idOrKey.trim())) {
      const key = parseRouteKey(idOrKey);
      const d = domain ? checkDomain(domain) : null;
      rec = this.records.find(
        (r) => r.domain === d && r.method === key.method && r.path === key.path,
      );
    }
    if (!rec) return undefined;
    await this.deps.store.deleteRoute(rec.id);
    const removed = rec;
    this.records = this.records.filter((r) => r !== removed);
    this.tableValue = new RouteTable(this.records);
    return rec;
  }
}

/** The store's listing order: domain (none first), then path, then method. */
function compareRoutes(a: HttpRouteRecord, b: HttpRouteRecord): number {
  const key = (r: HttpRouteRecord): [string, string, string] => [r.domain ?? '', r.path, r.method];
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < 3; i++) {
    if (x[i]! < y[i]!) return -1; // indexes 0-2 of a 3-tuple
    if (x[i]! > y[i]!) return 1;
  }
  return 0;
}
