import { type ArnContext, functionArn } from '../shared/arn.js';
import { fail } from '../shared/error-codes.js';
import type { IdGenerator } from '../shared/ids.js';
import type { AliasRecord, ListPage, Store } from '../store/types.js';
import { KeyedMutex } from './mutex.js';
import type { FunctionRegistry } from './registry.js';

const ALIAS_RE = /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/;

export interface AliasInput {
  functionVersion?: string;
  description?: string;
  /** Additional version → weight; `undefined` leaves it as is, `{}` clears it. */
  weights?: Record<string, number>;
}

/** Aliases: names for versions, with an optional weighted second version (canary). */
export class AliasService {
  private readonly cache = new Map<string, AliasRecord | null>();
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly deps: {
      store: Store;
      registry: FunctionRegistry;
      ids: IdGenerator;
      arn: ArnContext;
      /** Told after an alias was re-pointed or deleted (provisioned concurrency follows it). */
      onChange?(functionName: string, name: string): void;
    },
  ) {}

  aliasArn(functionName: string, name: string): string {
    return functionArn(this.deps.arn, functionName, name);
  }

  private notFound(functionName: string, name: string) {
    return fail(
      'ResourceNotFoundException',
      `Cannot find alias arn: ${this.aliasArn(functionName, name)}`,
    );
  }

  static checkName(name: string): void {
    if (!ALIAS_RE.test(name)) {
      throw fail(
        'ValidationException',
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`,
      );
    }
  }

  /** Checks a version and the routing weights against what exists. */
  private async check(
    functionName: string,
    version: string,
    weights: Record<string, number>,
  ): Promise<void> {
    if (version !== '$LATEST' && !(await this.deps.registry.version(functionName, version))) {
      throw this.deps.registry.notFound(functionName, version);
    }
    const entries = Object.entries(weights);
    if (entries.length > 1) {
      throw fail(
        'InvalidParameterValueException',
        'Number of items in AdditionalVersionWeights cannot be greater than 1',
      );
    }
    for (const [v, w] of entries) {
      if (!/^\d+$/.test(v)) {
        throw fail(
          'ValidationException',
          `1 validation error detected: Value '{${v}=${w}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]`,
        );
      }
      if (typeof w !== 'number' || !(w >= 0 && w <= 1)) {
        throw fail(
          'ValidationException',
          `1 validation error detected: Value '{${v}=${w}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]`,
        );
      }
      if (version === '$LATEST') {
        throw fail(
          'InvalidParameterValueException',
          '$LATEST is not supported for an alias pointing to more than 1 version',
        );
      }
      if (v === version) {
        throw fail(
          'InvalidParameterValueException',
          `Invalid function version ${v}. Function version ${v} is already included in routing configuration.`,
        );
      }
      if (!(await this.deps.registry.version(functionName, v)))
        throw this.deps.registry.notFound(functionName, v);
    }
  }

  create(
    functionName: string,
    name: string,
    input: AliasInput & { functionVersion: string },
  ): Promise<AliasRecord> {
    AliasService.checkName(name);
    return this.mutex.run(functionName, async () => {
      await this.deps.registry.get(functionName);
      const weights = input.weights ?? {};
      await this.check(functionName, input.functionVersion, weights);
      const rec: AliasRecord = {
        functionName,
        name,
        functionVersion: input.functionVersion,
        description: input.description ?? '',
        additionalVersionWeights: weights,
        revisionId: this.deps.ids.uuid(),
      };
      try {
        await this.deps.store.aliases.create(rec);
      } catch (e) {
        if ((e as { code?: string }).code === 'ResourceConflictException') {
          throw fail(
            'ResourceConflictException',
            `Alias already exists: ${this.aliasArn(functionName, name)}`,
          );
        }
        throw e;
      }
      this.cache.set(`${functionName}:${name}`, rec);
      return rec;
    });
  }

  async get(functionName: string, name: string): Promise<AliasRecord> {
    const rec = await this.lookup(functionName, name);
    if (!rec) throw this.notFound(functionName, name);
    return rec;
  }

  /** Cached; undefined when the alias does not exist. */
  async lookup(functionName: string, name: string): Promise<AliasRecord | undefined> {
    const key = `${functionName}:${name}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const rec = await this.deps.store.aliases.get(functionName, name);
    this.cache.set(key, rec ?? null);
    return rec;
  }

  async list(
    functionName: string,
    opts: { functionVersion?: string; marker?: string; limit: number },
  ): Promise<ListPage<AliasRecord>> {
    await this.deps.registry.get(functionName);
    return this.deps.store.aliases.list(functionName, opts);
  }

  update(
    functionName: string,
    name: string,
    input: AliasInput,
    revisionId?: string,
  ): Promise<AliasRecord> {
    return this.mutex.run(functionName, async () => {
      const cur = await this.deps.store.aliases.get(functionName, name);
      if (!cur) throw this.notFound(functionName, name);
      const next: AliasRecord = {
        ...cur,
        functionVersion: input.functionVersion ?? cur.functionVersion,
        description: input.description ?? cur.description,
        additionalVersionWeights: input.weights ?? cur.additionalVersionWeights,
        revisionId: this.deps.ids.uuid(),
      };
      await this.check(functionName, next.functionVersion, next.additionalVersionWeights);
      await this.deps.store.aliases.update(next, revisionId ?? cur.revisionId);
      this.cache.set(`${functionName}:${name}`, next);
      if (next.functionVersion !== cur.functionVersion) this.deps.onChange?.(functionName, name);
      return next;
    });
  }

  delete(functionName: string, name: string): Promise<void> {
    return this.mutex.run(functionName, async () => {
      await this.deps.store.aliases.delete(functionName, name);
      this.cache.delete(`${functionName}:${name}`);
      this.deps.onChange?.(functionName, name);
    });
  }

  /** Forgets every cached alias of a deleted function. */
  forgetFunction(functionName: string): void {
    for (const key of this.cache.keys())
      if (key.startsWith(`${functionName}:`)) this.cache.delete(key);
  }

  /**
   * The version an invocation through the alias runs: the additional version
   * with its weight's probability, else the primary one.
   */
  static pickVersion(alias: AliasRecord, random: number): string {
    let acc = 0;
    for (const [v, w] of Object.entries(alias.additionalVersionWeights)) {
      acc += w;
      if (random < acc) return v;
    }
    return alias.functionVersion;
  }
}
