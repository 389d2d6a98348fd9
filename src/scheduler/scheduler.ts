import type { Clock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';
import type { FunctionRecord } from '../store/types.js';
import type { Instance } from './instance.js';

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
}

export interface SchedulerOptions {
  clock: Clock;
  /** Concurrent invocations across all functions. */
  maxConcurrency: number;
  /** Concurrent invocations per function when it has no reserved concurrency. */
  functionMaxConcurrency: number;
  idleTtlMs: number;
  /** Creates (but does not start) an instance for a target. */
  createInstance(target: PoolTarget): Instance;
}

interface Pool {
  idle: Instance[];
  all: Set<Instance>;
}

export interface Lease {
  instance: Instance;
  /** True when the instance was started for this invocation. */
  cold: boolean;
}

/**
 * Places invocations on instances: a warm idle instance of the same function
 * revision if there is one, else a new one, within the concurrency limits.
 * Sync callers are throttled (429) rather than queued, as Lambda does.
 */
export class Scheduler {
  private readonly pools = new Map<string, Pool>();
  private readonly busyByFunction = new Map<string, number>();
  private busyTotal = 0;
  private busyUnreserved = 0;
  private reservedTotal = 0;
  /** Pool keys that are stale (function updated or deleted): their instances retire. */
  private readonly retired = new Set<string>();
  /** Instances started with settings that changed since (a service's): they stop after use. */
  private readonly recycled = new WeakSet<Instance>();
  private reaper: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SchedulerOptions) {}

  /** Starts the idle reaper. */
  start(): void {
    const every = Math.max(1000, Math.min(30_000, Math.floor(this.opts.idleTtlMs / 4)));
    this.reaper = setInterval(() => this.reapIdle(), every);
    this.reaper.unref();
  }

  /** Sum of all functions' reserved concurrency: capacity other functions may not use. */
  setReservedTotal(n: number): void {
    this.reservedTotal = n;
  }

  /** Counts the invocation against the limits or throws TooManyRequestsException. */
  private admit(target: PoolTarget): void {
    const busy = this.busyByFunction.get(target.functionName) ?? 0;
    const reserved = target.reservedConcurrency;
    if (reserved !== null) {
      if (busy >= reserved) throw throttled('ReservedFunctionConcurrentInvocationLimitExceeded');
    } else if (
      busy >= this.opts.functionMaxConcurrency ||
      this.busyUnreserved >= this.opts.maxConcurrency - this.reservedTotal
    ) {
      throw throttled('ConcurrentInvocationLimitExceeded');
    }
    this.busyByFunction.set(target.functionName, busy + 1);
    this.busyTotal++;
    if (reserved === null) this.busyUnreserved++;
  }

  private unadmit(target: PoolTarget): void {
    const busy = (this.busyByFunction.get(target.functionName) ?? 1) - 1;
    if (busy <= 0) this.busyByFunction.delete(target.functionName);
    else this.busyByFunction.set(target.functionName, busy);
    this.busyTotal--;
    if (target.reservedConcurrency === null) this.busyUnreserved--;
  }

  /**
   * Takes an instance for one invocation. A new instance is returned unstarted
   * (`cold: true`): the caller starts it, so its init is part of the invocation.
   */
  acquire(target: PoolTarget): Lease {
    this.admit(target);
    const pool = this.pool(target.poolKey);
    // Most recently used first: it is the warmest.
    let warm = pool.idle.pop();
    // An idle instance that failed on its own (an extension crashed) is on its way out.
    while (warm && (warm.state !== 'idle' || warm.killed)) warm = pool.idle.pop();
    if (warm) return { instance: warm, cold: false };
    this.makeRoom();
    const instance = this.opts.createInstance(target);
    pool.all.add(instance);
    return { instance, cold: true };
  }

  /** Returns an instance after its invocation; dead or stale instances are dropped. */
  release(target: PoolTarget, instance: Instance): void {
    this.unadmit(target);
    const pool = this.pools.get(target.poolKey);
    if (
      instance.state !== 'idle' ||
      !pool ||
      this.retired.has(target.poolKey) ||
      this.recycled.has(instance)
    ) {
      instance.stop();
      return;
    }
    pool.idle.push(instance);
  }

  /** Called by an instance when it dies, to forget it. */
  forget(instance: Instance): void {
    const pool = this.pools.get(instance.opts.poolKey);
    if (!pool) return;
    pool.all.delete(instance);
    const i = pool.idle.indexOf(instance);
    if (i >= 0) pool.idle.splice(i, 1);
    if (pool.all.size === 0) {
      this.pools.delete(instance.opts.poolKey);
      this.retired.delete(instance.opts.poolKey);
    }
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
      for (const inst of pool.all) this.recycled.add(inst);
    }
  }

  /** Instances of a function (all versions), warm or starting. */
  instanceCount(functionName: string): number {
    let n = 0;
    for (const [key, pool] of this.pools)
      if (key.startsWith(`${functionName}:`)) n += pool.all.size;
    return n;
  }

  /** Instance counts for /health and metrics. */
  stats(): { instances: number; idle: number; busy: number } {
    let instances = 0;
    let idle = 0;
    for (const p of this.pools.values()) {
      instances += p.all.size;
      idle += p.idle.length;
    }
    return { instances, idle, busy: this.busyTotal };
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

  /** Keeps the instance count within the concurrency limit by stopping the least recently used idle one. */
  private makeRoom(): void {
    let total = 0;
    let oldest: { pool: Pool; inst: Instance } | null = null;
    for (const pool of this.pools.values()) {
      total += pool.all.size;
      const first = pool.idle[0];
      if (first && (!oldest || first.lastUsedMs < oldest.inst.lastUsedMs))
        oldest = { pool, inst: first };
    }
    if (total >= this.opts.maxConcurrency && oldest) {
      oldest.pool.idle.shift();
      oldest.inst.stop();
    }
  }

  private pool(key: string): Pool {
    let p = this.pools.get(key);
    if (!p) {
      p = { idle: [], all: new Set() };
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

function throttled(
  reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded',
) {
  return fail('TooManyRequestsException', 'Rate Exceeded.', {
    headers: { 'Retry-After': '1' },
    fields: { Reason: reason },
  });
}
