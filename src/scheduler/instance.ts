import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  type ChannelListener,
  type RuntimeApiServer,
  RuntimeChannel,
  type RuntimeInvocation,
  type RuntimeOutcome,
} from '../runtime-api/index.js';
import {
  CGROUP_JOIN_FAILED_EXIT,
  type InstanceCgroup,
  type IsolationInfo,
  launch,
  pathsFor,
  SANDBOX_RUNTIME_API,
  type SandboxPaths,
} from '../sandbox/index.js';
import type { Clock } from '../shared/clock.js';
import { LineSplitter, type LogLine } from './log-lines.js';
import { processTreePeakBytes } from './proc-memory.js';

export type InstanceState = 'starting' | 'idle' | 'busy' | 'dead';

const TRANSITIONS: Record<InstanceState, InstanceState[]> = {
  starting: ['idle', 'dead'],
  idle: ['busy', 'dead'],
  busy: ['idle', 'dead'],
  dead: [],
};

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
  initTimeoutMs: number;
  /** True when the runtime writes the end-of-invocation marker (Nimbus's bootstraps). */
  writesMarker: boolean;
  /** Checked before anything starts; a failure fails init at once (e.g. no bootstrap). */
  preflight?(): PlatformFailure | null;
  plan(paths: SandboxPaths, where: PlanWhere): InstancePlan;
}

export interface InstanceHost {
  isolation: IsolationInfo;
  rapi: RuntimeApiServer;
  /** Folder under which each instance gets its socket folder. */
  runDir: string;
  tmpSizeMb: number;
  clock: Clock;
  /** Called once when the instance has died, for whatever reason. */
  onDeath(instance: Instance): void;
  /** Lines printed while no invocation was running. */
  onStrayLines(instance: Instance, lines: LogLine[]): void;
}

/** How long to wait for the end marker after the runtime answered. */
const MARKER_WAIT_MS = 1000;
/** How long to wait for the last output after the process exited. */
const EXIT_DRAIN_MS = 300;

interface Pending {
  requestId: string;
  startedMs: number;
  outcome: InvokeOutcome | null;
  markerSeen: boolean;
  timer: NodeJS.Timeout;
  markerTimer: NodeJS.Timeout | null;
  resolve(r: InvokeResult): void;
}

/**
 * One sandboxed runtime process and everything it owns: its Runtime API channel
 * and socket, its cgroup, its output pipe. Serves one invocation at a time.
 */
export class Instance implements ChannelListener {
  private stateValue: InstanceState = 'starting';
  private child: ChildProcess | null = null;
  private cgroup: InstanceCgroup | null = null;
  private channel: RuntimeChannel;
  private detach: (() => void) | null = null;
  private socketDir: string;
  private lines: LogLine[] = [];
  private pending: Pending | null = null;
  private startWaiter: {
    resolve(): void;
    reject(e: InitFailure): void;
    timer: NodeJS.Timeout;
  } | null = null;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private killedByUs = false;
  private startFailure: PlatformFailure | null = null;
  private startPeakBytes = 0;
  /** Init log, handed to the first invocation. */
  initLines: LogLine[] = [];
  initDurationMs = 0;
  lastUsedMs: number;
  invocations = 0;

  constructor(
    readonly opts: InstanceOptions,
    private readonly host: InstanceHost,
  ) {
    this.channel = new RuntimeChannel(this);
    this.socketDir = path.join(host.runDir, opts.id);
    this.lastUsedMs = host.clock.monotonicMs();
  }

  get id(): string {
    return this.opts.id;
  }

  get state(): InstanceState {
    return this.stateValue;
  }

  private transition(to: InstanceState): void {
    if (!TRANSITIONS[this.stateValue].includes(to)) {
      throw new Error(`instance ${this.id}: illegal transition ${this.stateValue} -> ${to}`);
    }
    this.stateValue = to;
  }

