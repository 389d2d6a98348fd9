import type { QueueRecord } from '../store/index.js';
import type { QueueDeps } from './deps.js';
import { noSuchQueue, sqsError } from './errors.js';
import { checkQueueName, nameFromArn, queueArn } from './names.js';
import {
  defaultAttributes,
  intAttribute,
  parseRedrivePolicy,
  READ_ONLY_ATTRIBUTES,
  unknownAttribute,
  validateAttributes,
} from './queue-attributes.js';
import { checkTags } from './tags.js';

/** PurgeQueue may run once per queue in this window. */
const PURGE_INTERVAL_MS = 60_000;

/** The DLQ a queue's redrive policy names, resolved for a receive. */
export interface ResolvedRedrive {
  deadLetterQueue: string;
  maxReceiveCount: number;
  retentionMs: number;
}

/**
 * Queue management: create (idempotent as SQS), look up, list, attributes,
 * tags, delete and purge. Every method throws SQS's errors.
 */
export class QueueRegistry {
  constructor(private readonly deps: QueueDeps) {}

  /**
   * Creates a queue, or returns the existing one when every given attribute
   * matches it; throws QueueNameExists otherwise.
   */
  async create(
    name: string,
    attributes: Record<string, string>,
    tags: Record<string, string>,
  ): Promise<QueueRecord> {
    const fifoFlag = attributes.FifoQueue;
    if (fifoFlag !== undefined && fifoFlag !== 'true' && fifoFlag !== 'false') {
      throw sqsError('InvalidAttributeValue', 'Invalid value for the parameter FifoQueue.');
    }
    const fifo = fifoFlag === 'true';
    checkQueueName(name, fifo);
    const given = validateAttributes(attributes, {
      fifo,
      creating: true,
      maxMessageBytes: this.deps.maxMessageBytes,
    });
    if (given.RedrivePolicy) await this.checkRedriveTarget(given.RedrivePolicy, fifo);
    checkTags(tags);
    const nowMs = this.deps.clock.now();
    const merged = { ...defaultAttributes(fifo, this.deps.maxMessageBytes), ...given };
    if (merged.RedrivePolicy === '') delete merged.RedrivePolicy;
    if (!fifo) delete merged.FifoQueue;
    const { queue, created } = await this.deps.store.queues.createQueue({
      name,
      fifo,
      attributes: merged,
      tags,
      createdAtMs: nowMs,
      lastModifiedMs: nowMs,
      purgedAtMs: null,
    });
    if (created) return queue;
    for (const [k, v] of Object.entries(given)) {
      if ((k === 'FifoQueue' ? String(queue.fifo) : (queue.attributes[k] ?? '')) !== v) {
        throw sqsError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute ${k}`,
        );
      }
    }
    return queue;
  }

  /** The queue, or QueueDoesNotExist. */
  async get(name: string): Promise<QueueRecord> {
    const q = await this.deps.store.queues.getQueue(name);
    if (!q) throw noSuchQueue();
    return q;
  }

  /** The queue an ARN of this server names, or null. */
  async byArn(arn: string): Promise<QueueRecord | null> {
    const name = nameFromArn(this.deps.arn, arn);
    return name === null ? null : ((await this.deps.store.queues.getQueue(name)) ?? null);
  }

  async list(prefix?: string): Promise<QueueRecord[]> {
    return this.deps.store.queues.listQueues(prefix);
  }

  arn(name: string): string {
    return queueArn(this.deps.arn, name);
  }

  /** GetQueueAttributes: the named attributes (`All` for every one) that the queue has. */
  async attributes(name: string, names: readonly string[]): Promise<Record<string, string>> {
    const q = await this.get(name);
    const nowMs = this.deps.clock.now();
    const known = new Set<string>([
      ...READ_ONLY_ATTRIBUTES,
      ...Object.keys(defaultAttributes(true, 0)),
      'RedrivePolicy',
      'RedriveAllowPolicy',
      'Policy',
      'KmsMasterKeyId',
      'KmsDataKeyReusePeriodSeconds',
      'SqsManagedSseEnabled',
      'All',
    ]);
    for (const n of names) if (!known.has(n)) throw unknownAttribute(n);
    if (names.length === 0) return {};
    const counts = await this.deps.store.queues.counts(name, nowMs);
    const all: Record<string, string> = {
      QueueArn: this.arn(name),
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(q.createdAtMs / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.lastModifiedMs / 1000)),
      ...q.attributes,
    };
    if (names.includes('All')) return all;
    const out: Record<string, string> = {};
    // hasOwn: only the queue's own attributes, never Object.prototype's members.
    for (const n of names) if (Object.hasOwn(all, n)) out[n] = all[n]!;
    return out;
  }

  /** SetQueueAttributes; an empty RedrivePolicy removes it. */
  async setAttributes(name: string, attributes: Record<string, string>): Promise<void> {
    const q = await this.get(name);
    const given = validateAttributes(attributes, {
      fifo: q.fifo,
      creating: false,
      maxMessageBytes: this.deps.maxMessageBytes,
    });
    if (given.RedrivePolicy) await this.checkRedriveTarget(given.RedrivePolicy, q.fifo);
    const merged = { ...q.attributes, ...given };
    if (merged.RedrivePolicy === '') delete merged.RedrivePolicy;
    const retentionChanged = given.MessageRetentionPeriod !== undefined;
    const updated = await this.deps.store.queues.updateQueue(name, {
      attributes: merged,
      lastModifiedMs: this.deps.clock.now(),
      ...(retentionChanged
        ? { retentionMs: intAttribute(merged, 'MessageRetentionPeriod') * 1000 }
        : {}),
    });
    if (!updated) throw noSuchQueue();
    // Receivers waiting for a delayed message re-read the queue's settings.
    this.deps.signals.notify(name);
  }

  async delete(name: string): Promise<void> {
    if (!(await this.deps.store.queues.deleteQueue(name))) throw noSuchQueue();
    this.deps.signals.notify(name);
  }

  /** Deletes every message; once per minute per queue, as SQS allows. */
  async purge(name: string): Promise<void> {
    const q = await this.get(name);
    const nowMs = this.deps.clock.now();
    if (q.purgedAtMs !== null && nowMs - q.purgedAtMs < PURGE_INTERVAL_MS) {
      throw sqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`,
      );
    }
    if (!(await this.deps.store.queues.purge(name, nowMs))) throw noSuchQueue();
  }

