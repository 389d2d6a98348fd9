import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { FunctionRecord, ServiceRecord, Store } from '../store/types.js';
import { checkEnv } from './validate.js';

/** The service every function created through the Lambda API belongs to; it always exists. */
export const DEFAULT_SERVICE = 'default';

/** Service names, as Function Compute's: a letter or `_` first, then letters, digits, `_`, `-`. */
export const SERVICE_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$/;

/** Longest log retention a service may ask for (10 years). */
const MAX_LOG_RETENTION_DAYS = 3650;

export interface ServiceInput {
  name: string;
  description?: string;
  internetAccess?: boolean;
  /** null: the server's `--log-retention`. */
  logRetentionDays?: number | null;
  env?: Record<string, string>;
}

/** What an edit may change; absent fields stay. */
export type ServiceChanges = Omit<ServiceInput, 'name'>;

export interface ServiceRegistryDeps {
  store: Store;
  clock: Clock;
  /** Told when settings that running instances were started with changed (env, internet access). */
  onSandboxChange(name: string): void;
}

/**
 * Function Compute services: named groups of functions sharing a description, internet
 * access, log retention and default environment. Every service is cached, so starting
 * an instance reads its settings without touching the store.
 */
export class ServiceRegistry {
  private readonly cache = new Map<string, ServiceRecord>();

  constructor(private readonly deps: ServiceRegistryDeps) {}

  /** Fills the cache (once, at start). */
  async load(): Promise<void> {
    for (const s of await this.deps.store.services.list()) this.cache.set(s.name, s);
  }

  /** Cached lookup only: the instance-start path's. */
  cached(name: string): ServiceRecord | undefined {
    return this.cache.get(name);
  }

  /**
   * What an instance of `fn` starts with: its service's default env under the function's
   * own variables, and the service's network policy (no service: no env, no internet).
   */
  sandboxOf(fn: FunctionRecord): { fn: FunctionRecord; internetAccess: boolean } {
    const s = this.cache.get(fn.service);
    if (!s) return { fn, internetAccess: false };
    const env = Object.keys(s.env).length ? { ...s.env, ...fn.env } : fn.env;
    return { fn: env === fn.env ? fn : { ...fn, env }, internetAccess: s.internetAccess };
  }

  async create(input: ServiceInput): Promise<ServiceRecord> {
    checkName(input.name);
    checkChanges(input);
    if (await this.deps.store.services.get(input.name)) {
      throw fail('Conflict', `Service already exists: ${input.name}`);
    }
    const now = this.deps.clock.now();
    const rec: ServiceRecord = {
      name: input.name,
      description: input.description ?? '',
      internetAccess: input.internetAccess ?? false,
      logRetentionDays: input.logRetentionDays ?? null,
      env: input.env ?? {},
      createdAtMs: now,
      updatedAtMs: now,
    };
    await this.deps.store.services.create(rec);
    this.cache.set(rec.name, rec);
    return rec;
  }

  /** Throws NotFound. */
  async get(name: string): Promise<ServiceRecord> {
    const rec = await this.deps.store.services.get(name);
    if (!rec) {
      throw fail(
        'NotFound',
        `Service not found: ${name} (create it with \`nimbus service create ${name}\`)`,
      );
    }
    this.cache.set(name, rec);
    return rec;
  }

  list(): Promise<ServiceRecord[]> {
    return this.deps.store.services.list();
  }

  /** Names of the functions in the service (any of their versions). */
  functionNames(name: string): Promise<string[]> {
    return this.deps.store.services.functionNames(name);
  }

  /** Applies changes; instances started with the old env or network stop after their invocation. */
  async update(name: string, changes: ServiceChanges): Promise<ServiceRecord> {
    checkChanges(changes);
    const cur = await this.get(name);
    const next: ServiceRecord = {
      ...cur,
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.internetAccess !== undefined ? { internetAccess: changes.internetAccess } : {}),
      ...(changes.logRetentionDays !== undefined
        ? { logRetentionDays: changes.logRetentionDays }
        : {}),
      ...(changes.env !== undefined ? { env: changes.env } : {}),
      updatedAtMs: this.deps.clock.now(),
    };
    if (!(await this.deps.store.services.update(next))) await this.get(name); // gone: NotFound
    this.cache.set(name, next);
    if (
      next.internetAccess !== cur.internetAccess ||
      JSON.stringify(next.env) !== JSON.stringify(cur.env)
    ) {
      this.deps.onSandboxChange(name);
    }
    return next;
  }

  /** Refused for `default` and for a service that still has functions. */
  async delete(name: string): Promise<void> {
    if (name === DEFAULT_SERVICE) {
      throw fail('Conflict', `Service ${DEFAULT_SERVICE} always exists: it cannot be removed`);
    }
    await this.get(name);
    const fns = await this.functionNames(name);
    if (fns.length) {
      const shown = fns.slice(0, 10).join(', ') + (fns.length > 10 ? ', ...' : '');
      throw fail(
        'Conflict',
        `Service ${name} still has ${fns.length} function${fns.length === 1 ? '' : 's'} (${shown}): delete them or deploy them to another service first`,
      );
    }
    await this.deps.store.services.delete(name);
    this.cache.delete(name);
  }
}

function checkName(name: string): void {
  if (!SERVICE_NAME_RE.test(name)) {
    throw fail(
      'BadRequest',
      `"${name}" is not a valid service name (1-128 of a-z A-Z 0-9 _ -, starting with a letter or _)`,
    );
  }
}

function checkChanges(c: ServiceChanges): void {
  if (c.description !== undefined && c.description.length > 256) {
    throw fail('BadRequest', 'description is longer than 256 characters');
  }
  const days = c.logRetentionDays;
  if (
    days !== undefined &&
    days !== null &&
    (!Number.isInteger(days) || days < 1 || days > MAX_LOG_RETENTION_DAYS)
  ) {
    throw fail(
      'BadRequest',
      `logRetentionDays must be a whole number of days from 1 to ${MAX_LOG_RETENTION_DAYS}, or null for the server's default`,
    );
  }
  if (c.env !== undefined) checkEnv(c.env);
}
