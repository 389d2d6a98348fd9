import { readFileSync } from 'node:fs';

/** MemAvailable from /proc/meminfo in MB, or null where there is none (not Linux). */
export function readMemAvailableMb(): number | null {
  try {
    const text = readFileSync('/proc/meminfo', 'utf8');
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(text);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface MemoryGuardOptions {
  /** Keep at least this much memory available; 0 turns the guard off. */
  reserveMb: number;
  /** How much memory the host has available now, in MB (tests inject one). */
  readAvailableMb?: () => number | null;
  /** How often to look. */
  intervalMs?: number;
  /** Stops idle instances until about `bytes` are freed; returns how many. */
  reap(bytes: number): number;
  /** Stops the prewarmed sandboxes waiting in the pool; returns how many. */
  drainPool?(): number;
  /** Told what the guard did, for the operator. */
  log?(line: string): void;
}

/**
 * Reaps instances before the host runs out of memory: when MemAvailable drops below the
 * reserve, first the prewarmed sandboxes go, then idle instances, least recently used
 * first (provisioned ones only when no other is idle), never a busy one. A cheap read of
 * /proc/meminfo on a timer; `lowMemory` also holds back prewarming and provisioning.
 */
export class MemoryGuard {
  private timer: NodeJS.Timeout | null = null;
  private low = false;

  constructor(private readonly opts: MemoryGuardOptions) {}

  start(): void {
    if (this.opts.reserveMb <= 0 || this.timer) return;
    this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** True when the last look found less than the reserve available. */
  lowMemory(): boolean {
    return this.low;
  }

  /** Looks once and reaps what it must; returns how many instances and sandboxes it stopped. */
  check(): number {
    if (this.opts.reserveMb <= 0) return 0;
    const available = (this.opts.readAvailableMb ?? readMemAvailableMb)();
    this.low = available !== null && available < this.opts.reserveMb;
    if (!this.low || available === null) return 0;
    const shortBytes = (this.opts.reserveMb - available) * 1024 * 1024;
    const pooled = this.opts.drainPool?.() ?? 0;
    const reaped = this.opts.reap(shortBytes);
    if (pooled + reaped > 0) {
      this.opts.log?.(
        `memory: ${Math.round(available)} MB available, below the ${this.opts.reserveMb} MB reserve: stopped ${reaped} idle instance(s) and ${pooled} prewarmed sandbox(es)`,
      );
    }
    return pooled + reaped;
  }
}
