import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RuntimeApiServer, RuntimeChannel } from '../runtime-api/index.js';
import {
  attachUserNet,
  type CodeSlot,
  findUserNet,
  type InstanceCgroup,
  type IsolationInfo,
  launch,
  SANDBOX_RUNTIME_API,
  type SandboxSpec,
  sandboxResolvConf,
  type UserNet,
} from '../sandbox/index.js';
import type { Clock } from '../shared/clock.js';
import { LineSplitter } from './log-lines.js';
import { processTreePeakBytes } from './proc-memory.js';

/** How long to wait for the last output after the process exited. */
const EXIT_DRAIN_MS = 300;

/** The name of every instance's Runtime API socket in its socket folder. */
export const SOCKET_NAME = 'runtime.sock';

/** What a sandbox process needs from the server. */
export interface ProcessHost {
  isolation: IsolationInfo;
  rapi: RuntimeApiServer;
  /** Folder under which each instance gets its socket folder. */
  runDir: string;
  tmpSizeMb: number;
  /** Host folder holding the socket of Nimbus's own AWS endpoint, mounted in every sandbox. */
  awsSocketDir?: string | null;
  clock: Clock;
}

/** What the owner of a sandbox process hears from it; swapped when a prewarmed one is assigned. */
export interface ProcessEvents {
  /** An ordinary output line. */
  onLine(text: string): void;
  /** An end-of-invocation marker. */
  onMarker(requestId: string): void;
  /** A `\0NIMBUS-EXIT` marker (only processes with extensions write them). */
  onExitMarker?(text: string): void;
  /** A prewarmed runtime is loaded and waits for its assignment. */
  onPooled?(): void;
  /** The process ended (after its output was drained). */
  onExit(code: number | null, signal: NodeJS.Signals | null, err?: Error): void;
}

/**
 * One sandbox's host side: its socket folder and Runtime API socket, its cgroup, its
 * process and output, its outbound network, and (prewarmed) its code slot. Whoever owns
 * it (a prewarmed pool entry, then an instance) gets its events.
 */
export class InstanceProcess {
  readonly socketDir: string;
  cgroup: InstanceCgroup | null = null;
  child: ChildProcess | null = null;
  /** The slot a prewarmed sandbox's code is placed in. */
  slot: CodeSlot | null = null;
  /** Kill the whole process group (extensions without a sandbox are its members). */
  groupKill = false;
  private detachApi: (() => void) | null = null;
  private userNet: UserNet | null = null;
  private exited = false;
  private tornDown = false;

  constructor(
    private readonly host: ProcessHost,
    readonly id: string,
    private events: ProcessEvents,
  ) {
    this.socketDir = path.join(host.runDir, id);
  }

  get isolated(): boolean {
    return this.host.isolation.kind === 'bwrap';
  }

  /** From now on `events` hear what the process does. */
  listen(events: ProcessEvents): void {
    this.events = events;
  }

  /** Creates the socket folder (mounted at /run/nimbus in the sandbox). */
  prepare(): void {
    mkdirSync(this.socketDir, { recursive: true, mode: 0o755 });
  }

  /**
   * Serves `channel` on the instance's socket; with `tcp` also on a 127.0.0.1 port (no
   * sandbox: custom runtimes and extensions know only AWS_LAMBDA_RUNTIME_API). Returns
   * the address for AWS_LAMBDA_RUNTIME_API.
   */
  async attach(channel: RuntimeChannel, tcp: boolean): Promise<string> {
    this.prepare();
    const detachSocket = await this.host.rapi.attach(
      channel,
      path.join(this.socketDir, SOCKET_NAME),
    );
    // Torn down meanwhile (its owner was stopped): nothing may stay attached.
    if (this.tornDown) {
      detachSocket();
      throw new Error('the sandbox was torn down while it started');
    }
    this.detachApi = detachSocket;
    if (!tcp) return SANDBOX_RUNTIME_API;
    const port = await this.host.rapi.attachTcp(channel);
    if (this.tornDown) {
      detachSocket();
      port.stop();
      throw new Error('the sandbox was torn down while it started');
    }
    this.detachApi = () => {
      detachSocket();
      port.stop();
    };
    return port.address;
  }

