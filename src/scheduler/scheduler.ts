import type { Clock } from '../shared/clock.js';
import type { FunctionRecord } from '../store/types.js';
import { Admission } from './admission.js';
import type { Instance } from './instance.js';
import { type Load, RunQueue } from './run-queue.js';

/** What the scheduler needs to know about the function an invocation is for. */
export interface PoolTarget {
  /** Function, version and revision: instances are only reused for the same key. */
  poolKey: string;
  /** The function's name: concurrency is counted per function, across versions. */
  functionName: string;
  /** Reserved concurrency, or null for the server's per-function default. */
  reservedConcurrency: number | null;
  /** The configuration instances of this pool are started with. */
  fn: FunctionRecord;
  /** The qualifier the caller named (for throttle metrics). */
  qualifier?: string | undefined;
}

export interface SchedulerOptions {
  clock: Clock;
  /** Concurrent invocations across all functions. */
  maxConcurrency: number;
  /** Concurrent invocations per function when it has no reserved concurrency. */
  functionMaxConcurrency: number;
  idleTtlMs: number;
  /**
   * Invocations the node runs at once before one that finds no idle instance may wait for a
   * busy one instead of starting another (RunQueue); 0 or absent: never wait.
   */
  runSlots?: number;
  /**
   * Creates (but does not start) an instance for a target: for an invocation
   * (`on-demand`) or ahead of traffic (`provisioned-concurrency`).
   */
  createInstance(
    target: PoolTarget,
    initializationType: 'on-demand' | 'provisioned-concurrency',
  ): Instance;
  /** Told of each invocation refused by the concurrency limits (metrics). */
  onThrottle?: (target: PoolTarget) => void;
}

interface Pool {
  idle: Instance[];
  /** Idle provisioned instances: taken before any other, never reaped for idleness. */
  provisionedIdle: Instance[];
  all: Set<Instance>;
}

export interface Lease {
  instance: Instance;
  /** True when the instance was started for this invocation. */
  cold: boolean;
  /** How long the invocation waited for an instance of its pool (run slots full). */
  queuedMs?: number;
}

/** Whether an instance was started ahead of traffic for provisioned concurrency. */
function isProvisioned(inst: Instance): boolean {
  return inst.startType === 'provisioned';
}

/**
 * Places invocations on instances: a warm idle instance of the same function
 * revision if there is one, else a new one, within the concurrency limits.
 * Sync callers are throttled (429) rather than queued, as Lambda does.
 */
export class Scheduler {
  private readonly pools = new Map<string, Pool>();
  /** Instances (warm or starting) per function, and in all: kept so no lookup scans the pools. */
  private readonly instancesByFunction = new Map<string, number>();
  private instanceTotal = 0;
  private readonly admission: Admission;
  /** Pool keys that are stale (function updated or deleted): their instances retire. */
  private readonly retired = new Set<string>();
  /** Instances started with settings that changed since (a service's): they stop after use. */
  private readonly recycled = new WeakSet<Instance>();
  private reaper: NodeJS.Timeout | null = null;
  private readonly runQueue: RunQueue | null;
  /** When each leased instance was taken, and whether it was started for it. */
  private readonly leases = new WeakMap<Instance, { atMs: number; cold: boolean }>();

  constructor(private readonly opts: SchedulerOptions) {
    this.admission = new Admission(opts);
    this.runQueue = opts.runSlots ? new RunQueue(opts.runSlots, opts.clock) : null;
  }

  /** Starts the idle reaper. */
  start(): void {
    const every = Math.max(1000, Math.min(30_000, Math.floor(this.opts.idleTtlMs / 4)));
    this.reaper = setInterval(() => this.reapIdle(), every);
    this.reaper.unref();
  }

  /** Sum of all functions' reserved concurrency: capacity other functions may not use. */
  setReservedTotal(n: number): void {
    this.admission.reservedTotal = n;
  }

