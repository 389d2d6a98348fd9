/**
 * In-process wake-ups for long polls: a sender bumps a queue's version, and
 * every receiver waiting on that queue wakes at once instead of polling.
 * A receiver reads the version before it looks for messages and waits only
 * while it is unchanged, so a send between the look and the wait is not missed.
 */
export class QueueSignals {
  private readonly versions = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  /** The queue's current version (pass it to `wait`). */
  version(queue: string): number {
    return this.versions.get(queue) ?? 0;
  }

  /** Something changed in the queue (a send, a message made visible, deletion). */
  notify(queue: string): void {
    this.versions.set(queue, this.version(queue) + 1);
    const set = this.waiters.get(queue);
    if (!set) return;
    this.waiters.delete(queue);
    for (const wake of set) wake();
  }

  /**
   * Resolves when the queue's version moves past `seen`, after `timeoutMs`, when
   * `signal` aborts, or at `close()` — whichever comes first. Never rejects.
   */
  wait(queue: string, seen: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted || this.version(queue) !== seen || timeoutMs <= 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(queue)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      let set = this.waiters.get(queue);
      if (!set) {
        set = new Set();
        this.waiters.set(queue, set);
      }
      set.add(done);
    });
  }

  /** Wakes every waiter; later waits return at once. */
  close(): void {
    this.closed = true;
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of all) for (const wake of set) wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
