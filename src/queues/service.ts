import type { Clock } from '../shared/clock.js';
import type { IdGenerator } from '../shared/ids.js';
import type { Store } from '../store/index.js';
import type { QueueDeps } from './deps.js';
import { SqsError } from './errors.js';
import { Messenger } from './messenger.js';
import type { QueueArnContext } from './names.js';
import { DEDUP_WINDOW_MS, intAttribute } from './queue-attributes.js';
import { type ReceivedMessage, toReceived } from './received.js';
import { QueueRegistry } from './registry.js';
import { wireAttributes } from './send-entry.js';
import { QueueSignals } from './signals.js';

/** How often expired messages and old deduplication ids are swept. */
const SWEEP_INTERVAL_MS = 60_000;

/** A message attribute for a programmatic send (binary as bytes or base64). */
export interface SendAttribute {
  dataType: string;
  stringValue?: string;
  binaryValue?: Buffer | string;
}

/** Options of a programmatic send. */
export interface SendOptions {
  delaySeconds?: number;
  messageAttributes?: Record<string, SendAttribute>;
  groupId?: string;
  dedupId?: string;
}

/** What `byArn` tells about a queue. */
export interface QueueSummary {
  name: string;
  arn: string;
  visibilityTimeoutS: number;
  fifo: boolean;
}

/**
 * The built-in SQS service: durable queues in the store, answered over both
 * SQS wire protocols by `handleSqsRequest` and used directly by event-source
 * pollers through the methods here. `registry` (queue management) and
 * `messages` (send / receive / delete / visibility) carry the protocol operations.
 *
 * @example
 * const sqs = new QueueService({ store, clock: systemClock, ids: randomIds,
 *   arn: { region: 'us-east-1', accountId: '000000000000' }, maxMessageBytes: 262144 });
 * await sqs.registry.create('jobs', {}, {});
 * await sqs.send('jobs', 'hello');
 * const [m] = await sqs.receive('jobs', { maxMessages: 1, waitTimeMs: 1000 });
 */
export class QueueService {
  readonly registry: QueueRegistry;
  readonly messages: Messenger;
  private readonly deps: QueueDeps;
  private readonly sweeper: NodeJS.Timeout;

  constructor(opts: {
    store: Store;
    clock: Clock;
    ids: IdGenerator;
    arn: QueueArnContext;
    maxMessageBytes: number;
  }) {
    this.deps = { ...opts, signals: new QueueSignals() };
    this.registry = new QueueRegistry(this.deps);
    this.messages = new Messenger(this.deps, this.registry);
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    void this.sweep();
  }

  /** The account and region queue ARNs and URLs carry. */
  get arn(): QueueArnContext {
    return this.deps.arn;
  }

  /** The largest message (body plus attributes), and batch, any queue accepts. */
  get maxMessageBytes(): number {
    return this.deps.maxMessageBytes;
  }

  /** Queue by ARN (`arn:aws:sqs:<region>:<account>:<name>`) or null. */
  async byArn(arn: string): Promise<QueueSummary | null> {
    const q = await this.registry.byArn(arn);
    return q
      ? {
          name: q.name,
          arn: this.registry.arn(q.name),
          visibilityTimeoutS: intAttribute(q.attributes, 'VisibilityTimeout'),
          fifo: q.fifo,
        }
      : null;
  }

  /**
   * Programmatic receive for the event-source poller: ReceiveMessage with all
   * attributes and all message attributes; `waitTimeMs` long-polls (resolves
   * early when messages arrive or `signal` aborts).
   */
  async receive(
    queueName: string,
    o: {
      maxMessages: number;
      visibilityTimeoutS?: number;
      waitTimeMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<ReceivedMessage[]> {
    const { queue, messages } = await this.messages.receive(queueName, {
      ...o,
      waitTimeMs: o.waitTimeMs ?? 0,
    });
    return messages.map((m) =>
      toReceived(m, {
        fifo: queue.fifo,
        attributeNames: ['All'],
        messageAttributeNames: ['All'],
        sourceArn: (name) => this.registry.arn(name),
      }),
    );
  }

  /** Deletes by receipt handle; throws ReceiptHandleIsInvalid for a malformed one (others still go). */
  async deleteMessages(queueName: string, receiptHandles: string[]): Promise<void> {
    const errors = await this.messages.delete(queueName, receiptHandles);
    const first = errors.find((e) => e !== null);
    if (first) throw first;
  }

  /** Sets a received message's remaining invisibility; throws SQS's error when it cannot. */
  async changeVisibility(
    queueName: string,
    receiptHandle: string,
    visibilityTimeoutS: number,
  ): Promise<void> {
    const [err] = await this.messages.changeVisibility(queueName, [
      { handle: receiptHandle, visibilityTimeoutS },
    ]);
    if (err) throw err;
  }

  /** Programmatic send, used by the CLI path and tests; throws SQS's error for a bad message. */
  async send(
    queueName: string,
    body: string,
    o: SendOptions = {},
  ): Promise<{ messageId: string; md5OfBody: string }> {
    const [r] = await this.messages.send(
      queueName,
      [
        {
          body,
          ...(o.delaySeconds !== undefined ? { delaySeconds: o.delaySeconds } : {}),
          ...(o.messageAttributes
            ? { messageAttributes: wireAttributes(o.messageAttributes) }
            : {}),
          ...(o.groupId !== undefined ? { groupId: o.groupId } : {}),
          ...(o.dedupId !== undefined ? { dedupId: o.dedupId } : {}),
        },
      ],
      this.deps.arn.accountId,
    );
    if (r === undefined || r instanceof SqsError) throw r;
    return { messageId: r.messageId, md5OfBody: r.md5OfBody };
  }

  /** Stops the sweeper and wakes every long poll (they answer with what they have). */
  close(): void {
    clearInterval(this.sweeper);
    this.deps.signals.close();
  }

  private async sweep(): Promise<void> {
    try {
      await this.deps.store.queues.dropExpired(this.deps.clock.now(), DEDUP_WINDOW_MS);
    } catch {
      // The store may be closing; the next sweep (or the next start) catches up.
    }
  }
}