  /**
   * Takes an instance for one invocation. A new instance is returned unstarted
   * (`cold: true`): the caller starts it, so its init is part of the invocation.
   */
  acquire(target: PoolTarget): Lease {
    this.admission.admit(target);
    const pool = this.pool(target.poolKey);
    const warm = takeIdle(pool);
    return warm ? this.leased(warm, false) : this.coldLease(target, pool);
  }

  /**
   * `acquire`, except that when the node already runs as many invocations as it has run
   * slots and no instance of the pool is idle, the invocation may first wait a bounded time
   * for one of the pool's busy instances (RunQueue weighs that against a cold start). A
   * waiting invocation is not yet a concurrent execution: it is admitted when it gets an
   * instance (or gives up waiting and starts one), so 429 still means the limits are
   * reached. `queuedMs` says how long it waited; `timeoutMs` (the function's) bounds it.
   */
  place(target: PoolTarget, timeoutMs: number): Lease | Promise<Lease> {
    const q = this.runQueue;
    if (!q) return this.acquire(target);
    const pool = this.pool(target.poolKey);
    const queued = q.hasWaiters(target.poolKey);
    if (!queued && (pool.idle.length > 0 || pool.provisionedIdle.length > 0)) {
      return this.acquire(target);
    }
    const budget =
      queued || this.admission.busyTotal >= q.slots
        ? q.waitBudgetMs(target.poolKey, this.loadOf(pool, timeoutMs))
        : null;
    if (budget === null) return this.acquire(target);
    const t0 = q.now();
    return q.wait(target.poolKey, budget, target).then((inst) => {
      const queuedMs = q.now() - t0;
      if (inst) return { ...this.leased(inst, false), queuedMs };
      return { ...this.acquire(target), queuedMs };
    });
  }

  private loadOf(pool: Pool, timeoutMs: number): Load {
    let busyInPool = 0;
    let startingInPool = 0;
    for (const inst of pool.all) {
      if (inst.state === 'busy') busyInPool++;
      else if (inst.state === 'starting') startingInPool++;
    }
    return { running: this.admission.busyTotal + 1, busyInPool, startingInPool, timeoutMs };
  }

  private leased(instance: Instance, cold: boolean): Lease {
    if (this.runQueue) this.leases.set(instance, { atMs: this.runQueue.now(), cold });
    return { instance, cold };
  }

  /** A new, unstarted instance for an admitted invocation (admission undone if it cannot be made). */
  private coldLease(target: PoolTarget, pool: Pool): Lease {
    this.makeRoom();
    let instance: Instance;
    try {
      instance = this.opts.createInstance(target, 'on-demand');
    } catch (e) {
      this.admission.unadmit(target);
      throw e;
    }
    this.add(pool, target.functionName, instance);
    return this.leased(instance, true);
  }

  /**
   * A new instance for provisioned concurrency (unstarted; it counts as one of its
   * function's instances). Once started, `offerProvisioned` makes it available.
   */
  createProvisioned(target: PoolTarget): Instance {
    const instance = this.opts.createInstance(target, 'provisioned-concurrency');
    this.add(this.pool(target.poolKey), target.functionName, instance);
    return instance;
  }

  /** A started provisioned instance waits for invocations (ahead of on-demand ones). */
  offerProvisioned(instance: Instance): void {
    const pool = this.pools.get(instance.opts.poolKey);
    if (!pool || instance.state !== 'idle' || this.retired.has(instance.opts.poolKey)) {
      instance.stop();
      return;
    }
    pool.provisionedIdle.push(instance);
  }

  /** Stops an instance as soon as it is idle (provisioned capacity was lowered). */
  retireInstance(instance: Instance): void {
    this.recycled.add(instance);
    const pool = this.pools.get(instance.opts.poolKey);
    const i = pool ? pool.provisionedIdle.indexOf(instance) : -1;
    if (pool && i >= 0) {
      pool.provisionedIdle.splice(i, 1);
      instance.stop();
    } else if (instance.state === 'starting') {
      instance.stop();
    }
  }

