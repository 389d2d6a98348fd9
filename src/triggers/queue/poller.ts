import type { EventSourceMapping } from '../../store/types.js';
import type { BatchInvoker, PolledMessage, QueueSource } from './types.js';

/** One ReceiveMessage returns at most this many messages (SQS's limit). */
const RECEIVE_MAX = 10;
/** Long-poll length of each receive while the mapping waits for work. */
const LONG_POLL_MS = 20_000;
/** Pause after a failed batch or a missing queue/function, so a broken mapping does not spin. */
const BACKOFF_MS = 1000;
/** Concurrent batches when the mapping sets no ScalingConfig.MaximumConcurrency. */
export const DEFAULT_MAX_CONCURRENCY = 5;

export interface PollerDeps {
  queues: QueueSource;
  invoke: BatchInvoker;
  region: string;
  /** Called with LastProcessingResult when it changes. */
  onResult(uuid: string, result: string): void;
  /** Where unexpected failures are reported. */
  log(line: string): void;
  /** Told of each batch before it goes to the function (metrics). */
  onBatch?: (mapping: EventSourceMapping, batch: PolledMessage[]) => void;
}

/**
 * Polls one queue for one mapping: up to `MaximumConcurrency` loops each
 * gather a batch (BatchSize messages or MaximumBatchingWindowInSeconds, which
 * comes first), invoke the function synchronously with the SQS event, and
 * delete what succeeded. A failed invocation deletes nothing: the messages
 * come back after the queue's visibility timeout, and the queue's redrive
 * policy moves poison messages to its dead-letter queue.
 */
export class MappingPoller {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private lastResult: string;

  constructor(
    readonly mapping: EventSourceMapping,
    private readonly deps: PollerDeps,
  ) {
    this.lastResult = mapping.lastResult;
  }

  start(): void {
    const n = this.mapping.maximumConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    for (let i = 0; i < n; i++) this.loops.push(this.loop());
  }

  /** Stops polling; a batch being processed finishes (its invocation is not cut short). */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const queue = await this.deps.queues.byArn(this.mapping.eventSourceArn);
        if (!queue) {
          this.result('PROBLEM: the queue does not exist');
          await this.pause(BACKOFF_MS * 5);
          continue;
        }
        const batch = await this.collect(queue.name);
        if (batch.length === 0) continue;
        const ok = await this.process(queue.name, batch);
        if (!ok) await this.pause(BACKOFF_MS);
      } catch (e) {
        if (this.stopped) return;
        this.deps.log(
          `nimbus: event source mapping ${this.mapping.uuid}: ${e instanceof Error ? e.message : String(e)}`,
        );
        await this.pause(BACKOFF_MS);
      }
    }
  }

  /** Up to BatchSize messages: waits for the first, then fills until the window closes. */
  private async collect(queueName: string): Promise<PolledMessage[]> {
    const { batchSize, maximumBatchingWindowInSeconds } = this.mapping;
    const receive = (max: number, waitTimeMs: number) =>
      this.deps.queues.receive(queueName, {
        maxMessages: Math.min(RECEIVE_MAX, max),
        waitTimeMs,
        signal: this.abort.signal,
      });
    const batch = await receive(batchSize, LONG_POLL_MS);
    if (batch.length === 0) return batch;
    const closesAt = Date.now() + maximumBatchingWindowInSeconds * 1000;
    while (batch.length < batchSize && !this.stopped) {
      const leftMs = closesAt - Date.now();
      // Without a window, take what is there now (a full receive), but do not wait.
      if (leftMs <= 0 && maximumBatchingWindowInSeconds > 0) break;
      const more = await receive(batchSize - batch.length, Math.max(0, leftMs));
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  /** True when the batch went through (all or in part); false when nothing was deleted. */
  private async process(queueName: string, batch: PolledMessage[]): Promise<boolean> {
    this.deps.onBatch?.(this.mapping, batch);
    const payload = Buffer.from(JSON.stringify({ Records: batch.map((m) => this.record(m)) }));
    const out = await this.deps.invoke(this.mapping.functionName, this.mapping.qualifier, payload, {
      queueArn: this.mapping.eventSourceArn,
      messages: batch,
    });
    if (out.error) {
      this.result(`PROBLEM: Function call failed: ${out.error.type}`);
      return false;
    }
    const reportsFailures = this.mapping.functionResponseTypes.includes('ReportBatchItemFailures');
    const failed = reportsFailures ? failedItems(out.payload, batch) : new Set<string>();
    if (failed === null) {
      this.result('PROBLEM: the function returned an invalid batchItemFailures response');
      return false;
    }
    const done = batch.filter((m) => !failed.has(m.messageId)).map((m) => m.receiptHandle);
    if (done.length > 0) await this.deps.queues.deleteMessages(queueName, done);
    this.result('OK');
    return true;
  }

  private record(m: PolledMessage): Record<string, unknown> {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: m.attributes,
      messageAttributes: m.messageAttributes,
      md5OfBody: m.md5OfBody,
      ...(m.md5OfMessageAttributes ? { md5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.mapping.eventSourceArn,
      awsRegion: this.deps.region,
    };
  }

  private result(text: string): void {
    if (text === this.lastResult) return;
    this.lastResult = text;
    this.deps.onResult(this.mapping.uuid, text);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const t = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}

/**
 * The message ids a `ReportBatchItemFailures` response names, as Lambda reads it:
 * `null`, `{}` and an empty or null list mean all succeeded; anything that is not
 * JSON, or an item without a known `itemIdentifier`, fails the whole batch (null).
 */
export function failedItems(response: Buffer, batch: PolledMessage[]): Set<string> | null {
  const text = response.toString('utf8').trim();
  if (text === '') return new Set();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null) return new Set();
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const list = (parsed as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return null;
  const ids = new Set(batch.map((m) => m.messageId));
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return null;
    failed.add(id);
  }
  return failed;
}
