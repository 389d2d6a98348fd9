import type { CodeStore } from '../code/index.js';
import { type ArnContext, functionArn, lambdaTimestamp } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { IdGenerator } from '../shared/ids.js';
import type { NodeInstalls } from '../shared/runtimes.js';
import type { FunctionRecord, ListPage, Store } from '../store/types.js';
import type { LayerService } from './layers.js';
import { KeyedMutex } from './mutex.js';
import { checkRuntime, checkSettings, type FunctionSettings } from './validate.js';

export interface RegistryDeps {
  store: Store;
  code: CodeStore;
  clock: Clock;
  ids: IdGenerator;
  arn: ArnContext;
  layers: LayerService;
  /** The Node.js majors Nimbus installed (`nimbus runtimes install`); without it only the host's runs. */
  nodes?: NodeInstalls;
  /** Told after a function's `$LATEST` changed (or the function was deleted: `deleted`), so old instances retire. */
  onChange(name: string, deleted: boolean): void;
  /** Told after a published version was deleted. */
  onVersionDeleted?(name: string, version: string): void;
}

export interface CreateInput extends FunctionSettings {
  name: string;
  runtime: string;
  handler: string;
  zip: Buffer;
  /** Layer version ARNs, in mount order. */
  layerArns?: string[];
}

/** The fields that make two versions the same function (Lambda publishes nothing new when none changed). */
const FINGERPRINT_FIELDS = [
  'runtime',
  'handler',
  'role',
  'memoryMb',
  'timeoutS',
  'env',
  'codeSha256',
  'initializer',
  'initializationTimeoutS',
  'flavour',
  'layers',
  'ephemeralStorageMb',
  'architectures',
  'service',
] as const satisfies readonly (keyof FunctionRecord)[];

function fingerprint(f: FunctionRecord): string {
  return JSON.stringify(FINGERPRINT_FIELDS.map((k) => f[k]));
}

/**
 * The control plane's view of functions: validation, code, store and an
 * in-memory cache that the invoke path reads without touching the store.
 */
export class FunctionRegistry {
  private readonly cache = new Map<string, FunctionRecord>();
  private readonly versions = new Map<string, FunctionRecord>();
  private readonly mutex = new KeyedMutex();

  constructor(private readonly deps: RegistryDeps) {}

  notFound(name: string, qualifier?: string): Error {
    return fail(
      'ResourceNotFoundException',
      `Function not found: ${functionArn(this.deps.arn, name, qualifier)}`,
    );
  }