  /** Returns an instance after its invocation; dead or stale instances are dropped. */
  release(target: PoolTarget, instance: Instance): void {
    this.admission.unadmit(target);
    const q = this.runQueue;
    const lease = q ? this.leases.get(instance) : undefined;
    if (q && lease) q.observe(target.poolKey, q.now() - lease.atMs, lease.cold);
    const pool = this.pools.get(target.poolKey);
    if (
      instance.state !== 'idle' ||
      !pool ||
      this.retired.has(target.poolKey) ||
      this.recycled.has(instance)
    ) {
      instance.stop();
      q?.wakeOne(target.poolKey);
      return;
    }
    // Handed straight to the oldest invocation waiting for this pool, admitted now.
    for (let w = q?.takeWaiter(target.poolKey); w; w = q?.takeWaiter(target.poolKey)) {
      try {
        this.admission.admit(w.target);
      } catch (e) {
        w.fail(e);
        continue;
      }
      w.settle(instance);
      return;
    }
    if (isProvisioned(instance)) pool.provisionedIdle.push(instance);
    else pool.idle.push(instance);
  }

  /** Called by an instance when it dies, to forget it. */
  forget(instance: Instance): void {
    const pool = this.pools.get(instance.opts.poolKey);
    if (!pool) return;
    if (pool.all.delete(instance)) {
      const fn = instance.opts.functionName;
      const n = (this.instancesByFunction.get(fn) ?? 1) - 1;
      if (n <= 0) this.instancesByFunction.delete(fn);
      else this.instancesByFunction.set(fn, n);
      this.instanceTotal--;
    }
    const list = isProvisioned(instance) ? pool.provisionedIdle : pool.idle;
    const i = list.indexOf(instance);
    if (i >= 0) list.splice(i, 1);
    if (pool.all.size === 0) {
      this.pools.delete(instance.opts.poolKey);
      this.retired.delete(instance.opts.poolKey);
      this.runQueue?.drop(instance.opts.poolKey);
    }
    // Someone may have been waiting for it: they start an instance of their own now.
    this.runQueue?.wakeOne(instance.opts.poolKey);
  }

  /**
   * Retires the pools whose key starts with `prefix` (`name:` for a whole
   * function, `name:version:` for one version) except `keepKey`: idle instances
   * stop now, busy ones when their invocation ends. After this, no new
   * invocation lands on old code or configuration.
   */
  retire(prefix: string, keepKey?: string): void {
    for (const [key, pool] of this.pools) {
      if (!key.startsWith(prefix) || key === keepKey) continue;
      this.retired.add(key);
      for (const inst of pool.idle.splice(0)) inst.stop();
      for (const inst of pool.provisionedIdle.splice(0)) inst.stop();
    }
  }

  /**
   * Replaces the instances of the pools whose key starts with `prefix` (a service's
   * env or network changed): idle ones stop now, busy ones after their invocation.
   * Unlike `retire`, the pools stay: the next invocation starts a fresh instance.
   */
  recycle(prefix: string): void {
    for (const [key, pool] of this.pools) {
      if (!key.startsWith(prefix)) continue;
      for (const inst of pool.idle.splice(0)) inst.stop();
      for (const inst of pool.provisionedIdle.splice(0)) inst.stop();
      for (const inst of pool.all) this.recycled.add(inst);
    }
  }

  /** Instances of a function (all versions), warm or starting. */
  instanceCount(functionName: string): number {
    return this.instancesByFunction.get(functionName) ?? 0;
  }

  /** Instance counts for /health and metrics. */
  stats(): { instances: number; idle: number; busy: number; provisioned: number } {
    let instances = 0;
    let idle = 0;
    let provisioned = 0;
    for (const p of this.pools.values()) {
      instances += p.all.size;
      idle += p.idle.length + p.provisionedIdle.length;
      for (const inst of p.all) if (isProvisioned(inst)) provisioned++;
    }
    return { instances, idle, busy: this.admission.busyTotal, provisioned };
  }

