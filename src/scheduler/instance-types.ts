import type { RuntimeOutcome } from '../runtime-api/index.js';
import type { SandboxPaths } from '../sandbox/index.js';
import type { Instance } from './instance.js';
import type { ProcessHost } from './instance-process.js';
import type { LogLine } from './log-lines.js';
import type { StartGate } from './start-gate.js';

/**
 * How an instance came to serve: `cold` (launched for an invocation), `prewarmed` (a
 * pooled sandbox specialised for an invocation), `provisioned` (started ahead of traffic
 * for provisioned concurrency). An invocation on an instance that was already warm is `warm`.
 */
export type StartType = 'cold' | 'prewarmed' | 'provisioned';

/** An error the platform itself reports for an invocation (timeout, crash, OOM, init failure). */
export interface PlatformFailure {
  kind: 'failure';
  errorType: string;
  errorMessage: string;
  /** The runtime's own error JSON, when it sent one (init errors). */
  body?: Buffer;
}

export type InvokeOutcome = RuntimeOutcome | PlatformFailure;

export interface InvokeResult {
  outcome: InvokeOutcome;
  lines: LogLine[];
  durationMs: number;
  maxMemoryBytes: number;
}

/** Init did not complete: the pending invocation fails with this. */
export class InitFailure extends Error {
  constructor(
    readonly failure: PlatformFailure,
    readonly lines: LogLine[],
    readonly maxMemoryBytes: number,
  ) {
    super(failure.errorMessage);
  }
}

/** What an instance runs, decided by the runtime catalogue once the paths are known. */
export interface InstancePlan {
  argv: string[];
  env: Record<string, string>;
}

/** Where an instance runs, for its plan. */
export interface PlanWhere {
  /** In a bubblewrap sandbox (else a plain child process, development only). */
  isolated: boolean;
  /** `host:port` of the Runtime API over TCP, for AWS_LAMBDA_RUNTIME_API. */
  runtimeApi: string;
}

export interface InstanceOptions {
  id: string;
  /** Pool key: function, version and revision. */
  poolKey: string;
  functionName: string;
  memoryMb: number;
  codeDir: string;
  runtimeDir: string;
  optDir: string | null;
  /** Host folder of a Node.js Nimbus installed (mounted at /var/lang), if the runtime uses one. */
  langDir?: string | null;
  /**
   * Serve the Runtime API on a 127.0.0.1 TCP port too when there is no sandbox: custom
   * runtimes know only AWS_LAMBDA_RUNTIME_API (in a sandbox a relay serves 127.0.0.1:9001).
   */
  tcpRuntimeApi?: boolean;
  /** Outbound network through a user-mode stack (its service's `internetAccess`); default none. */
  internetAccess?: boolean;
  initTimeoutMs: number;
  /** True when the runtime writes the end-of-invocation marker (Nimbus's bootstraps). */
  writesMarker: boolean;
  /** Checked before anything starts; a failure fails init at once (e.g. no bootstrap). */
  preflight?(): PlatformFailure | null;
  plan(paths: SandboxPaths, where: PlanWhere): InstancePlan;
}

export interface InstanceHost extends ProcessHost {
  /** Counts starts in flight (background work waits for them). */
  starts?: StartGate;
  /** Called once when the instance has died, for whatever reason. */
  onDeath(instance: Instance): void;
  /** Lines printed while no invocation was running. */
  onStrayLines(instance: Instance, lines: LogLine[]): void;
}
