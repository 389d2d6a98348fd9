import type { RuntimeChannel } from '../runtime-api/index.js';
import { pathsFor, SANDBOX_PATHS, SANDBOX_RUNTIME_API } from '../sandbox/index.js';
import type { InstanceExtensions } from './instance-extensions.js';
import { type InstanceProcess, SOCKET_NAME } from './instance-process.js';
import {
  InitFailure,
  type InstanceHost,
  type InstanceOptions,
  type PlatformFailure,
} from './instance-types.js';
import type { PooledSandbox } from './pooled-sandbox.js';
import type { StartPhases } from './start-phases.js';

/** What starting a sandbox needs of its instance. */
export interface StartContext {
  opts: InstanceOptions;
  host: InstanceHost;
  channel: RuntimeChannel;
  ext: InstanceExtensions;
  /** Arms the init timeout: called right before the runtime may start. */
  armInitTimeout(): void;
  /** Fails init (the sandbox's network could not be set up). */
  failStart(failure: PlatformFailure): void;
  /** The instance was stopped meanwhile (server shutdown, retired): nothing may start. */
  stopped(): boolean;
  /** Where the start's time goes. */
  phases: StartPhases;
}

/** What a start that was overtaken by a stop fails with. */
function stoppedWhileStarting(): InitFailure {
  return new InitFailure(
    {
      kind: 'failure',
      errorType: 'Sandbox.Failure',
      errorMessage: 'the instance was stopped while it started',
    },
    [],
    0,
  );
}

/** Launches a fresh sandbox for the instance into `proc` (throws InitFailure without a cgroup). */
export async function launchSandbox(
  proc: InstanceProcess,
  c: StartContext,
  isolated: boolean,
  internet: boolean,
): Promise<void> {
  const { opts } = c;
  // Extensions know only AWS_LAMBDA_RUNTIME_API too.
  const tcp = !isolated && (opts.tcpRuntimeApi === true || c.ext.launched);
  if (c.stopped()) throw stoppedWhileStarting();
  let runtimeApi: string;
  try {
    runtimeApi = await proc.attach(c.channel, tcp);
    c.phases.mark('attached');
  } catch (e) {
    throw c.stopped() ? stoppedWhileStarting() : e;
  }
  if (c.stopped()) {
    proc.teardown();
    throw stoppedWhileStarting();
  }
  const paths = pathsFor(isolated, {
    codeDir: opts.codeDir,
    runtimeDir: opts.runtimeDir,
    optDir: opts.optDir,
    socketDir: proc.socketDir,
    socketName: SOCKET_NAME,
    langDir: opts.langDir ?? null,
    awsSocketDir: c.host.awsSocketDir ?? null,
  });
  const plan = opts.plan(paths, { isolated, runtimeApi });
  try {
    proc.createCgroup(opts.memoryMb * 1024 * 1024);
  } catch (e) {
    proc.teardown();
    throw new InitFailure(
      {
        kind: 'failure',
        errorType: 'Sandbox.Failure',
        errorMessage: `could not create the instance's cgroup: ${(e as Error).message}`,
      },
      [],
      0,
    );
  }
  c.phases.mark('cgroup');
  c.armInitTimeout();
  proc.launch(
    {
      codeDir: opts.codeDir,
      runtimeDir: opts.runtimeDir,
      optDir: opts.optDir,
      langDir: opts.langDir ?? null,
      argv: c.ext.argv(plan, paths, opts.functionName, isolated),
      env: plan.env,
    },
    {
      internet,
      exitMarkers: c.ext.launched,
      onNetFailure: (e) =>
        c.failStart({
          kind: 'failure',
          errorType: 'Sandbox.Failure',
          errorMessage: `could not give the sandbox internet access: ${e.message}`,
        }),
    },
  );
  c.phases.mark('spawned');
}

/**
 * Makes a prewarmed sandbox the instance's: its code and layers appear at /var/task and
 * /opt, its memory cap becomes the function's, its Runtime API socket appears, and the
 * waiting bootstrap gets the function's environment (a custom runtime also the command to
 * become). Returns the sandbox's process, now the instance's; null when the sandbox cannot
 * be used (gone, or the code could not be placed): it is then destroyed, and the caller
 * launches a fresh one.
 */
export async function specialiseSandbox(
  pooled: PooledSandbox,
  c: StartContext,
  adopt: (proc: InstanceProcess) => void,
): Promise<InstanceProcess | null> {
  const proc = pooled.take();
  if (!proc) {
    pooled.destroy();
    return null;
  }
  try {
    await proc.slot?.place(c.opts.codeDir, c.opts.optDir);
    c.phases.mark('placed');
    proc.cgroup?.setMemoryLimit(c.opts.memoryMb * 1024 * 1024);
    await proc.attach(c.channel, false);
    c.phases.mark('attached');
    if (proc.hasExited || c.stopped()) throw new Error('the prewarmed sandbox cannot be used');
  } catch {
    // Still the pool's: its own handlers free what it held.
    proc.kill();
    proc.teardown();
    return null;
  }
  adopt(proc);
  const plan = c.opts.plan(SANDBOX_PATHS, { isolated: true, runtimeApi: SANDBOX_RUNTIME_API });
  c.ext.argv(plan, SANDBOX_PATHS, c.opts.functionName, true);
  c.armInitTimeout();
  pooled.assign({ env: plan.env, argv: plan.argv });
  c.phases.mark('assigned');
  return proc;
}
