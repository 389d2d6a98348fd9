import { SlotArea } from '../sandbox/index.js';
import type { FunctionRecord } from '../store/types.js';
import type { Instance } from './instance.js';
import type { ProcessHost } from './instance-process.js';
import type { LogLine } from './log-lines.js';
import { MemoryGuard } from './memory-guard.js';
import { type PoolCandidate, poolSpecFor } from './pool-plan.js';
import type { PooledSandbox } from './pooled-sandbox.js';
import { PrewarmPool } from './prewarm-pool.js';
import { type FleetStatus, ProvisionedFleet } from './provisioned-fleet.js';
import type { Scheduler } from './scheduler.js';
import { StartGate } from './start-gate.js';

export interface CapacityOptions {
  host: ProcessHost;
  /** The server's own run folder (the prewarm pool's slots live there). */
  runDir: string;
  scheduler: Scheduler;
  prewarmPoolSize: number;
  memoryReserveMb: number;
  newId(): string;
  /** A provisioned instance's init log (no invocation takes it). */
  initLog(instance: Instance, lines: LogLine[]): void;
  /** What the operator should hear of (memory reaping, a runtime that will not prewarm). */
  log(line: string): void;
  /** Reads MemAvailable (tests inject one). */
  readAvailableMb?: () => number | null;
}

/**
 * Everything that keeps instances ready ahead of invocations, and frees them when the
 * host runs short: the prewarm pool, the provisioned fleet and the memory guard, wired
 * to one scheduler.
 */
export class Capacity {
  /** Starts in flight: the pool's refills wait for them. */
  readonly starts = new StartGate();
  readonly pool: PrewarmPool;
  readonly fleet: ProvisionedFleet;
  readonly guard: MemoryGuard;

  constructor(o: CapacityOptions) {
    this.guard = new MemoryGuard({
      reserveMb: o.memoryReserveMb,
      ...(o.readAvailableMb ? { readAvailableMb: o.readAvailableMb } : {}),
      reap: (bytes) => o.scheduler.reapForMemory(bytes),
      drainPool: () => this.pool.drain(),
      log: o.log,
    });
    this.pool = new PrewarmPool({
      size: o.prewarmPoolSize,
      host: o.host,
      area: new SlotArea(o.runDir),
      starts: this.starts,
      newId: o.newId,
      lowMemory: () => this.guard.lowMemory(),
      log: o.log,
    });
    this.fleet = new ProvisionedFleet({
      scheduler: o.scheduler,
      initLog: o.initLog,
      lowMemory: () => this.guard.lowMemory(),
    });
  }

  start(): void {
    this.guard.start();
  }

  /** A ready prewarmed sandbox for an instance of this function, or null (it launches one). */
  pooledFor(c: PoolCandidate): PooledSandbox | null {
    if (!this.pool.enabled) return null;
    const spec = poolSpecFor(c);
    return spec ? this.pool.take(spec) : null;
  }

  /** Told of every instance's death (a provisioned one is replaced). */
  onDeath(inst: Instance): void {
    this.fleet.onDeath(inst);
  }

  /**
   * The fleet as the control plane drives it: allocations by id, for function versions
   * (`poolKeyOf` names their instances' pool).
   */
  fleetControl(poolKeyOf: (fn: FunctionRecord) => string) {
    return {
      set: (id: string, fn: FunctionRecord, reservedConcurrency: number | null, n: number) =>
        this.fleet.set(
          id,
          { poolKey: poolKeyOf(fn), functionName: fn.name, reservedConcurrency, fn },
          n,
        ),
      remove: (id: string) => this.fleet.remove(id),
      status: (id: string): FleetStatus | null => this.fleet.status(id),
    };
  }

  /** For /health: sandboxes waiting in the prewarm pool. */
  stats(): { prewarmed: number } {
    return { prewarmed: this.pool.stats().ready };
  }

  /** Stops the background work (before the scheduler stops its instances). */
  stopBackground(): void {
    this.guard.stop();
    this.fleet.close();
  }

  /** Stops the pool and undoes its mounts (after the instances are gone). */
  close(): Promise<void> {
    return this.pool.close();
  }
}
