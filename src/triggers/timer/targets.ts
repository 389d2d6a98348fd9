import { type AliasService, type FunctionRegistry, resolveTarget } from '../../functions/index.js';
import { isNimbusError } from '../../shared/errors.js';
import type { Flavour } from '../../store/types.js';

/** How timers see their target functions: whether one exists, and its flavour. */
export interface TimerTargets {
  /**
   * The flavour of the version `qualifier` (`$LATEST` when null) of the
   * function, or undefined when the function or qualifier does not exist.
   */
  flavourOf(functionName: string, qualifier: string | null): Promise<Flavour | undefined>;
}

/** TimerTargets read through the function registry and aliases (their caches first). */
export function registryTargets(registry: FunctionRegistry, aliases: AliasService): TimerTargets {
  return {
    async flavourOf(functionName, qualifier) {
      try {
        const { fn } = await resolveTarget(registry, aliases, functionName, qualifier ?? undefined);
        return fn.flavour;
      } catch (e) {
        if (isNimbusError(e) && e.code === 'ResourceNotFoundException') return undefined;
        throw e;
      }
    },
  };
}
