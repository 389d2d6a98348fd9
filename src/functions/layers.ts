import type { CodeStore, LayerMerger } from '../code/index.js';
import { type ArnContext, lambdaTimestamp } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { LayerRef, LayerVersionRecord, ListPage, Store } from '../store/types.js';

const LAYER_NAME_RE = /^[a-zA-Z0-9-_]{1,140}$/;
const LAYER_ARN_RE =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/;
/** Lambda allows this many layers per function. */
export const MAX_LAYERS = 5;

export interface PublishLayerInput {
  name: string;
  zip: Buffer;
  description?: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
}

/** Layer versions: immutable zips, mounted merged and read-only at /opt. */
export class LayerService {
  constructor(
    private readonly deps: {
      store: Store;
      code: CodeStore;
      merger: LayerMerger;
      clock: Clock;
      arn: ArnContext;
    },
  ) {}

  layerArn(name: string): string {
    return `arn:aws:lambda:${this.deps.arn.region}:${this.deps.arn.accountId}:layer:${name}`;
  }

  versionArn(name: string, version: number): string {
    return `${this.layerArn(name)}:${version}`;
  }

  checkName(name: string): void {
    if (!LAYER_NAME_RE.test(name)) {
      throw fail(
        'ValidationException',
        `1 validation error detected: Value '${name}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+`,
      );
    }
  }

  async publish(input: PublishLayerInput): Promise<LayerVersionRecord> {
    this.checkName(input.name);
    if ((input.compatibleRuntimes?.length ?? 0) > 15) {
      throw fail(
        'InvalidParameterValueException',
        'CompatibleRuntimes can hold at most 15 runtimes',
      );
    }
    const code = await this.deps.code.put(input.zip);
    const now = this.deps.clock.now();
    return this.deps.store.layers.publish({
      name: input.name,
      description: input.description ?? '',
      compatibleRuntimes: input.compatibleRuntimes ?? [],
      compatibleArchitectures: input.compatibleArchitectures ?? [],
      licenseInfo: input.licenseInfo ?? null,
      codeSha256: code.codeSha256,
      codeHexSha: code.hexSha,
      codeSizeBytes: code.codeSizeBytes,
      createdDate: lambdaTimestamp(now),
      createdAtMs: now,
    });
  }

  async get(name: string, version: number): Promise<LayerVersionRecord> {
    this.checkName(name);
    const rec = await this.deps.store.layers.get(name, version);
    if (!rec) throw fail('ResourceNotFoundException', 'The resource you requested does not exist.');
    return rec;
  }

  listVersions(
    name: string,
    marker: string | undefined,
    limit: number,
  ): Promise<ListPage<LayerVersionRecord>> {
    this.checkName(name);
    return this.deps.store.layers.listVersions(name, { ...(marker ? { marker } : {}), limit });
  }

  listLatest(marker: string | undefined, limit: number): Promise<ListPage<LayerVersionRecord>> {
    return this.deps.store.layers.listLatest({ ...(marker ? { marker } : {}), limit });
  }

  /** Deleting a version leaves functions that use it untouched: they keep its code. */
  async delete(name: string, version: number): Promise<void> {
    this.checkName(name);
    await this.deps.store.layers.delete(name, version);
  }

  /** Resolves a function's `Layers` setting: each ARN must name an existing version of this account. */
  async resolveRefs(arns: string[]): Promise<LayerRef[]> {
    if (arns.length > MAX_LAYERS) {
      throw fail(
        'InvalidParameterValueException',
        `Cannot reference more than ${MAX_LAYERS} layers.`,
      );
    }
    if (new Set(arns).size !== arns.length) {
      throw fail(
        'InvalidParameterValueException',
        'Two different versions of the same layer are not allowed to be referenced in the same function.',
      );
    }
    const refs: LayerRef[] = [];
    const names = new Set<string>();
    for (const arn of arns) {
      const m = LAYER_ARN_RE.exec(arn);
      if (!m) {
        throw fail(
          'ValidationException',
          `1 validation error detected: Value '[${arn}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]`,
        );
      }
      const [, region, account, name, version] = m;
      if (names.has(name!)) {
        throw fail(
          'InvalidParameterValueException',
          'Two different versions of the same layer are not allowed to be referenced in the same function.',
        );
      }
      names.add(name!);
      const rec =
        region === this.deps.arn.region && account === this.deps.arn.accountId
          ? await this.deps.store.layers.get(name!, Number(version))
          : undefined;
      if (!rec)
        throw fail('InvalidParameterValueException', `Layer version ${arn} does not exist.`);
      refs.push({ arn, codeSizeBytes: rec.codeSizeBytes, codeHexSha: rec.codeHexSha });
    }
    // Built now, so an instance never waits for (or races) the merge.
    if (refs.length) await this.deps.merger.ensure(this.treesOf(refs));
    return refs;
  }

  /** The extracted trees of a function's layers, in mount order. */
  treesOf(refs: LayerRef[]): string[] {
    return refs.map((r) => this.deps.code.dirFor(r.codeHexSha));
  }

  /** The merged /opt tree of a function's layers, or null when it has none. */
  optDirFor(refs: LayerRef[]): string | null {
    return refs.length ? this.deps.merger.dirFor(this.treesOf(refs)) : null;
  }
}
