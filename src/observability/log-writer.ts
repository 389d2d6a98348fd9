import type { InvocationRecord, InvocationStore, LogEvent, LogStore } from '../store/types.js';
import { BatchWriter } from './batch-writer.js';

/** Log lines, written to the store in batches; a dropped-lines note is logged to the function. */
export class LogWriter extends BatchWriter<LogEvent> {
  constructor(store: LogStore, flushEveryMs = 100, maxBuffered = 100_000) {
    super((batch) => store.append(batch), {
      what: 'log lines',
      flushEveryMs,
      maxBuffered,
      onDrop: (n, batch) =>
        batch.unshift({
          functionName: batch[0]!.functionName,
          timestampMs: Date.now(),
          requestId: null,
          message: `[nimbus] ${n} log lines were dropped because the log writer fell behind`,
        }),
    });
  }
}

/**
 * Invocation records of synchronous invocations, written in batches; `writeNow` stores
 * at once (failed invocations: a crash may lose a batch of successes, never a failure).
 */
export class RecordWriter extends BatchWriter<InvocationRecord> {
  constructor(
    private readonly store: InvocationStore,
    flushEveryMs = 100,
  ) {
    super((batch) => store.put(batch), { what: 'invocation records', flushEveryMs });
  }

  /** Stores `records` now; a failure to store is logged, never thrown at the caller. */
  writeNow(records: InvocationRecord[]): Promise<void> {
    return this.store.put(records).catch((e: unknown) => {
      console.error(`nimbus: writing an invocation record failed: ${(e as Error).message}`);
    });
  }
}
