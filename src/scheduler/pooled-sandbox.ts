import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { SlotArea } from '../sandbox/index.js';
import { InstanceProcess, type ProcessEvents, type ProcessHost } from './instance-process.js';
import { children } from './proc-memory.js';

/**
 * Everything a prewarmed sandbox runs that does not depend on the function it will
 * serve. Sandboxes of one `key` are interchangeable.
 */
export interface PoolSpec {
  /** The runtime, plus the memory size where the runtime fixes its heap at start (Node). */
  key: string;
  /** Host folder mounted at /var/runtime. */
  runtimeDir: string;
  /** Host folder of a Node.js Nimbus installed (mounted at /var/lang), if the runtime uses one. */
  langDir: string | null;
  /** The cgroup memory cap while it waits; the function's is set at assignment. */
  memoryMb: number;
  argv: string[];
  /** The environment it starts with: only what every function of the key gets alike. */
  env: Record<string, string>;
  /** How its bootstrap reads the assignment: JSON (Nimbus's runtimes) or a shell script (custom runtimes). */
  assignment: 'json' | 'shell';
}

/** What a prewarmed sandbox is told at assignment. */
export interface PoolAssignment {
  /** The function's whole environment: it replaces the one the sandbox started with. */
  env: Record<string, string>;
  /** Custom runtimes: the command to become (the function's bootstrap). */
  argv: string[];
}

/** A prewarmed sandbox's niceness while it waits (background work, below real cold starts). */
const WAITING_NICENESS = 10;

const ROOT = process.getuid?.() === 0;

type PooledState = 'starting' | 'ready' | 'taken' | 'dead';

/**
 * One started, generic sandbox of the prewarm pool: bubblewrap, namespaces, cgroup and
 * the runtime's bootstrap loaded, with empty /var/task and /opt and no function code.
 * It is handed to exactly one instance (`take`), which places the function's code in its
 * slot, sets its limits and sends the assignment; it never goes back to the pool.
 */
export class PooledSandbox implements ProcessEvents {
  readonly proc: InstanceProcess;
  /** Settles once the sandbox is gone (before it was taken). */
  readonly done: Promise<void>;
  private markGone: () => void = () => undefined;
  private stateValue: PooledState = 'starting';
  private waiter: { resolve(): void; reject(e: Error): void; timer: NodeJS.Timeout } | null = null;

  constructor(
    readonly spec: PoolSpec,
    host: ProcessHost,
    area: SlotArea,
    id: string,
    /** Told once when the sandbox died before it was taken. */
    private readonly onGone: (p: PooledSandbox) => void,
  ) {
    this.proc = new InstanceProcess(host, id, this);
    this.proc.slot = area.slot(id);
    this.done = new Promise<void>((resolve) => {
      this.markGone = resolve;
    });
  }

  get state(): PooledState {
    return this.stateValue;
  }

  /** Launches the sandbox; resolves once its bootstrap waits for an assignment. */
  start(timeoutMs: number): Promise<void> {
    const slot = this.proc.slot;
    if (!slot) throw new Error('a pooled sandbox has a slot');
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`the prewarmed sandbox was not ready within ${timeoutMs} ms`));
        this.destroy();
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
    try {
      this.proc.prepare();
      this.proc.createCgroup(this.spec.memoryMb * 1024 * 1024);
      this.proc.launch(
        {
          codeDir: slot.taskDir,
          optDir: slot.optDir,
          runtimeDir: this.spec.runtimeDir,
          langDir: this.spec.langDir,
          // Lowering a niceness back needs root: others wait at normal priority.
          argv: ROOT
            ? ['/usr/bin/nice', '-n', String(WAITING_NICENESS), ...this.spec.argv]
            : this.spec.argv,
          env: this.spec.env,
        },
        { internet: false, exitMarkers: false, pooled: true },
      );
    } catch (e) {
      this.settle(e as Error);
      this.destroy();
    }
    return ready;
  }

  private settle(err?: Error): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    clearTimeout(w.timer);
    if (err) w.reject(err);
    else w.resolve();
  }

  /** Takes the sandbox out of the pool for one instance; null when it is not ready. */
  take(): InstanceProcess | null {
    if (this.stateValue !== 'ready') return null;
    this.stateValue = 'taken';
    return this.proc;
  }

  /**
   * Sends the assignment (the bootstrap reads stdin to its end) and gives the sandbox
   * back its normal priority. Only after the code is in place and the limits are set.
   */
  assign(a: PoolAssignment): void {
    const text = this.spec.assignment === 'json' ? JSON.stringify(a) : shellAssignment(a);
    this.proc.child?.stdin?.end(text);
    renice(this.proc, 0);
  }

  /** Kills the sandbox and frees what it held (a taken one belongs to its instance). */
  destroy(): void {
    if (this.stateValue === 'taken') return;
    this.proc.kill();
    if (!this.proc.child) this.gone();
  }

  // ProcessEvents, while it waits in the pool

  onLine(): void {
    // A generic bootstrap has nothing to say before its assignment; nothing is kept.
  }

  onMarker(): void {}

  onPooled(): void {
    if (this.stateValue !== 'starting') return;
    this.stateValue = 'ready';
    this.settle();
  }

  onExit(): void {
    this.settle(new Error('the prewarmed sandbox exited before it was ready'));
    this.gone();
  }

  private gone(): void {
    if (this.stateValue === 'dead') return;
    this.stateValue = 'dead';
    this.proc.teardown();
    this.markGone();
    this.onGone(this);
  }
}

/**
 * The assignment of a custom runtime, for runtimes/provided/pooled.sh: the socket of
 * Nimbus's AWS endpoint (its relay starts then) and the command to become, the bootstrap
 * with exactly the function's environment. relay.sh already ran when the sandbox started,
 * so a command that would run it again is given without it.
 */
export function shellAssignment(a: PoolAssignment): string {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  // PWD as a fresh start's bootstrap inherits it (bubblewrap sets it entering /var/task).
  const vars = Object.entries({ PWD: '/var/task', ...a.env }).map(([k, v]) => q(`${k}=${v}`));
  const argv = a.argv[1]?.endsWith('/relay.sh') ? a.argv.slice(3) : a.argv;
  return (
    `nimbus_aws=${q(a.env.NIMBUS_AWS_SOCKET ?? '')}\n` +
    `set -- /usr/bin/env -i ${vars.join(' ')} ${argv.map(q).join(' ')}\n`
  );
}

/** Sets the niceness of every thread of the sandbox's processes (its cgroup's, else its tree). */
function renice(proc: InstanceProcess, niceness: number): void {
  let pids: number[] = [];
  const procs = proc.cgroup?.procsFiles[0];
  if (procs) {
    try {
      pids = readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // the group is gone
    }
  } else if (proc.pid) {
    const queue = [proc.pid];
    for (let n = 0; queue.length && n < 64; n++) {
      const p = queue.shift() as number;
      pids.push(p);
      queue.push(...children(p));
    }
  }
  // Niceness is per thread on Linux: every thread of every process (V8's, libuv's).
  for (const pid of pids) {
    let tids: number[] = [pid];
    try {
      tids = readdirSync(`/proc/${pid}/task`).map(Number);
    } catch {
      // gone: nothing to renice
    }
    for (const tid of tids) {
      try {
        setPriority(tid, niceness);
      } catch {
        // gone, or not ours
      }
    }
  }
}
