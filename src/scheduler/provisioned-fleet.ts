import type { Instance } from './instance.js';
import { InitFailure } from './instance-types.js';
import type { LogLine } from './log-lines.js';
import type { PoolTarget, Scheduler } from './scheduler.js';

/** Where a provisioned concurrency allocation is: Lambda's ProvisionedConcurrencyStatusEnum. */
export type ProvisionedStatus = 'IN_PROGRESS' | 'READY' | 'FAILED';

/** The state of one allocation, as Get/ListProvisionedConcurrencyConfigs report it. */
export interface FleetStatus {
  requested: number;
  /** Instances started or starting for it. */
  allocated: number;
  /** Instances initialised and serving (idle or busy). */
  available: number;
  status: ProvisionedStatus;
  /** Why the last start failed, when the status is FAILED. */
  reason?: string;
}

export interface ProvisionedFleetOptions {
  scheduler: Pick<Scheduler, 'createProvisioned' | 'offerProvisioned' | 'retireInstance'>;
  /** An instance's init log (its own lines): there is no invocation to hand it to. */
  initLog(instance: Instance, lines: LogLine[]): void;
  /** True while the host is short of memory: no new instance is started then. */
  lowMemory?(): boolean;
  /** Starts in flight per allocation (init is CPU-heavy; real invocations come first). */
  maxParallelStarts?: number;
}

interface Allocation {
  id: string;
  target: PoolTarget;
  requested: number;
  instances: Set<Instance>;
  starting: number;
  /** Failed starts in a row, and the last one's reason. */
  failures: number;
  reason: string | null;
  retryTimer: NodeJS.Timeout | null;
}

/** After this many failed starts in a row the allocation is FAILED (it keeps retrying, slower). */
const FAILED_AFTER = 3;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * Keeps provisioned concurrency: for each allocation (a function version, through its
 * version or an alias), `requested` instances initialised ahead of traffic with
 * AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency. One that dies (crash, kill,
 * timeout, memory pressure) is replaced; lowering the count or removing the allocation
 * retires instances (busy ones after their invocation). The scheduler hands them out
 * before on-demand instances and never reaps them for idleness.
 */
export class ProvisionedFleet {
  private readonly allocations = new Map<string, Allocation>();
  private readonly owner = new Map<Instance, Allocation>();

  constructor(private readonly opts: ProvisionedFleetOptions) {}

  /**
   * Sets allocation `id` to `requested` instances of `target`. A new target (an alias
   * re-pointed, a new revision) replaces every instance of the old one.
   */
  set(id: string, target: PoolTarget, requested: number): void {
    let a = this.allocations.get(id);
    if (a && a.target.poolKey !== target.poolKey) {
      this.remove(id);
      a = undefined;
    }
    if (!a) {
      a = {
        id,
        target,
        requested,
        instances: new Set(),
        starting: 0,
        failures: 0,
        reason: null,
        retryTimer: null,
      };
      this.allocations.set(id, a);
    }
    a.target = target;
    a.requested = requested;
    this.reconcile(a);
  }

  /** Retires every instance of allocation `id`. */
  remove(id: string): void {
    const a = this.allocations.get(id);
    if (!a) return;
    this.allocations.delete(id);
    if (a.retryTimer) clearTimeout(a.retryTimer);
    for (const inst of a.instances) {
      this.owner.delete(inst);
      this.opts.scheduler.retireInstance(inst);
    }
    a.instances.clear();
  }

  /** Ids of the allocations whose id starts with `prefix`. */
  ids(prefix = ''): string[] {
    return [...this.allocations.keys()].filter((k) => k.startsWith(prefix));
  }

  status(id: string): FleetStatus | null {
    const a = this.allocations.get(id);
    if (!a) return null;
    let available = 0;
    for (const inst of a.instances) if (inst.state === 'idle' || inst.state === 'busy') available++;
    const allocated = Math.min(a.requested, a.instances.size);
    const status: ProvisionedStatus =
      available >= a.requested ? 'READY' : a.failures >= FAILED_AFTER ? 'FAILED' : 'IN_PROGRESS';
    return {
      requested: a.requested,
      allocated,
      available: Math.min(available, a.requested),
      status,
      ...(status === 'FAILED' && a.reason ? { reason: a.reason } : {}),
    };
  }

  /**
   * Told of every instance's death: a provisioned one that was serving is replaced (one
   * that failed to start is retried after a pause, by its start's own handler).
   */
  onDeath(inst: Instance): void {
    const a = this.owner.get(inst);
    if (!a || inst.startType !== 'provisioned') return;
    this.owner.delete(inst);
    a.instances.delete(inst);
    if (this.allocations.get(a.id) === a) this.reconcile(a);
  }

  /** Starts or retires instances until the allocation has what it asks for. */
  private reconcile(a: Allocation): void {
    const live = [...a.instances].filter((i) => i.state !== 'stopping' && !i.killed);
    for (let extra = live.length - a.requested; extra > 0; extra--) {
      // Idle (or still starting) ones first; busy ones finish their invocation.
      const inst = live.find((i) => i.state !== 'busy') ?? live[0];
      if (!inst) break;
      live.splice(live.indexOf(inst), 1);
      a.instances.delete(inst);
      this.owner.delete(inst);
      this.opts.scheduler.retireInstance(inst);
    }
    if (a.retryTimer) return;
    if (this.opts.lowMemory?.()) {
      this.retryLater(a, RETRY_BASE_MS);
      return;
    }
    const parallel = this.opts.maxParallelStarts ?? 2;
    while (a.instances.size < a.requested && a.starting < parallel && !a.retryTimer) {
      this.startOne(a);
    }
  }

  private startOne(a: Allocation): void {
    let inst: Instance;
    try {
      inst = this.opts.scheduler.createProvisioned(a.target);
    } catch (e) {
      // Its runtime cannot start on this host, for one.
      a.failures = Math.max(a.failures + 1, FAILED_AFTER);
      a.reason = (e as Error).message;
      this.retryLater(a, RETRY_MAX_MS);
      return;
    }
    a.instances.add(inst);
    this.owner.set(inst, a);
    a.starting++;
    inst.start().then(
      () => {
        a.starting--;
        a.failures = 0;
        a.reason = null;
        inst.startType = 'provisioned';
        const lines = inst.initLines;
        inst.initLines = [];
        if (lines.length) this.opts.initLog(inst, lines);
        if (this.owner.get(inst) === a) this.opts.scheduler.offerProvisioned(inst);
        else inst.stop();
        if (this.allocations.get(a.id) === a) this.reconcile(a);
      },
      (e: unknown) => {
        a.starting--;
        a.instances.delete(inst);
        // Retired while it started: nothing failed.
        if (this.owner.get(inst) !== a) return;
        this.owner.delete(inst);
        a.failures++;
        a.reason =
          e instanceof InitFailure
            ? `${e.failure.errorType}: ${e.failure.errorMessage}`
            : (e as Error).message;
        if (e instanceof InitFailure && e.lines.length) this.opts.initLog(inst, e.lines);
        this.retryLater(a, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (a.failures - 1)));
        inst.kill();
      },
    );
  }

  private retryLater(a: Allocation, delayMs: number): void {
    if (a.retryTimer) return;
    a.retryTimer = setTimeout(() => {
      a.retryTimer = null;
      if (this.allocations.get(a.id) === a) this.reconcile(a);
    }, delayMs);
    a.retryTimer.unref();
  }

  /** Retires everything (server shutdown). */
  close(): void {
    for (const id of [...this.allocations.keys()]) this.remove(id);
  }
}
