/**
 * What the built-in SQS service stores: queues and their messages. The store
 * keeps rows durable and moves them atomically; the meaning of attributes,
 * limits and errors lives in src/queues/.
 */

/** A queue as stored. */
export interface QueueRecord {
  name: string;
  fifo: boolean;
  /** The settable attributes (VisibilityTimeout, RedrivePolicy, ...) as SQS strings. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAtMs: number;
  lastModifiedMs: number;
  /** The last PurgeQueue; null when never purged. */
  purgedAtMs: number | null;
}

/** A message about to be stored. */
export interface NewQueueMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  /** JSON of the message attributes (the service's encoding); null when there are none. */
  messageAttributes: string | null;
  md5OfMessageAttributes: string | null;
  /** JSON of the message system attributes; null when there are none. */
  systemAttributes: string | null;
  senderId: string;
  sentAtMs: number;
  /** When it can first be received (the end of its delay). */
  visibleAtMs: number;
  /** When retention drops it. */
  expiresAtMs: number;
  groupId: string | null;
  dedupId: string | null;
  /**
   * FIFO: the key deduplicated on within the window (the dedup id, scoped to the
   * group when the queue says so); null for standard queues.
   */
  dedupKey: string | null;
}

/** A stored message. */
export interface QueueMessage extends Omit<NewQueueMessage, 'dedupKey'> {
  /** Grows with every message ever stored; orders FIFO groups. */
  seq: number;
  receiveCount: number;
  firstReceiveAtMs: number | null;
  /** The nonce of the newest receipt handle; null before the first receive. */
  receiptToken: string | null;
  /** The queue a dead-lettered message came from. */
  deadLetterSource: string | null;
}

/** What happened to one message of a send. */
export interface SendOutcome {
  seq: number;
  messageId: string;
  /** True when a FIFO dedup key was seen within the window: nothing was stored. */
  duplicate: boolean;
}

/** One receive, run as one transaction. */
export interface ReceiveRequest {
  queueName: string;
  nowMs: number;
  maxMessages: number;
  /** The end of the visibility timeout for what is delivered. */
  visibleUntilMs: number;
  /** FIFO: deliver in `seq` order and skip groups with messages in flight. */
  fifo: boolean;
  /** A fresh receipt nonce for each delivered message. */
  newToken: () => string;
  /** Messages already received `maxReceiveCount` times move to the DLQ instead. */
  redrive: {
    deadLetterQueue: string;
    maxReceiveCount: number;
    /** The DLQ's retention: a moved message keeps its original sent time. */
    retentionMs: number;
  } | null;
}

/** A message's receipt: its row and the nonce of the handle the client holds. */
export interface Receipt {
  seq: number;
  token: string;
}

/** `stale`: a newer receive replaced the handle; `gone`: no such message in the queue. */
export type DeleteOutcome = 'deleted' | 'stale' | 'gone';

/** `not-in-flight`: the handle is current but the message is visible (or was never received). */
export type VisibilityOutcome = 'changed' | 'not-in-flight' | 'gone';

export interface QueueCounts {
  visible: number;
  /** Received and within their visibility timeout. */
  inFlight: number;
  /** Sent with a delay that has not ended. */
  delayed: number;
}

export interface QueueStore {
  /** Inserts the queue unless one of that name exists; returns the stored one either way. */
  createQueue(rec: QueueRecord): Promise<{ queue: QueueRecord; created: boolean }>;
  getQueue(name: string): Promise<QueueRecord | undefined>;
  /** By name; only names starting with `prefix` when given. */
  listQueues(prefix?: string): Promise<QueueRecord[]>;
  /**
   * Replaces attributes and tags (and the expiry of stored messages, when
   * `retentionMs` is given). Undefined when there is no such queue.
   */
  updateQueue(
    name: string,
    patch: {
      attributes?: Record<string, string>;
      tags?: Record<string, string>;
      lastModifiedMs?: number;
      retentionMs?: number;
    },
  ): Promise<QueueRecord | undefined>;
  /** Deletes the queue with its messages; false when it did not exist. */
  deleteQueue(name: string): Promise<boolean>;
  /** Deletes every message of the queue and records the purge time; false when no queue. */
  purge(name: string, nowMs: number): Promise<boolean>;
  /**
   * Stores messages in one transaction. Messages with a `dedupKey` seen within
   * `dedupWindowMs` are not stored; their outcome names the first message.
   * Null (nothing stored) when the queue does not exist.
   */
  send(
    queueName: string,
    messages: NewQueueMessage[],
    dedupWindowMs: number,
  ): Promise<SendOutcome[] | null>;
  /** Takes up to `maxMessages` visible messages (moving over-received ones to the DLQ). */
  receive(req: ReceiveRequest): Promise<QueueMessage[]>;
  /** Deletes by receipt, in one transaction; one outcome per receipt. */
  deleteMessages(queueName: string, receipts: Receipt[]): Promise<DeleteOutcome[]>;
  /** Sets when in-flight messages become visible again, in one transaction. */
  changeVisibility(
    queueName: string,
    changes: Array<Receipt & { visibleAtMs: number }>,
    nowMs: number,
  ): Promise<VisibilityOutcome[]>;
  counts(queueName: string, nowMs: number): Promise<QueueCounts>;
  /** The earliest time a not-yet-visible message of the queue becomes visible, or null. */
  nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | null>;
  /** Drops expired messages and dedup keys older than the window; returns messages dropped. */
  dropExpired(nowMs: number, dedupWindowMs: number): Promise<number>;
}