  /**
   * The host is short of memory: stops idle instances, least recently used first, until
   * about `bytes` are freed (each counts what its cgroup uses, at least `minBytes`).
   * Busy instances are never stopped; provisioned ones only when no other idle one is
   * left. Returns how many were stopped.
   */
  reapForMemory(bytes: number, minBytes = 16 * 1024 * 1024): number {
    const byAge = (a: Instance, b: Instance) => a.lastUsedMs - b.lastUsedMs;
    const pools = [...this.pools.values()];
    const order = [
      ...pools.flatMap((p) => p.idle).sort(byAge),
      ...pools.flatMap((p) => p.provisionedIdle).sort(byAge),
    ];
    let freed = 0;
    let n = 0;
    for (const inst of order) {
      if (freed >= bytes) break;
      if (inst.state !== 'idle') continue;
      freed += Math.max(minBytes, inst.usageBytes());
      const pool = this.pools.get(inst.opts.poolKey);
      for (const list of pool ? [pool.idle, pool.provisionedIdle] : []) {
        const i = list.indexOf(inst);
        if (i >= 0) list.splice(i, 1);
      }
      inst.stop();
      n++;
    }
    return n;
  }

  /** Stops idle instances unused for longer than the TTL (extensions get SHUTDOWN, reason spindown). */
  reapIdle(): number {
    const cutoff = this.opts.clock.monotonicMs() - this.opts.idleTtlMs;
    let n = 0;
    for (const pool of this.pools.values()) {
      const keep: Instance[] = [];
      for (const inst of pool.idle) {
        if (inst.lastUsedMs < cutoff) {
          inst.stop();
          n++;
        } else keep.push(inst);
      }
      pool.idle = keep;
    }
    return n;
  }

  /**
   * Keeps the instance count within the concurrency limit by stopping the least recently
   * used idle one. Only at the limit does it look through the pools.
   */
  private makeRoom(): void {
    if (this.instanceTotal < this.opts.maxConcurrency) return;
    let oldest: { pool: Pool; inst: Instance } | null = null;
    for (const pool of this.pools.values()) {
      const first = pool.idle[0];
      if (first && (!oldest || first.lastUsedMs < oldest.inst.lastUsedMs))
        oldest = { pool, inst: first };
    }
    if (oldest) {
      oldest.pool.idle.shift();
      oldest.inst.stop();
    }
  }

  private add(pool: Pool, functionName: string, instance: Instance): void {
    pool.all.add(instance);
    const n = (this.instancesByFunction.get(functionName) ?? 0) + 1;
    this.instancesByFunction.set(functionName, n);
    this.instanceTotal++;
  }

  private pool(key: string): Pool {
    let p = this.pools.get(key);
    if (!p) {
      p = { idle: [], provisionedIdle: [], all: new Set() };
      this.pools.set(key, p);
    }
    return p;
  }

  /** Stops every instance (server shutdown; extensions get SHUTDOWN first). */
  shutdown(): void {
    if (this.reaper) clearInterval(this.reaper);
    for (const pool of this.pools.values()) for (const inst of pool.all) inst.stop();
  }

  /** All instances, for shutdown waits. */
  instances(): Instance[] {
    return [...this.pools.values()].flatMap((p) => [...p.all]);
  }
}

/** The warmest idle instance of the pool: provisioned first, then most recently used. */
function takeIdle(pool: Pool): Instance | undefined {
  let warm = pool.provisionedIdle.pop();
  while (warm && (warm.state !== 'idle' || warm.killed)) warm = pool.provisionedIdle.pop();
  if (warm) return warm;
  warm = pool.idle.pop();
  // An idle instance that failed on its own (an extension crashed) is on its way out.
  while (warm && (warm.state !== 'idle' || warm.killed)) warm = pool.idle.pop();
  return warm;
}