  async create(input: CreateInput): Promise<FunctionRecord> {
    checkSettings(input, this.deps.nodes);
    checkRuntime(input.runtime, this.deps.nodes);
    const layers = await this.deps.layers.resolveRefs(input.layerArns ?? []);
    return this.mutex.run(input.name, async () => {
      if (await this.deps.store.functions.get(input.name)) {
        throw fail('ResourceConflictException', `Function already exist: ${input.name}`);
      }
      const code = await this.deps.code.put(input.zip);
      const now = this.deps.clock.now();
      const rec: FunctionRecord = {
        name: input.name,
        version: '$LATEST',
        service: input.service ?? 'default',
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
        layers,
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

  /** Sum of every function's reserved concurrency, and the total code size stored. */
  async usage(): Promise<{ reservedTotal: number; functionCount: number; codeBytes: number }> {
    let reservedTotal = 0;
    let functionCount = 0;
    let codeBytes = 0;
    let marker: string | undefined;
    do {
      const page = await this.deps.store.functions.listAll({
        ...(marker ? { marker } : {}),
        limit: 1000,
      });
      for (const f of page.items) {
        codeBytes += f.codeSizeBytes;
        if (f.version !== '$LATEST') continue;
        functionCount++;
        reservedTotal += f.reservedConcurrency ?? 0;
      }
      marker = page.nextMarker;
    } while (marker);
    return { reservedTotal, functionCount, codeBytes };
  }

  /** A published version (immutable, so cached for good), or undefined. */
  async version(name: string, version: string): Promise<FunctionRecord | undefined> {
    if (version === '$LATEST') return this.resolve(name);
    const key = `${name}:${version}`;
    const hit = this.versions.get(key);
    if (hit) return hit;
    const rec = await this.deps.store.functions.get(name, version);
    if (rec) this.versions.set(key, rec);
    return rec;
  }

  listVersions(
    name: string,
    marker: string | undefined,
    limit: number,
  ): Promise<ListPage<FunctionRecord>> {
    return this.deps.store.functions.listVersions(name, { ...(marker ? { marker } : {}), limit });
  }

  listAll(marker: string | undefined, limit: number): Promise<ListPage<FunctionRecord>> {
    return this.deps.store.functions.listAll({ ...(marker ? { marker } : {}), limit });
  }

  /**
   * Publishes `$LATEST` as a new immutable version, or returns the newest
   * version when nothing changed since it was published (as Lambda does).
   */
  publishVersion(
    name: string,
    opts: { codeSha256?: string; description?: string; revisionId?: string } = {},
  ): Promise<FunctionRecord> {
    return this.mutex.run(name, async () => {
      const cur = await this.deps.store.functions.get(name);
      if (!cur) throw this.notFound(name);
      if (opts.revisionId !== undefined && opts.revisionId !== cur.revisionId)
        throw revisionMismatch();
      if (opts.codeSha256 !== undefined && opts.codeSha256 !== cur.codeSha256) {
        throw fail(
          'InvalidParameterValueException',
          `CodeSHA256 (${opts.codeSha256}) is different from current CodeSHA256 in $LATEST (${cur.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
        );
      }
      const lastN = cur.lastPublishedVersion ?? 0;
      const last = lastN ? await this.deps.store.functions.get(name, String(lastN)) : undefined;
      if (last && fingerprint(last) === fingerprint(cur)) return last;
      const n = lastN + 1;
      const now = this.deps.clock.now();
      const ver: FunctionRecord = {
        ...cur,
        version: String(n),
        description: opts.description ?? cur.description,
        revisionId: this.deps.ids.uuid(),
        lastModified: lambdaTimestamp(now),
        lastPublishedVersion: undefined,
      };
      delete ver.lastPublishedVersion;
      await this.deps.store.functions.insertVersion(ver);
      const head: FunctionRecord = {
        ...cur,
        lastPublishedVersion: n,
        revisionId: this.deps.ids.uuid(),
      };
      await this.deps.store.functions.update(head, cur.revisionId);
      this.cache.set(name, head);
      this.versions.set(`${name}:${n}`, ver);
      return ver;
    });
  }

  /** Deletes one published version; refused while an alias routes to it. */
  deleteVersion(name: string, version: string): Promise<void> {
    return this.mutex.run(name, async () => {
      const aliases = await this.deps.store.aliases.list(name, { limit: 10_000 });
      const using = aliases.items.filter(
        (a) => a.functionVersion === version || version in a.additionalVersionWeights,
      );
      if (using.length) {
        throw fail(
          'ResourceConflictException',
          `Unable to delete version because the following aliases reference it: [${using.map((a) => a.name).join(', ')}]`,
        );
      }
      if (!(await this.deps.store.functions.deleteVersion(name, version)))
        throw this.notFound(name, version);
      this.versions.delete(`${name}:${version}`);
      this.deps.onVersionDeleted?.(name, version);
    });
  }

  /**
   * Changes function-level metadata (tags, reserved concurrency) on `$LATEST`
   * without a new revision: running instances keep going.
   */
  updateMeta(
    name: string,
    patch: Pick<Partial<FunctionRecord>, 'tags' | 'reservedConcurrency'>,
  ): Promise<FunctionRecord> {
    return this.mutex.run(name, async () => {
      const cur = await this.deps.store.functions.get(name);
      if (!cur) throw this.notFound(name);
      const next = { ...cur, ...patch };
      await this.deps.store.functions.update(next, cur.revisionId);
      this.cache.set(name, next);
      return next;
    });
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
    layerArns?: string[],
  ): Promise<FunctionRecord> {
    checkSettings(settings, this.deps.nodes);
    const layers = layerArns ? await this.deps.layers.resolveRefs(layerArns) : undefined;
    return this.change(name, revisionId, async () => {
      const patch: Partial<FunctionRecord> = layers ? { layers } : {};
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
      if (revisionId !== undefined && revisionId !== cur.revisionId) throw revisionMismatch();
      const patch = await makePatch(cur);
      const next: FunctionRecord = {
        ...cur,
        ...patch,
        revisionId: this.deps.ids.uuid(),
        lastModified: lambdaTimestamp(this.deps.clock.now()),
      };
      await this.deps.store.functions.update(next, cur.revisionId);
      this.cache.set(name, next);
      this.deps.onChange(name, false);
      return next;
    });
  }

  async delete(name: string): Promise<void> {
    await this.mutex.run(name, async () => {
      const existed = await this.deps.store.functions.delete(name);
      await this.deps.store.aliases.deleteAllFor(name);
      await this.deps.store.eventConfigs.deleteAllFor(name);
      this.cache.delete(name);
      for (const key of this.versions.keys())
        if (key.startsWith(`${name}:`)) this.versions.delete(key);
      if (!existed) throw this.notFound(name);
      // Logs stay (as CloudWatch keeps them) until retention prunes them.
      this.deps.onChange(name, true);
    });
  }
}

function revisionMismatch() {
  return fail(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}
