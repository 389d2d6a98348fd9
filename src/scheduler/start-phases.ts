import { performance } from 'node:perf_hooks';

/**
 * Where one cold start's time went, as named marks on the monotonic clock (ms since the
 * start began). Marks are set by the instance as it goes: on demand `attached` (its
 * Runtime API socket listens), `cgroup`, `spawned` (the sandbox's process exists),
 * `connected` (the runtime's first bytes on its socket), `ready` (its first /next: init
 * done), `answered` (its first answer); from the prewarm pool `placed` (code and layers
 * at /var/task and /opt), `attached`, `assigned` (the function's environment written to
 * the waiting bootstrap), then `connected`, `ready`, `answered`.
 *
 * With `NIMBUS_TRACE_STARTS=1` the server prints each start's marks on stderr as one
 * line, `nimbus: start FUNCTION TYPE mark=ms ...` (the bench reads them).
 */
export class StartPhases {
  private readonly t0 = performance.now();
  private readonly marks: Array<[string, number]> = [];

  /** Marks `name` now, or at `atMs` (a performance.now() reading taken earlier). */
  mark(name: string, atMs: number = performance.now()): void {
    this.marks.push([name, atMs - this.t0]);
  }

  /** The marks in time order, as `name=ms` with 0.01 ms precision. */
  format(): string {
    return [...this.marks]
      .sort((a, b) => a[1] - b[1])
      .map(([n, ms]) => `${n}=${ms.toFixed(2)}`)
      .join(' ');
  }
}

/** Whether starts are traced (`NIMBUS_TRACE_STARTS=1`), read once. */
export const TRACE_STARTS = process.env.NIMBUS_TRACE_STARTS === '1';
