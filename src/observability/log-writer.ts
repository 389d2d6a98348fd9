import type { LogEvent, LogStore } from '../store/types.js';

/**
 * Buffers log events and writes them to the store in batches, off the invoke
 * path: `write` only appends to an array. At most `maxBuffered` events wait;
 * past that the oldest are dropped and a note says how many.
 */
export class LogWriter {
  private buffer: LogEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;

  constructor(
    private readonly store: LogStore,
    private readonly flushEveryMs = 100,
    private readonly maxBuffered = 100_000,
  ) {}

  write(events: LogEvent[]): void {
    for (const e of events) this.buffer.push(e);
    if (this.buffer.length > this.maxBuffered) {
      const over = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, over);
      this.dropped += over;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushEveryMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far; resolves when it is in the store. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    if (this.dropped) {
      batch.unshift({
        functionName: batch[0]!.functionName,
        timestampMs: Date.now(),
        requestId: null,
        message: `[nimbus] ${this.dropped} log lines were dropped because the log writer fell behind`,
      });
      this.dropped = 0;
    }
    this.flushing = this.store.append(batch).catch((e: unknown) => {
      console.error(`nimbus: writing ${batch.length} log lines failed: ${(e as Error).message}`);
    });
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
