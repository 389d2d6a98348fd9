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

/** Invocation records of synchronous invocations, written in batches. */
export class RecordWriter extends BatchWriter<InvocationRecord> {
  constructor(store: InvocationStore, flushEveryMs = 100) {
    super((batch) => store.put(batch), { what: 'invocation records', flushEveryMs });
  }
}
