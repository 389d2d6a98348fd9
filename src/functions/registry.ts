import type { CodeStore } from '../code/index.js';
import { type ArnContext, functionArn, lambdaTimestamp } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { IdGenerator } from '../shared/ids.js';
import type { FunctionRecord, ListPage, Store } from '../store/types.js';
import { checkRuntime, checkSettings, type FunctionSettings } from './validate.js';

export interface RegistryDeps {
  store: Store;
  code: CodeStore;
  clock: Clock;
  ids: IdGenerator;
  arn: ArnContext;
  /** Told after a function changed or was deleted, so old instances retire. */
  onChange(name: string): void;
}

export interface CreateInput extends FunctionSettings {
  name: string;
  runtime: string;
  handler: string;
  zip: Buffer;
}

/** Serialises changes to one function so read-modify-write never interleaves. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/**
 * The control plane's view of functions: validation, code, store and an
 * in-memory cache that the invoke path reads without touching the store.
 */
export class FunctionRegistry {
  private readonly cache = new Map<string, FunctionRecord>();
  private readonly mutex = new KeyedMutex();

  constructor(private readonly deps: RegistryDeps) {}

  notFound(name: string, qualifier?: string): Error {
    return fail(
      'ResourceNotFoundException',
      `Function not found: ${functionArn(this.deps.arn, name, qualifier)}`,
    );
  }

  async create(input: CreateInput): Promise<FunctionRecord> {
    checkSettings(input);
    checkRuntime(input.runtime);
    return this.mutex.run(input.name, async () => {
      if (await this.deps.store.functions.get(input.name)) {
        throw fail('ResourceConflictException', `Function already exist: ${input.name}`);
      }
      const code = await this.deps.code.put(input.zip);
      const now = this.deps.clock.now();
      const rec: FunctionRecord = {
        name: input.name,
        version: '$LATEST',
        service: 'default',
        runtime: input.runtime,
        handler: input.handler,
        role: input.role ?? `arn:aws:iam::${this.deps.arn.accountId}:role/nimbus-function`,
        description: input.description ?? '',
        memoryMb: input.memoryMb ?? 128,
        timeoutS: input.timeoutS ?? 3,
        env: input.env ?? {},
        codeSha256: code.codeSha256,
        codeHexSha: code.hexSha,
        codeSizeBytes: code.codeSizeBytes,
        initializer: input.initializer ?? null,
        initializationTimeoutS: input.initializationTimeoutS ?? 3,
        flavour: input.flavour ?? 'lambda',
        layers: [],
        tags: input.tags ?? {},
        reservedConcurrency: null,
        architectures: input.architectures ?? [process.arch === 'arm64' ? 'arm64' : 'x86_64'],
        ephemeralStorageMb: input.ephemeralStorageMb ?? 512,
        revisionId: this.deps.ids.uuid(),
        lastModified: lambdaTimestamp(now),
        createdAtMs: now,
      };
      await this.deps.store.functions.create(rec);
      this.cache.set(rec.name, rec);
      return rec;
    });
  }

  async get(name: string): Promise<FunctionRecord> {
    const rec = await this.resolve(name);
    if (!rec) throw this.notFound(name);
    return rec;
  }

  /** The function's `$LATEST`, from the cache when possible; undefined when it does not exist. */
  async resolve(name: string): Promise<FunctionRecord | undefined> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const rec = await this.deps.store.functions.get(name);
    if (rec) this.cache.set(name, rec);
    return rec;
  }

  /** Cached lookup only: the hot path's fast check. */
  cached(name: string): FunctionRecord | undefined {
    return this.cache.get(name);
  }

  list(marker: string | undefined, limit: number): Promise<ListPage<FunctionRecord>> {
    return this.deps.store.functions.list({ ...(marker ? { marker } : {}), limit });
  }

  async updateCode(name: string, zip: Buffer, revisionId?: string): Promise<FunctionRecord> {
    return this.change(name, revisionId, async () => {
      const code = await this.deps.code.put(zip);
      return {
        codeSha256: code.codeSha256,
        codeHexSha: code.hexSha,
        codeSizeBytes: code.codeSizeBytes,
      };
    });
  }

  async updateConfig(
    name: string,
    settings: FunctionSettings,
    revisionId?: string,
  ): Promise<FunctionRecord> {
    checkSettings(settings);
    return this.change(name, revisionId, async () => {
      const patch: Partial<FunctionRecord> = {};
      for (const [k, v] of Object.entries(settings)) {
        if (v !== undefined) (patch as Record<string, unknown>)[k] = v;
      }
      return patch;
    });
  }

  private change(
    name: string,
    revisionId: string | undefined,
    makePatch: (cur: FunctionRecord) => Promise<Partial<FunctionRecord>>,
  ): Promise<FunctionRecord> {
    return this.mutex.run(name, async () => {
      const cur = await this.deps.store.functions.get(name);
      if (!cur) throw this.notFound(name);
      if (revisionId !== undefined && revisionId !== cur.revisionId) {
        throw fail(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
        );
      }
      const patch = await makePatch(cur);
      const next: FunctionRecord = {
        ...cur,
        ...patch,
        revisionId: this.deps.ids.uuid(),
        lastModified: lambdaTimestamp(this.deps.clock.now()),
      };
      await this.deps.store.functions.update(next, cur.revisionId);
      this.cache.set(name, next);
      this.deps.onChange(name);
      return next;
    });
  }

  async delete(name: string): Promise<void> {
    await this.mutex.run(name, async () => {
      const existed = await this.deps.store.functions.delete(name);
      this.cache.delete(name);
      if (!existed) throw this.notFound(name);
      // Logs stay (as CloudWatch keeps them) until retention prunes them.
      this.deps.onChange(name);
    });
  }
}
