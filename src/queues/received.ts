import type { QueueMessage } from '../store/index.js';
import { md5OfMessageAttributes } from './md5.js';
import {
  decodeAttributes,
  type MessageAttributes,
  selectAttributes,
  type WireMessageAttribute,
} from './message-attributes.js';
import { encodeReceiptHandle } from './receipt-handle.js';

/** A received message, as the event-source poller gets it (all attributes). */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, FIFO ids... */
  attributes: Record<string, string>;
  messageAttributes: Record<string, WireMessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
}

/** SQS's 20-digit FIFO sequence number. */
export function sequenceNumber(seq: number): string {
  return String(seq).padStart(20, '0');
}

/**
 * The message system attributes of a received message that `names` select
 * (`All` selects every one). `sourceArn` names the queue a dead letter came from.
 */
export function systemAttributes(
  m: QueueMessage,
  fifo: boolean,
  names: readonly string[],
  sourceArn: (queue: string) => string,
): Record<string, string> {
  const all: Record<string, string> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentAtMs),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveAtMs ?? m.sentAtMs),
  };
  const sys = decodeAttributes(m.systemAttributes);
  if (sys.AWSTraceHeader?.stringValue) all.AWSTraceHeader = sys.AWSTraceHeader.stringValue;
  if (m.deadLetterSource) all.DeadLetterQueueSourceArn = sourceArn(m.deadLetterSource);
  if (m.groupId !== null) all.MessageGroupId = m.groupId;
  if (fifo) {
    if (m.dedupId !== null) all.MessageDeduplicationId = m.dedupId;
    all.SequenceNumber = sequenceNumber(m.seq);
  }
  if (names.includes('All')) return all;
  const out: Record<string, string> = {};
  // hasOwn: a name like `constructor` must not reach Object.prototype.
  for (const n of names) if (Object.hasOwn(all, n)) out[n] = all[n]!;
  return out;
}

/** What a receive hands out for one message, with the attributes asked for. */
export function toReceived(
  m: QueueMessage,
  o: {
    fifo: boolean;
    attributeNames: readonly string[];
    messageAttributeNames: readonly string[];
    sourceArn: (queue: string) => string;
  },
): ReceivedMessage {
  const attrs: MessageAttributes = decodeAttributes(m.messageAttributes);
  const selected = selectAttributes(attrs, o.messageAttributeNames);
  const chosen: MessageAttributes = {};
  for (const name of Object.keys(selected)) chosen[name] = attrs[name]!; // selected ⊆ attrs.
  // The digest covers the attributes returned, so clients can check what they got.
  const md5 = md5OfMessageAttributes(chosen);
  return {
    messageId: m.messageId,
    receiptHandle: encodeReceiptHandle({ seq: m.seq, token: m.receiptToken ?? '' }),
    body: m.body,
    attributes: systemAttributes(m, o.fifo, o.attributeNames, o.sourceArn),
    messageAttributes: selected,
    md5OfBody: m.md5OfBody,
    ...(md5 ? { md5OfMessageAttributes: md5 } : {}),
  };
}

/** The JSON protocol's Message shape (the query protocol writes the same as XML). */
export function wireMessage(r: ReceivedMessage): Record<string, unknown> {
  const attrs = Object.keys(r.attributes).length ? { Attributes: r.attributes } : {};
  const msgAttrs: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(r.messageAttributes)) {
    msgAttrs[name] = {
      ...(a.stringValue !== undefined ? { StringValue: a.stringValue } : {}),
      ...(a.binaryValue !== undefined ? { BinaryValue: a.binaryValue } : {}),
      StringListValues: a.stringListValues,
      BinaryListValues: a.binaryListValues,
      DataType: a.dataType,
    };
  }
  return {
    MessageId: r.messageId,
    ReceiptHandle: r.receiptHandle,
    MD5OfBody: r.md5OfBody,
    Body: r.body,
    ...attrs,
    ...(r.md5OfMessageAttributes ? { MD5OfMessageAttributes: r.md5OfMessageAttributes } : {}),
    ...(Object.keys(msgAttrs).length ? { MessageAttributes: msgAttrs } : {}),
  };
}
