import { CGROUP_JOIN_FAILED_EXIT } from '../sandbox/index.js';
import type { PlatformFailure } from './instance-types.js';

/** How a runtime process ended, as far as the platform can tell. */
export interface RuntimeEnd {
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** The cgroup's OOM killer acted, or V8 reported its heap full. */
  outOfMemory: boolean;
  memoryMb: number;
}

/**
 * The failure a runtime's end means, in Lambda's words: `Runtime.OutOfMemory`,
 * `Runtime.ExitError` (exit status / signal), or `Sandbox.Failure` (no cgroup).
 * Without a request id the runtime ended during init, and the message says so.
 */
export function exitFailure(end: RuntimeEnd, requestId: string | null): PlatformFailure {
  const info = end.exit;
  const prefix = requestId ? `RequestId: ${requestId} Error: ` : '';
  if (end.outOfMemory) {
    return {
      kind: 'failure',
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `${prefix}Runtime exited with error: signal: killed (out of memory: the function used all of its ${end.memoryMb} MB)`,
    };
  }
  if (info?.code === CGROUP_JOIN_FAILED_EXIT) {
    return {
      kind: 'failure',
      errorType: 'Sandbox.Failure',
      errorMessage: `${prefix}the sandbox could not join its cgroup`,
    };
  }
  let why = 'Runtime exited without providing a reason';
  if (info?.signal) why = `Runtime exited with error: signal: ${signalName(info.signal)}`;
  else if (info?.code) why = `Runtime exited with error: exit status ${info.code}`;
  // No request id: init never completed. Say so, a bootstrap's author needs to know.
  if (!requestId) why += ' (during init, before it asked for its first event with /next)';
  return { kind: 'failure', errorType: 'Runtime.ExitError', errorMessage: `${prefix}${why}` };
}

function signalName(sig: NodeJS.Signals): string {
  const names: Partial<Record<NodeJS.Signals, string>> = {
    SIGKILL: 'killed',
    SIGTERM: 'terminated',
    SIGSEGV: 'segmentation fault',
    SIGABRT: 'aborted',
  };
  return names[sig] ?? sig;
}
