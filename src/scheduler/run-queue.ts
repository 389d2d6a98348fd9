import { availableParallelism } from 'node:os';
import type { Clock } from '../shared/clock.js';
import type { Instance } from './instance.js';
import type { PoolTarget } from './scheduler.js';

/** What a cold start is taken to cost before one was measured for the pool. */
const DEFAULT_INIT_MS = 50;
/** Weight of the newest sample in the moving averages. */
const ALPHA = 0.2;
/** Longest a waiting invocation waits, whatever the estimates say. */
const MAX_WAIT_MS = 2000;

/** An invocation waiting for an instance of its pool (not admitted until it gets one). */
export interface Waiter {
  readonly target: PoolTarget;
  /** Hands it an instance (admitted by the scheduler), or null: start one yourself. */
  settle(inst: Instance | null): void;
  /** Its admission failed when an instance came (the limits were reached meanwhile). */
  fail(e: unknown): void;
}

interface Queued extends Waiter {
  timer: NodeJS.Timeout;
}

interface PoolFigures {
  waiters: Queued[];
  /** Moving averages: lease → release of a warm invocation, and of a cold one (init + run). */
  warmMs: number;
  coldMs: number;
}

/** How busy the node and the pool are when an invocation finds no idle instance. */
export interface Load {
  /** Invocations admitted on the node, this one included. */
  running: number;
  /** The pool's instances serving an invocation, and those still starting. */
  busyInPool: number;
  startingInPool: number;
  timeoutMs: number;
}

/**
 * The node-level policy of DESIGN §6 / issue 12: once more invocations run than the node
 * has run slots (CPUs × 2 by default), a new process per request makes every request
 * slower. An invocation that finds no idle instance then waits a short, bounded time for
 * one of its pool's busy (or starting) instances, when that is expected to be quicker than
 * a cold start on a node this loaded; else, or when the wait runs out, it starts one. One
 * invocation per instance, and 429 only at the concurrency limits, as before.
 */
export class RunQueue {
  private readonly pools = new Map<string, PoolFigures>();

  constructor(
    readonly slots: number,
    private readonly clock: Clock,
  ) {}

  private figures(poolKey: string): PoolFigures {
    let f = this.pools.get(poolKey);
    if (!f) {
      f = { waiters: [], warmMs: 0, coldMs: DEFAULT_INIT_MS };
      this.pools.set(poolKey, f);
    }
    return f;
  }

  /**
   * How long to wait for an instance of `poolKey` (ms), or null to start one now. The wait
   * is expected to take the pool's warm time for every invocation queued ahead, spread over
   * its instances; a cold start, its measured time stretched by how overloaded the node is.
   */
  waitBudgetMs(poolKey: string, load: Load): number | null {
    if (load.running <= this.slots) return null;
    const serving = load.busyInPool + load.startingInPool;
    if (serving === 0) return null;
    const f = this.figures(poolKey);
    const expectedWaitMs =
      ((f.waiters.length + 1) * Math.max(f.warmMs, 0.1)) / serving +
      (load.busyInPool === 0 ? f.coldMs : 0);
    const coldMs = f.coldMs * (load.running / this.slots);
    // Starts already in flight on a loaded node: one more only slows them all (and makes
    // every running invocation slower, which inflates the warm estimate: a feedback loop).
    const startsFull = load.startingInPool >= Math.max(1, Math.floor(this.slots / 2));
    if (!startsFull && expectedWaitMs >= coldMs) return null;
    // The estimates chose waiting; the budget is only a safety net. A short one turns a burst
    // on a loaded node into a storm of cold starts that loads it further (measured: c=50 on
    // one CPU fell to 120 req/s with 47 instances when waits gave up after 2× a cold start).
    return Math.min(MAX_WAIT_MS, load.timeoutMs);
  }

  /** Waits up to `budgetMs` for an instance a release hands over; null when none came. */
  wait(poolKey: string, budgetMs: number, target: PoolTarget): Promise<Instance | null> {
    const f = this.figures(poolKey);
    return new Promise((resolve, reject) => {
      const w: Queued = {
        target,
        settle: resolve,
        fail: reject,
        timer: setTimeout(() => {
          const i = f.waiters.indexOf(w);
          if (i >= 0) f.waiters.splice(i, 1);
          resolve(null);
        }, budgetMs),
      };
      f.waiters.push(w);
    });
  }

  /** Whether invocations wait for this pool (a newcomer queues behind them). */
  hasWaiters(poolKey: string): boolean {
    return (this.pools.get(poolKey)?.waiters.length ?? 0) > 0;
  }

  /** The oldest waiter of the pool, taken off the queue (its timer stopped). */
  takeWaiter(poolKey: string): Waiter | undefined {
    const w = this.pools.get(poolKey)?.waiters.shift();
    if (w) clearTimeout(w.timer);
    return w;
  }

  /** An instance of the pool went away: its oldest waiter starts one now instead. */
  wakeOne(poolKey: string): void {
    this.takeWaiter(poolKey)?.settle(null);
  }

  /** A lease of the pool ended after `ms`; `cold`: it included the instance's start. */
  observe(poolKey: string, ms: number, cold: boolean): void {
    const f = this.figures(poolKey);
    if (cold) f.coldMs = f.coldMs + ALPHA * (ms - f.coldMs);
    else f.warmMs = f.warmMs === 0 ? ms : f.warmMs + ALPHA * (ms - f.warmMs);
  }

  /** Forgets a pool that has no instances left (its figures go with it). */
  drop(poolKey: string): void {
    const f = this.pools.get(poolKey);
    if (f && f.waiters.length === 0) this.pools.delete(poolKey);
  }

  /** Time now, for lease timing. */
  now(): number {
    return this.clock.monotonicMs();
  }
}

/**
 * The node's run slots: the configured number, else twice the CPUs this process may run
 * on (its affinity mask counts: a server pinned to one CPU gets 2).
 */
export function runSlotsOf(cfg: { runSlots: number }): number {
  return cfg.runSlots > 0 ? cfg.runSlots : 2 * availableParallelism();
}
