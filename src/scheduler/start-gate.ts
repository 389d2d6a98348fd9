/**
 * Counts the instance starts in flight, so background work (refilling the prewarm
 * pool) waits while real cold starts run and resumes when the last one ends.
 */
export class StartGate {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  enter(): void {
    this.inFlight++;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** True while no start is in flight. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Calls `fn` once no start is in flight (at once if none is). */
  whenIdle(fn: () => void): void {
    if (this.inFlight === 0) fn();
    else this.waiters.push(fn);
  }
}
