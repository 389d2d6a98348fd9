import type { PlacementMode, SlotArea } from '../sandbox/index.js';
import type { ProcessHost } from './instance-process.js';
import { PooledSandbox, type PoolSpec } from './pooled-sandbox.js';
import type { StartGate } from './start-gate.js';

export interface PrewarmPoolOptions {
  /** Sandboxes kept ready per key (runtime, and memory size for Node); 0 turns the pool off. */
  size: number;
  host: ProcessHost;
  area: SlotArea;
  /** Real cold starts in flight: the pool starts nothing while there are any. */
  starts: StartGate;
  /** A new sandbox id (its socket folder, cgroup and slot are named after it). */
  newId(): string;
  /** True while the host is short of memory: nothing is started then. */
  lowMemory?(): boolean;
  /** How long a sandbox may take to get ready. */
  readyTimeoutMs?: number;
  /** Where the pool says why it stopped filling a key. */
  log?(line: string): void;
}

interface KeyState {
  spec: PoolSpec;
  ready: PooledSandbox[];
  /** Failed starts in a row; the key is left alone after MAX_FAILURES. */
  failures: number;
  lastUsedMs: number;
}

/** Consecutive failed starts after which a key is no longer filled. */
const MAX_FAILURES = 3;
/** Keys filled at once; the least recently used one is dropped for a new one. */
const MAX_KEYS = 8;
/** How long after the last start in flight a refill begins. */
const REFILL_DELAY_MS = 50;
/** How long to wait before trying again while memory is short. */
const RETRY_MS = 1000;

/**
 * The prewarm pool: started, generic sandboxes per runtime (the SOCK "zygote" idea,
 * DESIGN §4.7), handed out one per cold start and refilled in the background. A key is
 * filled once a function of it has been started since the server started. Refilling
 * starts one sandbox at a time, at low priority, and only while no real cold start is in
 * flight, so it never slows one down. A sandbox leaves the pool for good when taken.
 */
export class PrewarmPool {
  private readonly keys = new Map<string, KeyState>();
  private starting: PooledSandbox | null = null;
  private waiting = false;
  private closed = false;
  private mode: Promise<PlacementMode> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: PrewarmPoolOptions) {}

  get enabled(): boolean {
    return this.opts.size > 0 && !this.closed && this.opts.host.isolation.kind === 'bwrap';
  }

  /**
   * A ready sandbox for `spec`'s key, taken out of the pool, or null when there is none
   * (the first call for a key only marks it for filling).
   */
  take(spec: PoolSpec): PooledSandbox | null {
    if (!this.enabled) return null;
    let k = this.keys.get(spec.key);
    if (!k) {
      k = { spec, ready: [], failures: 0, lastUsedMs: 0 };
      this.keys.set(spec.key, k);
      this.dropExtraKeys();
    }
    k.lastUsedMs = this.opts.host.clock.monotonicMs();
    let found: PooledSandbox | null = null;
    for (let p = k.ready.shift(); p; p = k.ready.shift()) {
      if (p.state === 'ready') {
        found = p;
        break;
      }
    }
    this.fill();
    return found;
  }

  private dropExtraKeys(): void {
    while (this.keys.size > MAX_KEYS) {
      let oldest: [string, KeyState] | null = null;
      for (const e of this.keys) if (!oldest || e[1].lastUsedMs < oldest[1].lastUsedMs) oldest = e;
      if (!oldest) return;
      this.keys.delete(oldest[0]);
      for (const p of oldest[1].ready) p.destroy();
    }
  }

  /** Starts the next sandbox the pool lacks, if any, once nothing more important runs. */
  private fill(): void {
    if (!this.enabled || this.starting || this.waiting || this.retryTimer) return;
    const k = this.neediest();
    if (!k) return;
    if (this.opts.lowMemory?.()) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.fill();
      }, RETRY_MS);
      this.retryTimer.unref();
      return;
    }
    this.waiting = true;
    this.opts.starts.whenIdle(() => {
      // A moment more: the start that just ended still runs its first invocation.
      const timer = setTimeout(() => {
        this.waiting = false;
        if (this.opts.starts.idle) void this.startOne(k);
        else this.fill();
      }, REFILL_DELAY_MS);
      timer.unref();
    });
  }

  /** The filled key with the fewest ready sandboxes below the size. */
  private neediest(): KeyState | null {
    let best: KeyState | null = null;
    for (const k of this.keys.values()) {
      if (k.failures >= MAX_FAILURES || k.ready.length >= this.opts.size) continue;
      if (!best || k.ready.length < best.ready.length) best = k;
    }
    return best;
  }

  private async startOne(k: KeyState): Promise<void> {
    if (!this.enabled || this.starting) return;
    this.mode ??= this.opts.area.init(this.opts.host.isolation.bwrapPath);
    await this.mode;
    const p = new PooledSandbox(k.spec, this.opts.host, this.opts.area, this.opts.newId(), (gone) =>
      this.forget(gone),
    );
    this.starting = p;
    try {
      await p.start(this.opts.readyTimeoutMs ?? 10_000);
      k.failures = 0;
      if (this.closed || this.keys.get(k.spec.key) !== k) p.destroy();
      else k.ready.push(p);
    } catch (e) {
      k.failures++;
      if (k.failures === MAX_FAILURES) {
        this.opts.log?.(
          `prewarm pool: no longer prewarming ${k.spec.key}: ${(e as Error).message}`,
        );
      }
    } finally {
      this.starting = null;
    }
    this.fill();
  }

  /** A waiting sandbox died: it leaves the pool (and is replaced). */
  private forget(p: PooledSandbox): void {
    const k = this.keys.get(p.spec.key);
    const i = k ? k.ready.indexOf(p) : -1;
    if (k && i >= 0) {
      k.ready.splice(i, 1);
      this.fill();
    }
  }

  /** Ready sandboxes and the one starting, for /health. */
  stats(): { ready: number; starting: number } {
    let ready = 0;
    for (const k of this.keys.values()) ready += k.ready.length;
    return { ready, starting: this.starting ? 1 : 0 };
  }

  /** Memory used by the waiting sandboxes (their cgroups'). */
  usageBytes(): number {
    let n = 0;
    for (const k of this.keys.values())
      for (const p of k.ready) n += p.proc.cgroup?.usageBytes() ?? 0;
    return n;
  }

  /** Stops every waiting sandbox (the host is short of memory); they are refilled later. */
  drain(): number {
    let n = 0;
    for (const k of this.keys.values()) {
      for (const p of k.ready.splice(0)) {
        p.destroy();
        n++;
      }
    }
    this.starting?.destroy();
    if (n > 0) this.fill();
    return n;
  }

  /** Stops everything and waits until the slots are gone. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const going = [...this.keys.values()].flatMap((k) => k.ready.splice(0));
    if (this.starting) going.push(this.starting);
    for (const p of going) p.destroy();
    this.keys.clear();
    // Their cgroups and slots go once their processes have exited (bounded wait).
    await Promise.race([
      Promise.all(going.map((p) => p.done)),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    await this.opts.area.close();
  }
}