  /** Creates the cgroup with these limits (throws when it cannot). */
  createCgroup(memoryBytes: number): void {
    this.cgroup =
      this.host.isolation.cgroup?.create(this.id, { memoryBytes, pidsMax: 1024 }) ?? null;
  }

  /**
   * Starts the process. `internet`: give it outbound network (a failure is reported
   * through `onNetFailure`); `exitMarkers`: it writes `\0NIMBUS-EXIT` markers.
   * `spec.codeDir`/`spec.optDir` are the host folders bound at /var/task and /opt.
   */
  launch(
    spec: Omit<
      SandboxSpec,
      | 'instanceId'
      | 'socketDir'
      | 'socketName'
      | 'cgroup'
      | 'internet'
      | 'tmpSizeMb'
      | 'awsSocketDir'
    >,
    opts: {
      internet: boolean;
      exitMarkers: boolean;
      /** A prewarmed sandbox: it writes `\0NIMBUS-POOLED` and reads its assignment on stdin. */
      pooled?: boolean;
      onNetFailure?(e: Error): void;
    },
  ): ChildProcess {
    const isolated = this.isolated;
    const internet = isolated && opts.internet;
    const child = launch(
      {
        ...spec,
        tmpSizeMb: this.host.tmpSizeMb,
        awsSocketDir: this.host.awsSocketDir ?? null,
        instanceId: this.id,
        socketDir: this.socketDir,
        socketName: SOCKET_NAME,
        cgroup: this.cgroup,
        internet: internet ? { resolvConf: this.writeResolvConf() } : null,
        stdinPipe: opts.pooled === true,
      },
      isolated,
      this.host.isolation.bwrapPath,
    );
    this.child = child;
    if (internet) {
      // start() checked findUserNet() before launching.
      this.userNet = attachUserNet(child, findUserNet() as string);
      this.userNet.ready.catch((e: Error) => opts.onNetFailure?.(e));
    }
    const splitter = new LineSplitter(
      (text) => this.events.onLine(text),
      (id) => this.events.onMarker(id),
      opts.exitMarkers ? (text) => this.events.onExitMarker?.(text) : undefined,
      opts.pooled ? () => this.events.onPooled?.() : undefined,
    );
    child.stdout?.on('data', (c: Buffer) => splitter.push(c));
    child.stdout?.on('end', () => splitter.flush());
    child.stdin?.on('error', () => undefined); // the sandbox went away first
    child.on('error', (e) => this.onExit(null, null, e));
    child.on('exit', (code, signal) => this.onExit(code, signal));
    return child;
  }

  /** The sandbox's /etc/resolv.conf when the host's own would not work there (a host file), or null. */
  private writeResolvConf(): string | null {
    const text = sandboxResolvConf();
    if (text === null) return null;
    const file = path.join(this.socketDir, 'resolv.conf');
    writeFileSync(file, text, { mode: 0o644 });
    return file;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.exited) return;
    this.exited = true;
    const stdout = this.child?.stdout;
    const drained = new Promise<void>((resolve) => {
      if (!stdout || stdout.readableEnded) return resolve();
      const t = setTimeout(resolve, EXIT_DRAIN_MS);
      stdout.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    void drained.then(() => this.events.onExit(code, signal, err));
  }

  /** True once the process has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** SIGKILLs everything the process started. Returns false when there was no process. */
  kill(): boolean {
    this.cgroup?.killAll();
    const child = this.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(this.groupKill ? -child.pid : child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return child !== null;
  }

  /** Releases everything the process held; idempotent. */
  teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.userNet?.stop();
    this.detachApi?.();
    this.detachApi = null;
    if (this.cgroup) {
      this.cgroup.killAll();
      const cg = this.cgroup;
      // The kernel frees the group only once its last process is reaped.
      setTimeout(() => cg.remove(), 50).unref();
    }
    this.slot?.release();
    rmSync(this.socketDir, { recursive: true, force: true });
  }

  /** Highest memory use of the sandbox so far. */
  peakBytes(): number {
    if (this.cgroup) return this.cgroup.peakBytes();
    return this.child?.pid ? processTreePeakBytes(this.child.pid) : 0;
  }

  /** The pid of the outermost process (the sandbox launcher), if started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }
}
