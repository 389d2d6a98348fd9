import { fail } from '../shared/error-codes.js';
import type { FunctionRecord } from '../store/types.js';
import { AliasService } from './aliases.js';
import type { FunctionRegistry } from './registry.js';

export interface ResolvedTarget {
  /** The version that runs. */
  fn: FunctionRecord;
  /** `$LATEST`: where function-level settings (reserved concurrency) live. */
  latest: FunctionRecord;
}

/**
 * Turns a function name and qualifier (`$LATEST`, a version number, an alias)
 * into the version to run. Hot path: served from the caches after the first call.
 */
export async function resolveTarget(
  registry: FunctionRegistry,
  aliases: AliasService,
  name: string,
  qualifier: string | undefined,
  random: () => number = Math.random,
): Promise<ResolvedTarget> {
  const latest = registry.cached(name) ?? (await registry.resolve(name));
  if (!latest) throw registry.notFound(name, qualifier);
  if (qualifier === undefined || qualifier === '$LATEST') return { fn: latest, latest };
  let version = qualifier;
  if (!/^\d+$/.test(qualifier)) {
    const alias = await aliases.lookup(name, qualifier);
    if (!alias) throw registry.notFound(name, qualifier);
    version = AliasService.pickVersion(alias, random());
  }
  const fn = await registry.version(name, version);
  if (!fn) {
    throw version === qualifier
      ? registry.notFound(name, qualifier)
      : fail(
          'ResourceNotFoundException',
          `Alias ${qualifier} points at version ${version}, which does not exist`,
        );
  }
  return { fn, latest };
}
