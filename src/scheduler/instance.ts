import {
  type ChannelListener,
  type ExtensionListener,
  RuntimeChannel,
  type RuntimeInvocation,
  type RuntimeOutcome,
  type ShutdownReason,
} from '../runtime-api/index.js';
import { findUserNet, parseExitReport, USERNET_MISSING } from '../sandbox/index.js';
import { exitFailure } from './exit-failure.js';
import { exitFromStatus, InstanceExtensions, SHUTDOWN_GRACE_MS } from './instance-extensions.js';
import { InvocationTracker } from './instance-invocation.js';
import { launchSandbox, type StartContext, specialiseSandbox } from './instance-launch.js';
import { InstanceProcess, type ProcessEvents } from './instance-process.js';
import {
  InitFailure,
  type InstanceHost,
  type InstanceOptions,
  type InvokeResult,
  type PlatformFailure,
  type StartType,
} from './instance-types.js';
import type { LogLine } from './log-lines.js';
import type { PooledSandbox } from './pooled-sandbox.js';
import { StartPhases, TRACE_STARTS } from './start-phases.js';

/** `stopping`: extensions handle SHUTDOWN before the instance is killed (never reused). */
export type InstanceState = 'starting' | 'idle' | 'busy' | 'stopping' | 'dead';

const TRANSITIONS: Record<InstanceState, InstanceState[]> = {
  starting: ['idle', 'dead'],
  idle: ['busy', 'stopping', 'dead'],
  busy: ['idle', 'stopping', 'dead'],
  stopping: ['dead'],
  dead: [],
};

/**
 * One sandboxed runtime serving one function: its Runtime API channel, its extensions
 * and its invocations, one at a time. The sandbox itself (process, socket, cgroup) is an
 * InstanceProcess: launched for the instance, or a prewarmed one it is assigned.
 */
export class Instance implements ChannelListener, ExtensionListener {
  private stateValue: InstanceState = 'starting';
  private proc: InstanceProcess;
  private channel: RuntimeChannel;
  private lines: LogLine[] = [];
  private readonly run: InvocationTracker;
  private startWaiter: {
    resolve(): void;
    reject(e: InitFailure): void;
    timer: NodeJS.Timeout;
  } | null = null;
  private ready: Promise<void> = Promise.resolve();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private killedByUs = false;
  private startFailure: PlatformFailure | null = null;
  private startPeakBytes = 0;
  private readonly ext: InstanceExtensions;
  /** The runtime asked for its first event (init also waits for the extensions). */
  private runtimeReady = false;
  private stopTimer: NodeJS.Timeout | null = null;
  private readonly events: ProcessEvents;
  /** Init log, handed to the first invocation. */
  initLines: LogLine[] = [];
  initDurationMs = 0;
  lastUsedMs: number;
  invocations = 0;
  /** How it started: launched for an invocation, assigned a prewarmed sandbox, or provisioned. */
  startType: StartType = 'cold';
  /** Its start's phases, until its first answer. */
  private phases: StartPhases | null = null;

  constructor(
    readonly opts: InstanceOptions,
    private readonly host: InstanceHost,
    /** A prewarmed sandbox to specialise instead of launching one (taken from the pool). */
    private pooled: PooledSandbox | null = null,
  ) {
    this.channel = new RuntimeChannel(this);
    this.ext = new InstanceExtensions(this, opts.optDir);
    this.channel.extensions = this.ext.hub;
    this.events = {
      onLine: (text) => this.lines.push({ timestampMs: this.host.clock.now(), text }),
      onMarker: (id) => this.run.marker(id),
      onExitMarker: (text) => this.onExitMarker(text),
      onExit: (code, signal, err) => this.onExit(code, signal, err),
    };
    this.proc = new InstanceProcess(host, opts.id, this.events);
    this.run = new InvocationTracker({
      clock: host.clock,
      writesMarker: opts.writesMarker,
      extensionsIdle: () => this.ext.hub.idle(),
      takeLines: () => this.takeLines(),
      peakBytes: () => this.proc.peakBytes(),
      onComplete: () => {
        this.lastUsedMs = this.host.clock.monotonicMs();
        // A killed instance stays busy until it is dead: it must not be reused.
        if (this.stateValue === 'busy' && !this.killedByUs) this.transition('idle');
      },
    });
    this.proc.groupKill = this.ext.launched;
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

  /**
   * Starts the runtime and resolves when it asks for its first event: specialises the
   * prewarmed sandbox it was given (falling back to a launch if that sandbox is gone),
   * or launches one.
   */
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
    if (early) {
      this.pooled?.destroy();
      this.pooled = null;
      throw new InitFailure(early, [], 0);
    }
    this.host.starts?.enter();
    const phases = new StartPhases();
    this.phases = phases;
    try {
      const pooled = this.pooled;
      this.pooled = null;
      const start: StartContext = {
        opts: this.opts,
        host: this.host,
        channel: this.channel,
        ext: this.ext,
        armInitTimeout: () => this.armInitTimeout(),
        failStart: (f) => this.failStart(f),
        stopped: () => this.killedByUs,
        phases,
      };
      const adopt = (proc: InstanceProcess) => {
        proc.listen(this.events);
        this.proc = proc;
      };
      if (pooled && (await specialiseSandbox(pooled, start, adopt))) this.startType = 'prewarmed';
      else await launchSandbox(this.proc, start, isolated, internet);
      await this.ready;
      if (this.channel.connectedAtMs !== null) phases.mark('connected', this.channel.connectedAtMs);
      phases.mark('ready');
    } finally {
      this.host.starts?.leave();
    }
    this.initDurationMs = this.host.clock.monotonicMs() - t0;
  }

