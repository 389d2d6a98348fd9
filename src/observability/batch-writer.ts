import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Items per store write unless told otherwise (see `maxBatch`). */
const DEFAULT_MAX_BATCH = 256;

/**
 * Buffers items and writes them in batches, off the request path: `write`
 * only appends to an array. At most `maxBuffered` items wait; past that the
 * oldest are dropped and `onDrop` is told how many (once per batch).
 *
 * A backlog is written `maxBatch` items at a time with a turn of the event loop
 * between writes: the store is synchronous (SQLite), so one long transaction would
 * hold every request that arrives meanwhile (a 100 ms backlog of a busy server
 * took ~8 ms to write, ~50 ms with a WAL checkpoint).
 */
export class BatchWriter<T> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;

  constructor(
    private readonly sink: (batch: T[]) => Promise<void>,
    private readonly opts: {
      what: string;
      flushEveryMs?: number;
      maxBuffered?: number;
      /** Most items handed to `sink` at once. */
      maxBatch?: number;
      /** Lets the writer add a note item about dropped ones to the next batch. */
      onDrop?: (dropped: number, batch: T[]) => void;
    },
  ) {}

  write(items: T[]): void {
    for (const e of items) this.buffer.push(e);
    const max = this.opts.maxBuffered ?? 100_000;
    if (this.buffer.length > max) {
      const over = this.buffer.length - max;
      this.buffer.splice(0, over);
      this.dropped += over;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.opts.flushEveryMs ?? 100);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far (and what arrives meanwhile); resolves when it is stored. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    this.flushing = this.drain();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  private async drain(): Promise<void> {
    const maxBatch = this.opts.maxBatch ?? DEFAULT_MAX_BATCH;
    for (let first = true; this.buffer.length > 0; first = false) {
      if (!first) await yieldToEventLoop();
      const batch = this.buffer.length <= maxBatch ? this.buffer : this.buffer.splice(0, maxBatch);
      if (batch === this.buffer) this.buffer = [];
      if (this.dropped) {
        this.opts.onDrop?.(this.dropped, batch);
        console.error(
          `nimbus: ${this.dropped} ${this.opts.what} were dropped because the writer fell behind`,
        );
        this.dropped = 0;
      }
      await this.sink(batch).catch((e: unknown) => {
        console.error(
          `nimbus: writing ${batch.length} ${this.opts.what} failed: ${(e as Error).message}`,
        );
      });
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
