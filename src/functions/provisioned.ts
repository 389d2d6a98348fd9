import { type ArnContext, functionArn } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { FunctionRecord, ProvisionedConfig, Store } from '../store/types.js';
import type { AliasService } from './aliases.js';
import { KeyedMutex } from './mutex.js';
import type { FunctionRegistry } from './registry.js';

/** Where an allocation is, as Lambda reports it. */
export interface AllocationStatus {
  requested: number;
  allocated: number;
  available: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  reason?: string;
}

/** What keeps the instances (the scheduler's provisioned fleet). */
export interface ProvisionedFleetControl {
  /** Keeps `requested` initialised instances of version `fn` for allocation `id`. */
  set(id: string, fn: FunctionRecord, reservedConcurrency: number | null, requested: number): void;
  remove(id: string): void;
  status(id: string): AllocationStatus | null;
}

/** One configuration with its live state. */
export interface ProvisionedView {
  config: ProvisionedConfig;
  /** The ARN of the version or alias. */
  functionArn: string;
  status: AllocationStatus;
}

export interface ProvisionedDeps {
  store: Store;
  registry: FunctionRegistry;
  aliases: AliasService;
  fleet: ProvisionedFleetControl;
  clock: Clock;
  arn: ArnContext;
  /** The account's concurrency (provisioned concurrency comes out of it). */
  maxConcurrency: number;
}

const idOf = (name: string, qualifier: string) => `${name}:${qualifier}`;

/**
 * Provisioned concurrency (Put/Get/Delete/ListProvisionedConcurrencyConfigs): validates
 * and stores what is asked for, and keeps the fleet in step with it as versions and
 * aliases change and across restarts (`load`).
 */
