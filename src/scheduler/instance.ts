import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type ChannelListener,
  type ExtensionListener,
  RuntimeChannel,
  type RuntimeInvocation,
  type RuntimeOutcome,
  type ShutdownReason,
} from '../runtime-api/index.js';
import {
  attachUserNet,
  findUserNet,
  type InstanceCgroup,
  launch,
  parseExitReport,
  pathsFor,
  SANDBOX_RUNTIME_API,
  sandboxResolvConf,
  USERNET_MISSING,
  type UserNet,
} from '../sandbox/index.js';
import { exitFailure } from './exit-failure.js';
import { exitFromStatus, InstanceExtensions, SHUTDOWN_GRACE_MS } from './instance-extensions.js';
import {
  InitFailure,
  type InstanceHost,
  type InstanceOptions,
  type InvokeOutcome,
  type InvokeResult,
  type PlatformFailure,
} from './instance-types.js';
import { LineSplitter, type LogLine } from './log-lines.js';
import { processTreePeakBytes } from './proc-memory.js';

export {
  InitFailure,
  type InstanceHost,
  type InstanceOptions,
  type InstancePlan,
  type InvokeOutcome,
  type InvokeResult,
  type PlanWhere,
  type PlatformFailure,
} from './instance-types.js';

/** `stopping`: extensions handle SHUTDOWN before the instance is killed (never reused). */
export type InstanceState = 'starting' | 'idle' | 'busy' | 'stopping' | 'dead';

