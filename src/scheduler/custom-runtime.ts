import { statSync } from 'node:fs';
import path from 'node:path';
import type { SandboxPaths } from '../sandbox/index.js';
import type { PlatformFailure } from './instance-types.js';

/** Where a custom runtime's `bootstrap` was found: the function's code or a layer. */
export type BootstrapRoot = 'task' | 'opt';

/** The places Lambda looks for a custom runtime's bootstrap, in order (as the sandbox sees them). */
const SEARCHED = '[/var/task/bootstrap /opt/bootstrap]';

function invalidEntrypoint(errorMessage: string): PlatformFailure {
  return { kind: 'failure', errorType: 'Runtime.InvalidEntrypoint', errorMessage };
}

/**
 * Finds a custom runtime's `bootstrap` on the host, before anything starts: in the
 * code (`/var/task/bootstrap`), else in the merged layers (`/opt/bootstrap`). A missing
 * one, or one that is not an executable file, is Lambda's `Runtime.InvalidEntrypoint`,
 * with a message that says which.
 * @example locateBootstrap(code.dirFor(sha), null) // { root: 'task' }
 */
export function locateBootstrap(
  codeDir: string,
  optDir: string | null,
): { root: BootstrapRoot } | { failure: PlatformFailure } {
  const candidates: [BootstrapRoot, string, string][] = [
    ['task', path.join(codeDir, 'bootstrap'), '/var/task/bootstrap'],
  ];
  if (optDir) candidates.push(['opt', path.join(optDir, 'bootstrap'), '/opt/bootstrap']);
  for (const [root, hostPath, shown] of candidates) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(hostPath);
    } catch {
      continue;
    }
    if (!st.isFile()) {
      return {
        failure: invalidEntrypoint(`${shown} is not a file, so it cannot be the bootstrap`),
      };
    }
    // The sandbox runs code as another user: the "others" execute bit is the one that counts.
    if ((st.mode & 0o001) === 0) {
      return {
        failure: invalidEntrypoint(
          `${shown} is not executable (permission denied): give it mode 755 before zipping`,
        ),
      };
    }
    return { root };
  }
  return {
    failure: invalidEntrypoint(
      `Couldn't find valid bootstrap(s): ${SEARCHED}: a custom runtime's zip needs an executable file named bootstrap at its root`,
    ),
  };
}

/**
 * argv of a custom runtime: in a sandbox, the relay script serves 127.0.0.1:9001 and then
 * becomes the bootstrap; without one, the bootstrap itself (it is given a host TCP port).
 */
export function providedArgv(
  paths: SandboxPaths,
  root: BootstrapRoot,
  relay: string | null,
): string[] {
  const bootstrap = `${root === 'task' ? paths.taskRoot : paths.optDir}/bootstrap`;
  return relay ? ['/bin/sh', `${paths.runtimeDir}/relay.sh`, relay, bootstrap] : [bootstrap];
}