export class ProvisionedConcurrency {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly deps: ProvisionedDeps) {}

  /** The version a qualifier names (a version number or an alias); Lambda's errors otherwise. */
  private async target(name: string, qualifier: string): Promise<FunctionRecord> {
    const { registry, aliases } = this.deps;
    await registry.get(name);
    let version = qualifier;
    if (qualifier !== '$LATEST' && !/^\d+$/.test(qualifier)) {
      version = (await aliases.get(name, qualifier)).functionVersion;
    }
    if (version === '$LATEST') {
      throw fail(
        'InvalidParameterValueException',
        'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
      );
    }
    const fn = await registry.version(name, version);
    if (!fn) throw registry.notFound(name, qualifier);
    return fn;
  }

  put(name: string, qualifier: string, requested: number): Promise<ProvisionedView> {
    return this.mutex.run(name, async () => {
      const fn = await this.target(name, qualifier);
      const latest = await this.deps.registry.get(name);
      await this.checkOverlap(name, qualifier, fn.version);
      await this.checkCapacity(latest, qualifier, requested);
      const config: ProvisionedConfig = {
        functionName: name,
        qualifier,
        requested,
        lastModifiedMs: this.deps.clock.now(),
      };
      await this.deps.store.provisioned.put(config);
      this.deps.fleet.set(idOf(name, qualifier), fn, latest.reservedConcurrency, requested);
      return this.view(config);
    });
  }

  /** An alias and the version it points at cannot both be provisioned (Lambda's rule). */
  private async checkOverlap(name: string, qualifier: string, version: string): Promise<void> {
    for (const other of await this.deps.store.provisioned.list(name)) {
      if (other.qualifier === qualifier) continue;
      const otherVersion = /^\d+$/.test(other.qualifier)
        ? other.qualifier
        : (await this.deps.aliases.lookup(name, other.qualifier))?.functionVersion;
      if (otherVersion === version) {
        throw fail(
          'ResourceConflictException',
          "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
        );
      }
    }
  }

  /**
   * Provisioned concurrency comes out of the function's reserved concurrency, or out of
   * the account's unreserved concurrency when it has none.
   */
  private async checkCapacity(
    latest: FunctionRecord,
    qualifier: string,
    requested: number,
  ): Promise<void> {
    const all = await this.deps.store.provisioned.list();
    const others = (pred: (c: ProvisionedConfig) => boolean) =>
      all
        .filter((c) => !(c.functionName === latest.name && c.qualifier === qualifier) && pred(c))
        .reduce((n, c) => n + c.requested, 0);
    if (latest.reservedConcurrency !== null) {
      if (others((c) => c.functionName === latest.name) + requested > latest.reservedConcurrency) {
        throw fail(
          'InvalidParameterValueException',
          `Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function (${latest.reservedConcurrency})`,
        );
      }
      return;
    }
    const { reservedTotal } = await this.deps.registry.usage();
    const unreserved = this.deps.maxConcurrency - reservedTotal;
    const reservedNames = new Set<string>();
    for (const c of all) {
      const f = await this.deps.registry.resolve(c.functionName);
      if (f?.reservedConcurrency !== null && f?.reservedConcurrency !== undefined)
        reservedNames.add(c.functionName);
    }
    if (others((c) => !reservedNames.has(c.functionName)) + requested > unreserved) {
      throw fail(
        'InvalidParameterValueException',
        `Requested Provisioned Concurrency exceeds the account's unreserved concurrency (${unreserved})`,
      );
    }
  }

  async get(name: string, qualifier: string): Promise<ProvisionedView> {
    await this.target(name, qualifier);
    const config = await this.deps.store.provisioned.get(name, qualifier);
    if (!config) throw notFound();
    return this.view(config);
  }

  delete(name: string, qualifier: string): Promise<void> {
    return this.mutex.run(name, async () => {
      await this.deps.registry.get(name);
      if (!(await this.deps.store.provisioned.delete(name, qualifier))) throw notFound();
      this.deps.fleet.remove(idOf(name, qualifier));
    });
  }

  async list(name: string): Promise<ProvisionedView[]> {
    await this.deps.registry.get(name);
    return (await this.deps.store.provisioned.list(name)).map((c) => this.view(c));
  }

  /** The function's provisioned concurrency over all its versions and aliases. */
  async totalFor(name: string): Promise<number> {
    return (await this.deps.store.provisioned.list(name)).reduce((n, c) => n + c.requested, 0);
  }

  /** Starts the instances of every stored configuration (server start). */
  async load(): Promise<void> {
    for (const c of await this.deps.store.provisioned.list()) await this.apply(c);
  }

  /** Points a configuration's instances at what its qualifier names now. */
  private async apply(c: ProvisionedConfig): Promise<void> {
    const id = idOf(c.functionName, c.qualifier);
    try {
      const fn = await this.target(c.functionName, c.qualifier);
      const latest = await this.deps.registry.get(c.functionName);
      this.deps.fleet.set(id, fn, latest.reservedConcurrency, c.requested);
    } catch {
      // Its version or alias is gone: the configuration goes with it.
      this.deps.fleet.remove(id);
      await this.deps.store.provisioned.delete(c.functionName, c.qualifier);
    }
  }

  /** An alias was re-pointed or deleted: its instances follow (or go). */
  async onAliasChanged(name: string, alias: string): Promise<void> {
    const c = await this.deps.store.provisioned.get(name, alias);
    if (c) await this.apply(c);
  }

  /** A version was deleted: its configuration and instances go. */
  async onVersionDeleted(name: string, version: string): Promise<void> {
    if (await this.deps.store.provisioned.delete(name, version))
      this.deps.fleet.remove(idOf(name, version));
  }

  /** A function was deleted: all of its configurations and instances go. */
  async onFunctionDeleted(name: string): Promise<void> {
    for (const c of await this.deps.store.provisioned.list(name))
      this.deps.fleet.remove(idOf(name, c.qualifier));
    await this.deps.store.provisioned.deleteAllFor(name);
  }

  private view(config: ProvisionedConfig): ProvisionedView {
    const status = this.deps.fleet.status(idOf(config.functionName, config.qualifier)) ?? {
      requested: config.requested,
      allocated: 0,
      available: 0,
      status: 'IN_PROGRESS' as const,
    };
    return {
      config,
      functionArn: functionArn(this.deps.arn, config.functionName, config.qualifier),
      status,
    };
  }
}

function notFound() {
  return fail(
    'ProvisionedConcurrencyConfigNotFoundException',
    'No Provisioned Concurrency Config found for this function',
  );
}