  /** Arms the init timeout; `ready` settles when init completes or fails. */
  private armInitTimeout(): void {
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.initTimedOut(), this.opts.initTimeoutMs);
      this.startWaiter = { resolve, reject, timer };
    });
  }

  private initTimedOut(): void {
    const secs = (this.opts.initTimeoutMs / 1000).toFixed(2);
    const waiting = this.ext.hub.initWaitingFor();
    this.failStart({
      kind: 'failure',
      errorType: 'Sandbox.Timedout',
      errorMessage: `Init phase timed out after ${secs} seconds${
        waiting.length ? ` (waiting for extensions: ${waiting.join(', ')})` : ''
      }`,
    });
  }

  /** Runs one invocation; never rejects. */
  invoke(inv: RuntimeInvocation, timeoutMs: number): Promise<InvokeResult> {
    this.transition('busy');
    this.invocations++;
    // Lines printed while idle belong to no invocation.
    if (this.lines.length) this.host.onStrayLines(this, this.takeLines());
    const result = this.run.begin(inv.requestId, timeoutMs, () => this.timedOut(inv, timeoutMs));
    if (this.phases) this.traceFirstAnswer(this.phases, result);
    this.channel.deliver(inv);
    this.ext.hub.deliverInvoke(inv);
    return result;
  }

  /** Marks the first answer of a started instance and prints the phases when traced. */
  private traceFirstAnswer(phases: StartPhases, result: Promise<InvokeResult>): void {
    this.phases = null;
    if (!TRACE_STARTS) return;
    void result.then(() => {
      phases.mark('answered');
      process.stderr.write(
        `nimbus: start ${this.opts.functionName} ${this.startType} ${phases.format()}\n`,
      );
    });
  }

  private timedOut(inv: RuntimeInvocation, timeoutMs: number): void {
    const secs = (timeoutMs / 1000).toFixed(2);
    if (this.run.current?.answered) {
      // The runtime answered in time; its extensions did not finish: the answer stands.
      this.lines.push({
        timestampMs: this.host.clock.now(),
        text: `Extensions did not finish within ${secs} seconds: ${this.ext.hub.busyNames().join(', ')}`,
      });
      this.stop('timeout');
      this.run.complete(true);
      return;
    }
    // Stopped first, so the instance never goes back to the pool.
    this.stop('timeout');
    this.run.fail({
      kind: 'failure',
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${inv.requestId} Error: Task timed out after ${secs} seconds`,
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
    if (this.stateValue === 'dead' && !this.proc.child) return;
    this.killedByUs = true;
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.pooled?.destroy();
    this.pooled = null;
    if (!this.proc.kill()) this.die();
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
    this.run.answer(requestId, outcome);
  }

  onLogText(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.events.onLine(text.slice(start, nl));
      start = nl + 1;
    }
    if (start < text.length) this.events.onLine(text.slice(start));
  }

  // ExtensionListener

  onExtensionProgress(): void {
    if (this.startWaiter) this.finishInit();
    this.run.complete();
    if (this.stateValue === 'stopping' && this.ext.hub.idle()) this.kill();
  }

  onExtensionFailure(errorType: string, errorMessage: string): void {
    if (this.startWaiter) {
      this.failStart({ kind: 'failure', errorType, errorMessage });
      return;
    }
    this.stop('failure');
    this.run.failWith((requestId) => ({
      kind: 'failure',
      errorType,
      errorMessage: `RequestId: ${requestId} Error: ${errorMessage}`,
    }));
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

  private takeLines(): LogLine[] {
    const l = this.lines;
    this.lines = [];
    return l;
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
    this.startPeakBytes = this.proc.peakBytes();
    if (this.exitInfo) return; // already exited: onExit settles
    this.kill();
  }

  private exitFailure(requestId: string | null): PlatformFailure {
    return exitFailure(
      {
        exit: this.exitInfo,
        outOfMemory:
          this.proc.cgroup?.oomKilled() === true ||
          this.lines.some((l) => l.text.includes('heap out of memory')),
        memoryMb: this.opts.memoryMb,
      },
      requestId,
    );
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    // Set already when the entry process reported the runtime's own end.
    this.exitInfo ??= { code, signal };
    this.runtimeEnded(err);
    this.die();
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
      w.reject(
        new InitFailure(failure, this.takeLines(), this.startPeakBytes || this.proc.peakBytes()),
      );
    }
    const cur = this.run.current;
    // A kill we made for a timeout has already settled; anything else is a crash.
    if (cur && !cur.answered) this.run.fail(this.exitFailure(cur.requestId));
    // Answered, and still waiting for extensions: they are going too.
    else if (cur) this.run.complete(true);
  }

  private die(): void {
    if (this.stateValue === 'dead') return;
    this.stateValue = 'dead';
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.channel.close();
    this.ext.hub.close();
    this.proc.teardown();
    const stray = this.takeLines();
    if (stray.length) this.host.onStrayLines(this, stray);
    this.host.onDeath(this);
  }

  /** The pid of the instance's outermost process (the sandbox launcher), if started. */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Memory the instance's sandbox uses now (its cgroup's), for reaping under pressure. */
  usageBytes(): number {
    return this.proc.cgroup?.usageBytes() ?? 0;
  }

  /** Whether the process was ended by Nimbus (timeout, reap, shutdown) rather than by itself. */
  get killed(): boolean {
    return this.killedByUs;
  }
}