  async tag(name: string, tags: Record<string, string>): Promise<void> {
    const q = await this.get(name);
    const merged = { ...q.tags, ...tags };
    checkTags(merged);
    await this.deps.store.queues.updateQueue(name, { tags: merged });
  }

  async untag(name: string, keys: readonly string[]): Promise<void> {
    const q = await this.get(name);
    const rest = { ...q.tags };
    for (const k of keys) delete rest[k];
    await this.deps.store.queues.updateQueue(name, { tags: rest });
  }

  /** Names of the queues whose redrive policy targets this one. */
  async deadLetterSources(name: string): Promise<string[]> {
    await this.get(name);
    const arn = this.arn(name);
    return (await this.list())
      .filter((q) => {
        const policy = q.attributes.RedrivePolicy;
        return policy !== undefined && parseRedrivePolicy(policy).deadLetterTargetArn === arn;
      })
      .map((q) => q.name);
  }

  /** Where a receive from `q` moves over-received messages; null without a (live) DLQ. */
  async redrive(q: QueueRecord): Promise<ResolvedRedrive | null> {
    const policy = q.attributes.RedrivePolicy;
    if (!policy) return null;
    const p = parseRedrivePolicy(policy);
    const dlq = await this.byArn(p.deadLetterTargetArn);
    // A deleted DLQ leaves the messages where they are, as on SQS.
    if (!dlq || dlq.name === q.name) return null;
    return {
      deadLetterQueue: dlq.name,
      maxReceiveCount: p.maxReceiveCount,
      retentionMs: intAttribute(dlq.attributes, 'MessageRetentionPeriod') * 1000,
    };
  }

  private async checkRedriveTarget(policy: string, fifo: boolean): Promise<void> {
    const p = parseRedrivePolicy(policy);
    const dlq = await this.byArn(p.deadLetterTargetArn);
    const bad = (reason: string) =>
      sqsError(
        'InvalidParameterValue',
        `Value ${policy} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
      );
    if (!dlq) throw bad('Dead-letter target does not exist.');
    if (dlq.fifo !== fifo) {
      throw bad('Dead-letter queue must be same type of queue as the source.');
    }
  }
}
