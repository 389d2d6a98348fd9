import { constants } from 'node:os';
import path from 'node:path';
import { ExtensionHub, type ExtensionListener, MAX_EXTENSIONS } from '../runtime-api/index.js';
import {
  extensionDroppedEnv,
  extensionEntryArgv,
  findRelay,
  listExtensions,
  type SandboxPaths,
} from '../sandbox/index.js';
import type { InstancePlan, PlatformFailure } from './instance-types.js';

/** How long extensions get to handle SHUTDOWN before everything is killed (Lambda: 2 s). */
export const SHUTDOWN_GRACE_MS = 2000;

/**
 * An instance's Lambda extensions: the executables its layers put in /opt/extensions,
 * how the sandbox starts them, and the Extensions API they talk to. Without any,
 * the runtime is started exactly as before and the hub stays empty.
 */
export class InstanceExtensions {
  readonly names: string[];
  readonly hub: ExtensionHub;

  constructor(listener: ExtensionListener, optDir: string | null) {
    this.names = optDir ? listExtensions(optDir) : [];
    this.hub = new ExtensionHub(listener, this.names);
  }

  /** True when the sandbox starts extensions beside the runtime (through an entry process). */
  get launched(): boolean {
    return this.names.length > 0;
  }

  /**
   * A failure when the extensions cannot run: more than Lambda allows, or a sandbox
   * without the relay that serves them AWS_LAMBDA_RUNTIME_API.
   */
  preflight(isolated: boolean): PlatformFailure | null {
    if (this.names.length > MAX_EXTENSIONS) {
      return {
        kind: 'failure',
        errorType: 'Extension.LaunchError',
        errorMessage: `The layers put ${this.names.length} files in /opt/extensions; at most ${MAX_EXTENSIONS} extensions can run`,
      };
    }
    if (this.launched && isolated && !findRelay()) {
      return {
        kind: 'failure',
        errorType: 'Sandbox.Failure',
        errorMessage: `Extensions (${this.names.join(', ')}) need socat to reach AWS_LAMBDA_RUNTIME_API inside the sandbox: install it (apt-get install socat)`,
      };
    }
    return null;
  }

  /**
   * The argv the sandbox runs: the runtime's own, or the entry process that starts the
   * extensions with the runtime. Also tells the hub what the register answer says.
   */
  argv(plan: InstancePlan, paths: SandboxPaths, functionName: string, isolated: boolean): string[] {
    const env = plan.env;
    this.hub.setMetadata({
      functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? functionName,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
      handler: env._HANDLER ?? '',
      accountId: env.NIMBUS_ACCOUNT_ID ?? '',
    });
    if (!this.launched) return plan.argv;
    return extensionEntryArgv(
      isolated ? findRelay() : null,
      path.posix.join(paths.optDir, 'extensions'),
      this.names,
      extensionDroppedEnv(env),
      plan.argv,
    );
  }
}

/** The exit information of a process as `sh` reports it (128 + N: killed by signal N). */
export function exitFromStatus(status: number): {
  code: number | null;
  signal: NodeJS.Signals | null;
} {
  if (status > 128 && status < 160) {
    const n = status - 128;
    const name = Object.entries(constants.signals).find(([, num]) => num === n)?.[0];
    // os.constants.signals is keyed by signal name
    if (name) return { code: null, signal: name as NodeJS.Signals };
  }
  return { code: status, signal: null };
}
