import type { QueueMessage, QueueRecord, Receipt } from '../store/index.js';
import type { QueueDeps } from './deps.js';
import { attempt, invalidParameter, noSuchQueue, SqsError, sqsError } from './errors.js';
import { DEDUP_WINDOW_MS, intAttribute } from './queue-attributes.js';
import { decodeReceiptHandle } from './receipt-handle.js';
import { sequenceNumber } from './received.js';
import type { QueueRegistry } from './registry.js';
import {
  type PreparedMessage,
  prepareMessage,
  type SendInput,
  type SendResult,
} from './send-entry.js';

const MAX_VISIBILITY_S = 43_200;
/** Bytes of the nonce in each receipt handle. */
const RECEIPT_TOKEN_BYTES = 16;

/** Options of one receive. */
export interface ReceiveOptions {
  maxMessages: number;
  /** Overrides the queue's VisibilityTimeout. */
  visibilityTimeoutS?: number;
  /** Long poll: waits up to this long for a message; the queue's default when absent. */
  waitTimeMs?: number;
  signal?: AbortSignal;
}

/**
 * Sends, receives (with long polling and redrive to the DLQ), deletes and
 * changes visibility. Batch methods answer one result or error per entry.
 */
export class Messenger {
  constructor(
    private readonly deps: QueueDeps,
    private readonly registry: QueueRegistry,
  ) {}

  /**
   * Stores the valid entries in one transaction; invalid ones get their error.
   * Throws only for the queue itself (QueueDoesNotExist).
   */
  async send(
    queueName: string,
    entries: readonly SendInput[],
    senderId: string,
  ): Promise<Array<SendResult | SqsError>> {
    const q = await this.registry.get(queueName);
    const nowMs = this.deps.clock.now();
    const prepared = entries.map((e) =>
      attempt(() => prepareMessage(q, e, { messageId: this.deps.ids.uuid(), senderId, nowMs })),
    );
    const valid = prepared.filter((p): p is PreparedMessage => !(p instanceof SqsError));
    const outcomes = valid.length
      ? await this.deps.store.queues.send(
          queueName,
          valid.map((p) => p.row),
          DEDUP_WINDOW_MS,
        )
      : [];
    if (outcomes === null) throw noSuchQueue();
    if (outcomes.some((o) => !o.duplicate)) this.deps.signals.notify(queueName);
    let next = 0;
    return prepared.map((p) => {
      if (p instanceof SqsError) return p;
      const o = outcomes[next++]!; // One outcome per valid entry, in order.
      return {
        messageId: o.messageId,
        ...p.result,
        ...(q.fifo ? { sequenceNumber: sequenceNumber(o.seq) } : {}),
      };
    });
  }

  /**
   * Receives up to `maxMessages`, waiting up to `waitTimeMs` for the first one:
   * it returns as soon as a send (or a message becoming visible) makes one available.
   */
  async receive(
    queueName: string,
    o: ReceiveOptions,
  ): Promise<{ queue: QueueRecord; messages: QueueMessage[] }> {
    if (!Number.isInteger(o.maxMessages) || o.maxMessages < 1 || o.maxMessages > 10) {
      throw invalidParameter(
        'MaxNumberOfMessages',
        o.maxMessages,
        'Must be between 1 and 10, if provided.',
      );
    }
    if (o.visibilityTimeoutS !== undefined) checkVisibility(o.visibilityTimeoutS);
    let q = await this.registry.get(queueName);
    const waitMs =
      o.waitTimeMs ?? intAttribute(q.attributes, 'ReceiveMessageWaitTimeSeconds') * 1000;
    const deadline = this.deps.clock.monotonicMs() + waitMs;
    const { signals } = this.deps;
    for (;;) {
      const seen = signals.version(queueName);
      const nowMs = this.deps.clock.now();
      const visibilityS = o.visibilityTimeoutS ?? intAttribute(q.attributes, 'VisibilityTimeout');
      const messages = await this.deps.store.queues.receive({
        queueName,
        nowMs,
        maxMessages: o.maxMessages,
        visibleUntilMs: nowMs + visibilityS * 1000,
        fifo: q.fifo,
        newToken: () => this.deps.ids.hex(RECEIPT_TOKEN_BYTES),
        redrive: await this.registry.redrive(q),
      });
      const leftMs = deadline - this.deps.clock.monotonicMs();
      if (messages.length || leftMs <= 0 || signals.isClosed || o.signal?.aborted) {
        return { queue: q, messages };
      }
      // Sleep until a send wakes us, the next delayed / in-flight message is due, or time is up.
      const nextAtMs = await this.deps.store.queues.nextVisibleAtMs(queueName, nowMs);
      const dueMs = nextAtMs === null ? leftMs : Math.max(1, nextAtMs - this.deps.clock.now());
      await signals.wait(queueName, seen, Math.min(leftMs, dueMs), o.signal);
      q = await this.registry.get(queueName);
    }
  }

  /** Deletes by receipt handle; stale handles and deleted messages succeed, as on SQS. */
  async delete(queueName: string, handles: readonly string[]): Promise<Array<SqsError | null>> {
    await this.registry.get(queueName);
    const decoded = handles.map((h) => attempt(() => decodeReceiptHandle(h)));
    const receipts = decoded.filter((d): d is Receipt => !(d instanceof SqsError));
    if (receipts.length) await this.deps.store.queues.deleteMessages(queueName, receipts);
    return decoded.map((d) => (d instanceof SqsError ? d : null));
  }

  /** Changes how long received messages stay invisible (0 makes them visible now). */
  async changeVisibility(
    queueName: string,
    changes: ReadonlyArray<{ handle: string; visibilityTimeoutS: number }>,
  ): Promise<Array<SqsError | null>> {
    await this.registry.get(queueName);
    const nowMs = this.deps.clock.now();
    const checked = changes.map((c) =>
      attempt(() => {
        checkVisibility(c.visibilityTimeoutS);
        return {
          ...decodeReceiptHandle(c.handle),
          visibleAtMs: nowMs + c.visibilityTimeoutS * 1000,
        };
      }),
    );
    const valid = checked.filter(
      (c): c is Receipt & { visibleAtMs: number } => !(c instanceof SqsError),
    );
    const outcomes = valid.length
      ? await this.deps.store.queues.changeVisibility(queueName, valid, nowMs)
      : [];
    if (outcomes.includes('changed')) this.deps.signals.notify(queueName);
    let next = 0;
    return checked.map((c, i) => {
      if (c instanceof SqsError) return c;
      const outcome = outcomes[next++];
      if (outcome === 'changed') return null;
      if (outcome === 'not-in-flight')
        return sqsError('MessageNotInflight', 'Message not inflight.');
      return invalidParameter(
        'ReceiptHandle',
        changes[i]!.handle, // checked has one entry per change.
        'Message does not exist or is not available for visibility timeout change.',
      );
    });
  }
}

function checkVisibility(s: number): void {
  if (!Number.isInteger(s) || s < 0 || s > MAX_VISIBILITY_S) {
    throw invalidParameter('VisibilityTimeout', s, 'Must be between 0 and 43200, if provided.');
  }
}