const TRANSITIONS: Record<InstanceState, InstanceState[]> = {
  starting: ['idle', 'dead'],
  idle: ['busy', 'stopping', 'dead'],
  busy: ['idle', 'stopping', 'dead'],
  stopping: ['dead'],
  dead: [],
};

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
export class Instance implements ChannelListener, ExtensionListener {
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
  private processExited = false;
  private readonly ext: InstanceExtensions;
  /** The runtime asked for its first event (init also waits for the extensions). */
  private runtimeReady = false;
  private stopTimer: NodeJS.Timeout | null = null;
  private userNet: UserNet | null = null;
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
    this.ext = new InstanceExtensions(this, opts.optDir);
    this.channel.extensions = this.ext.hub;
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
    const internet = isolated && this.opts.internetAccess === true;
    const early =
      this.opts.preflight?.() ??
      this.ext.preflight(isolated) ??
      (internet && !findUserNet()
        ? { kind: 'failure' as const, errorType: 'Sandbox.Failure', errorMessage: USERNET_MISSING }
        : null);
    if (early) throw new InitFailure(early, [], 0);
    mkdirSync(this.socketDir, { recursive: true, mode: 0o755 });
    const socketName = 'runtime.sock';
    this.detach = await this.host.rapi.attach(this.channel, path.join(this.socketDir, socketName));
    let runtimeApi = SANDBOX_RUNTIME_API;
    // Extensions know only AWS_LAMBDA_RUNTIME_API too.
    if (!isolated && (this.opts.tcpRuntimeApi || this.ext.launched)) {
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
    const paths = pathsFor(isolated, base);
    const plan = this.opts.plan(paths, { isolated, runtimeApi });
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
        const waiting = this.ext.hub.initWaitingFor();
        this.failStart({
          kind: 'failure',
          errorType: 'Sandbox.Timedout',
          errorMessage: `Init phase timed out after ${secs} seconds${
            waiting.length ? ` (waiting for extensions: ${waiting.join(', ')})` : ''
          }`,
        });
      }, this.opts.initTimeoutMs);
      this.startWaiter = { resolve, reject, timer };
    });
    const child = launch(
      {
        ...base,
        argv: this.ext.argv(plan, paths, this.opts.functionName, isolated),
        env: plan.env,
        cgroup: this.cgroup,
        internet: internet ? { resolvConf: this.writeResolvConf() } : null,
      },
      isolated,
      this.host.isolation.bwrapPath,
    );
    this.child = child;
    if (internet) this.connect(child);
    const splitter = new LineSplitter(
      (text) => this.lines.push({ timestampMs: this.host.clock.now(), text }),
      (id) => this.onMarker(id),
      this.ext.launched ? (text) => this.onExitMarker(text) : undefined,
    );
    child.stdout?.on('data', (c: Buffer) => splitter.push(c));
    child.stdout?.on('end', () => splitter.flush());
    child.on('error', (e) => this.onExit(null, null, e));
    child.on('exit', (code, signal) => this.onExit(code, signal));
    await ready;
    this.initDurationMs = this.host.clock.monotonicMs() - t0;
  }

  /** Gives the sandbox its outbound network; a failure fails init. */
  private connect(child: ChildProcess): void {
    // findUserNet() is non-null here: start() checked it before launching.
    this.userNet = attachUserNet(child, findUserNet() as string);
    this.userNet.ready.catch((e: Error) =>
      this.failStart({
        kind: 'failure',
        errorType: 'Sandbox.Failure',
        errorMessage: `could not give the sandbox internet access: ${e.message}`,
      }),
    );
  }

  /** The sandbox's /etc/resolv.conf when the host's own would not work there (a host file), or null. */
  private writeResolvConf(): string | null {
    const text = sandboxResolvConf();
    if (text === null) return null;
    const file = path.join(this.socketDir, 'resolv.conf');
    writeFileSync(file, text, { mode: 0o644 });
    return file;
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
        if (this.pending?.outcome) {
          // The runtime answered in time; its extensions did not finish: the answer stands.
          this.lines.push({
            timestampMs: this.host.clock.now(),
            text: `Extensions did not finish within ${secs} seconds: ${this.ext.hub.busyNames().join(', ')}`,
          });
          this.stop('timeout');
          this.complete(true);
          return;
        }
        // Stopped first, so the instance never goes back to the pool.
        this.stop('timeout');
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
      this.ext.hub.deliverInvoke(inv);
    });
  }

  /**
   * Stops the instance (reaped, retired, timed out, failed). Extensions subscribed to
   * SHUTDOWN get it with `reason` and up to SHUTDOWN_GRACE_MS to finish; then, or at
   * once when there are none, everything is killed.
   */
  stop(reason: ShutdownReason = 'spindown'): void {
    if (this.killedByUs || this.stateValue === 'dead') return;
    if (this.stateValue === 'starting' || !this.ext.hub.wantsShutdown()) {
      this.kill();
      return;
    }
    this.killedByUs = true;
    this.transition('stopping');
    this.ext.hub.shutdown(reason, this.host.clock.now() + SHUTDOWN_GRACE_MS);
    this.stopTimer = setTimeout(() => this.kill(), SHUTDOWN_GRACE_MS);
    if (this.ext.hub.idle()) this.kill();
  }

  /** Stops the instance at once (SIGKILL to everything it started). */
  kill(): void {
    if (this.stateValue === 'dead' && !this.child) return;
    this.killedByUs = true;
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.cgroup?.killAll();
    const child = this.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        // With extensions the whole process group: without a sandbox they are its members.
        process.kill(this.ext.launched ? -child.pid : child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!child) this.die();
  }

  // ChannelListener

  onReady(): void {
    this.runtimeReady = true;
    this.ext.hub.closeRegistration();
    this.finishInit();
  }

  /** Init is complete once the runtime and every extension wait for their next event. */
  private finishInit(): void {
    const w = this.startWaiter;
    if (!w || this.startFailure || !this.runtimeReady || !this.ext.hub.initDone()) return;
    this.ext.hub.markInitComplete();
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
    p.markerTimer = setTimeout(() => {
      p.markerSeen = true; // waited long enough: what has been read is the log
      this.complete();
    }, MARKER_WAIT_MS);
  }

  // ExtensionListener

  onExtensionProgress(): void {
    if (this.startWaiter) this.finishInit();
    if (this.pending?.outcome) this.complete();
    if (this.stateValue === 'stopping' && this.ext.hub.idle()) this.kill();
  }

  onExtensionFailure(errorType: string, errorMessage: string): void {
    if (this.startWaiter) {
      this.failStart({ kind: 'failure', errorType, errorMessage });
      return;
    }
    const p = this.pending;
    this.stop('failure');
    if (p && !p.outcome) {
      p.outcome = {
        kind: 'failure',
        errorType,
        errorMessage: `RequestId: ${p.requestId} Error: ${errorMessage}`,
      };
    }
    if (p) this.complete(true);
  }

  /** The entry process reports that an extension, or the runtime, ended. */
  private onExitMarker(text: string): void {
    const report = parseExitReport(text);
    if (!report) return;
    if (report.who === 'extension') {
      this.ext.hub.onProcessExit(report.name, report.status);
      return;
    }
    // The runtime ended; the sandbox stays up so the extensions can handle SHUTDOWN.
    if (this.exitInfo) return;
    this.exitInfo = exitFromStatus(report.status);
    this.runtimeEnded();
    this.stop('failure');
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
    this.complete(true);
  }

  /**
   * Ends the pending invocation once the runtime answered, its end marker was read
   * and every extension finished with the INVOKE event; `force`: right now.
   */
  private complete(force = false): void {
    const p = this.pending;
    if (!p?.outcome) return;
    if (!force && ((this.opts.writesMarker && !p.markerSeen) || !this.ext.hub.idle())) return;
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
    return exitFailure(
      {
        exit: this.exitInfo,
        outOfMemory:
          this.cgroup?.oomKilled() === true ||
          this.lines.some((l) => l.text.includes('heap out of memory')),
        memoryMb: this.opts.memoryMb,
      },
      requestId,
    );
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.processExited) return;
    this.processExited = true;
    // Set already when the entry process reported the runtime's own end.
    this.exitInfo ??= { code, signal };
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
      this.runtimeEnded(err);
      this.die();
    });
  }

  /** The runtime is gone: a start still waiting fails, and so does an unanswered invocation. */
  private runtimeEnded(err?: Error): void {
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
      w.reject(new InitFailure(failure, this.takeLines(), this.startPeakBytes || this.peakBytes()));
    }
    const p = this.pending;
    if (p && !p.outcome) {
      // A kill we made for a timeout has already settled; anything else is a crash.
      this.settle(this.exitFailure(p.requestId));
    } else if (p) {
      // Answered, and still waiting for extensions: they are going too.
      this.complete(true);
    }
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
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.userNet?.stop();
    this.channel.close();
    this.ext.hub.close();
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