  /** Starts the process and resolves when the runtime asks for its first event. */
  async start(): Promise<void> {
    const t0 = this.host.clock.monotonicMs();
    const isolated = this.host.isolation.kind === 'bwrap';
    const early = this.opts.preflight?.();
    if (early) throw new InitFailure(early, [], 0);
    mkdirSync(this.socketDir, { recursive: true, mode: 0o755 });
    const socketName = 'runtime.sock';
    this.detach = await this.host.rapi.attach(this.channel, path.join(this.socketDir, socketName));
    let runtimeApi = SANDBOX_RUNTIME_API;
    if (!isolated && this.opts.tcpRuntimeApi) {
      const tcp = await this.host.rapi.attachTcp(this.channel);
      const detachSocket = this.detach;
      this.detach = () => {
        detachSocket();
        tcp.stop();
      };
      runtimeApi = tcp.address;
    }
    const base = {
      instanceId: this.id,
      codeDir: this.opts.codeDir,
      runtimeDir: this.opts.runtimeDir,
      socketDir: this.socketDir,
      socketName,
      optDir: this.opts.optDir,
      langDir: this.opts.langDir ?? null,
      tmpSizeMb: this.host.tmpSizeMb,
      cgroup: null,
    };
    const plan = this.opts.plan(pathsFor(isolated, base), { isolated, runtimeApi });
    try {
      this.cgroup =
        this.host.isolation.cgroup?.create(this.id, {
          memoryBytes: this.opts.memoryMb * 1024 * 1024,
          pidsMax: 1024,
        }) ?? null;
    } catch (e) {
      this.teardown();
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
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const secs = (this.opts.initTimeoutMs / 1000).toFixed(2);
        this.failStart({
          kind: 'failure',
          errorType: 'Sandbox.Timedout',
          errorMessage: `Init phase timed out after ${secs} seconds`,
        });
      }, this.opts.initTimeoutMs);
      this.startWaiter = { resolve, reject, timer };
    });
    const child = launch(
      { ...base, argv: plan.argv, env: plan.env, cgroup: this.cgroup },
      isolated,
      this.host.isolation.bwrapPath,
    );
    this.child = child;
    const splitter = new LineSplitter(
      (text) => this.lines.push({ timestampMs: this.host.clock.now(), text }),
      (id) => this.onMarker(id),
    );
    child.stdout?.on('data', (c: Buffer) => splitter.push(c));
    child.stdout?.on('end', () => splitter.flush());
    child.on('error', (e) => this.onExit(null, null, e));
    child.on('exit', (code, signal) => this.onExit(code, signal));
    await ready;
    this.initDurationMs = this.host.clock.monotonicMs() - t0;
  }

  /** Runs one invocation; never rejects. */
  invoke(inv: RuntimeInvocation, timeoutMs: number): Promise<InvokeResult> {
    this.transition('busy');
    this.invocations++;
    // Lines printed while idle belong to no invocation.
    if (this.lines.length) this.host.onStrayLines(this, this.takeLines());
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        const secs = (timeoutMs / 1000).toFixed(2);
        // Killed first, so the instance never goes back to the pool.
        this.kill();
        this.settle({
          kind: 'failure',
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${inv.requestId} Error: Task timed out after ${secs} seconds`,
        });
      }, timeoutMs);
      this.pending = {
        requestId: inv.requestId,
        startedMs: this.host.clock.monotonicMs(),
        outcome: null,
        markerSeen: false,
        timer,
        markerTimer: null,
        resolve,
      };
      this.channel.deliver(inv);
    });
  }

  /** Stops the instance at once (SIGKILL to everything it started). */
  kill(): void {
    if (this.stateValue === 'dead' && !this.child) return;
    this.killedByUs = true;
    this.cgroup?.killAll();
    const child = this.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!child) this.die();
  }

  // ChannelListener

  onReady(): void {
    const w = this.startWaiter;
    if (!w || this.startFailure) return;
    this.startWaiter = null;
    clearTimeout(w.timer);
    this.initLines = this.takeLines();
    this.transition('idle');
    w.resolve();
  }

  onInitError(errorType: string, body: Buffer): void {
    let message = 'init failed';
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
    } catch {
      // keep the generic message
    }
    this.failStart({ kind: 'failure', errorType, errorMessage: message, body });
  }

  onOutcome(requestId: string, outcome: RuntimeOutcome): void {
    const p = this.pending;
    if (!p || p.requestId !== requestId || p.outcome) return;
    p.outcome = outcome;
    if (!this.opts.writesMarker || p.markerSeen) {
      this.complete();
      return;
    }
    p.markerTimer = setTimeout(() => this.complete(), MARKER_WAIT_MS);
  }

  private onMarker(requestId: string): void {
    const p = this.pending;
    if (!p || p.requestId !== requestId) return;
    p.markerSeen = true;
    if (p.outcome) this.complete();
  }

  private takeLines(): LogLine[] {
    const l = this.lines;
    this.lines = [];
    return l;
  }

  private peakBytes(): number {
    if (this.cgroup) return this.cgroup.peakBytes();
    return this.child?.pid ? processTreePeakBytes(this.child.pid) : 0;
  }

  /** Settles the pending invocation with a platform failure (timeout, exit). */
  private settle(failure: PlatformFailure): void {
    const p = this.pending;
    if (!p || p.outcome) return;
    p.outcome = failure;
    this.complete();
  }

  private complete(): void {
    const p = this.pending;
    if (!p?.outcome) return;
    this.pending = null;
    clearTimeout(p.timer);
    if (p.markerTimer) clearTimeout(p.markerTimer);
    const now = this.host.clock.monotonicMs();
    this.lastUsedMs = now;
    const result: InvokeResult = {
      outcome: p.outcome,
      lines: this.takeLines(),
      durationMs: now - p.startedMs,
      maxMemoryBytes: this.peakBytes(),
    };
    // A killed instance stays busy until it is dead: it must not be reused.
    if (this.stateValue === 'busy' && !this.killedByUs) this.transition('idle');
    p.resolve(result);
  }

  /**
   * Init failed: remember why and stop the process. The start promise is
   * rejected once the process has exited and its output is drained, so the
   * init log is complete.
   */
  private failStart(failure: PlatformFailure): void {
    const w = this.startWaiter;
    if (!w || this.startFailure) return;
    clearTimeout(w.timer);
    this.startFailure = failure;
    this.startPeakBytes = this.peakBytes();
    if (this.exitInfo) return; // already exited: onExit settles
    this.kill();
  }

  private exitFailure(requestId: string | null): PlatformFailure {
    const info = this.exitInfo;
    const prefix = requestId ? `RequestId: ${requestId} Error: ` : '';
    if (this.cgroup?.oomKilled() || this.lines.some((l) => l.text.includes('heap out of memory'))) {
      return {
        kind: 'failure',
        errorType: 'Runtime.OutOfMemory',
        errorMessage: `${prefix}Runtime exited with error: signal: killed (out of memory: the function used all of its ${this.opts.memoryMb} MB)`,
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

  private onExit(code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal };
    const drained = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, EXIT_DRAIN_MS);
      if (!this.child?.stdout || this.child.stdout.readableEnded) {
        clearTimeout(t);
        resolve();
      } else {
        this.child.stdout.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      }
    });
    void drained.then(() => {
      const w = this.startWaiter;
      if (w) {
        this.startWaiter = null;
        clearTimeout(w.timer);
        const failure =
          this.startFailure ??
          (err
            ? {
                kind: 'failure' as const,
                errorType: 'Sandbox.Failure',
                errorMessage: `could not start the runtime: ${err.message}`,
              }
            : this.exitFailure(null));
        w.reject(
          new InitFailure(failure, this.takeLines(), this.startPeakBytes || this.peakBytes()),
        );
      }
      if (this.pending && !this.pending.outcome) {
        // A kill we made for a timeout has already settled; anything else is a crash.
        this.settle(this.exitFailure(this.pending.requestId));
      }
      this.die();
    });
  }

  private die(): void {
    if (this.stateValue === 'dead') return;
    this.stateValue = 'dead';
    this.teardown();
    const stray = this.takeLines();
    if (stray.length) this.host.onStrayLines(this, stray);
    this.host.onDeath(this);
  }

  private teardown(): void {
    this.channel.close();
    this.detach?.();
    this.detach = null;
    if (this.cgroup) {
      this.cgroup.killAll();
      const cg = this.cgroup;
      // The kernel frees the group only once its last process is reaped.
      setTimeout(() => cg.remove(), 50).unref();
    }
    rmSync(this.socketDir, { recursive: true, force: true });
  }

  /** The pid of the instance's outermost process (the sandbox launcher), if started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the process was ended by Nimbus (timeout, reap, shutdown) rather than by itself. */
  get killed(): boolean {
    return this.killedByUs;
  }
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
