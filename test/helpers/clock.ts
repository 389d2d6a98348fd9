import type { Clock } from '../../src/shared/clock.js';

/**
 * Real time plus an offset the test moves: timers, retries, leases and reaping
 * can be driven minutes ahead without sleeping, while real I/O still works.
 */
export function movableClock(): { clock: Clock; advance(ms: number): void } {
  let offsetMs = 0;
  return {
    clock: { now: () => Date.now() + offsetMs, monotonicMs: () => performance.now() + offsetMs },
    advance: (ms) => {
      offsetMs += ms;
    },
  };
}
