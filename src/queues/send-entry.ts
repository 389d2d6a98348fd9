import { createHash } from 'node:crypto';
import type { NewQueueMessage, QueueRecord } from '../store/index.js';
import { invalidParameter, missingParameter, sqsError } from './errors.js';
import { md5Hex, md5OfMessageAttributes } from './md5.js';
import {
  attributesSizeBytes,
  encodeAttributes,
  type MessageAttributes,
  parseMessageAttributes,
} from './message-attributes.js';
import { intAttribute } from './queue-attributes.js';
import { ALLOWED_CHARS, invalidXmlChar } from './xml-chars.js';

/** One message to send, as a client gave it (attributes still in wire form). */
export interface SendInput {
  body: string;
  delaySeconds?: number;
  /** `{ name: { DataType, StringValue | BinaryValue(base64) } }` */
  messageAttributes?: unknown;
  /** Only `AWSTraceHeader`. */
  messageSystemAttributes?: unknown;
  /**
   * The request's `X-Amzn-Trace-Id` (what the AWS SDK sends from inside a function):
   * stored as `AWSTraceHeader` when the sender set none, as SQS does.
   */
  traceHeader?: string;
  groupId?: string;
  dedupId?: string;
}

/** What SendMessage answers for one stored (or deduplicated) message. */
export interface SendResult {
  messageId: string;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  md5OfMessageSystemAttributes?: string;
  /** FIFO only. */
  sequenceNumber?: string;
}

/** A validated message, ready for the store, with the digests SendMessage answers. */
export interface PreparedMessage {
  row: NewQueueMessage;
  result: Omit<SendResult, 'messageId'>;
}

const MAX_DELAY_S = 900;
const FIFO_ID_RE = /^[\x21-\x7e]{1,128}$/;

/**
 * Checks one message against its queue (body characters, size with attributes,
 * delay, FIFO ids) and builds the row to store. Throws SQS's error for the entry.
 */
export function prepareMessage(
  q: QueueRecord,
  input: SendInput,
  o: { messageId: string; senderId: string; nowMs: number },
): PreparedMessage {
  const { body } = input;
  if (typeof body !== 'string' || body === '') throw missingParameter('MessageBody');
  const bad = invalidXmlChar(body);
  if (bad) {
    throw sqsError(
      'InvalidMessageContents',
      `Invalid binary character '${bad}' was found in the message body, the set of allowed characters is ${ALLOWED_CHARS}`,
    );
  }
  const attrs = parseMessageAttributes(input.messageAttributes);
  const system = parseMessageAttributes(input.messageSystemAttributes, true);
  const maxBytes = intAttribute(q.attributes, 'MaximumMessageSize');
  if (Buffer.byteLength(body) + attributesSizeBytes(attrs) > maxBytes) {
    throw sqsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${maxBytes} bytes.`,
    );
  }
  const delayS = checkDelay(q, input.delaySeconds);
  const { groupId, dedupId, dedupKey } = fifoIds(q, input);
  const md5OfAttrs = md5OfMessageAttributes(attrs);
  const md5OfSystem = md5OfMessageAttributes(system);
  return {
    row: {
      messageId: o.messageId,
      body,
      md5OfBody: md5Hex(body),
      messageAttributes: encodeAttributes(attrs),
      md5OfMessageAttributes: md5OfAttrs,
      systemAttributes: encodeAttributes(withTraceHeader(system, input.traceHeader)),
      senderId: o.senderId,
      sentAtMs: o.nowMs,
      visibleAtMs: o.nowMs + delayS * 1000,
      expiresAtMs: o.nowMs + intAttribute(q.attributes, 'MessageRetentionPeriod') * 1000,
      groupId,
      dedupId,
      dedupKey,
    },
    result: {
      md5OfBody: md5Hex(body),
      ...(md5OfAttrs ? { md5OfMessageAttributes: md5OfAttrs } : {}),
      ...(md5OfSystem ? { md5OfMessageSystemAttributes: md5OfSystem } : {}),
    },
  };
}

function checkDelay(q: QueueRecord, delay: number | undefined): number {
  if (delay === undefined) return intAttribute(q.attributes, 'DelaySeconds');
  if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_S) {
    throw invalidParameter('DelaySeconds', delay, 'must be between 0 and 900, if provided.');
  }
  if (q.fifo && delay !== 0) {
    throw invalidParameter(
      'DelaySeconds',
      delay,
      'The request include parameter that is not valid for this queue type.',
    );
  }
  return delay;
}

function fifoIds(
  q: QueueRecord,
  input: SendInput,
): { groupId: string | null; dedupId: string | null; dedupKey: string | null } {
  const { groupId, dedupId } = input;
  if (groupId !== undefined && !FIFO_ID_RE.test(groupId)) {
    throw invalidParameter(
      'MessageGroupId',
      groupId,
      'must be 1 to 128 printable ASCII characters.',
    );
  }
  if (dedupId !== undefined && !FIFO_ID_RE.test(dedupId)) {
    throw invalidParameter(
      'MessageDeduplicationId',
      dedupId,
      'must be 1 to 128 printable ASCII characters.',
    );
  }
  if (!q.fifo) {
    if (dedupId !== undefined) {
      throw invalidParameter(
        'MessageDeduplicationId',
        dedupId,
        'The request include parameter that is not valid for this queue type.',
      );
    }
    // Standard queues accept a group id (fair queues) without ordering by it.
    return { groupId: groupId ?? null, dedupId: null, dedupKey: null };
  }
  if (groupId === undefined) throw missingParameter('MessageGroupId');
  let id = dedupId;
  if (id === undefined) {
    if (q.attributes.ContentBasedDeduplication !== 'true') {
      throw sqsError(
        'InvalidParameterValue',
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
    id = createHash('sha256').update(input.body).digest('hex');
  }
  const perGroup = q.attributes.DeduplicationScope === 'messageGroup';
  return { groupId, dedupId: id, dedupKey: perGroup ? `${groupId}\n${id}` : id };
}

/** Converts programmatic attributes (binary as Buffer or base64) into the wire form. */
export function wireAttributes(
  attrs: Record<string, { dataType: string; stringValue?: string; binaryValue?: Buffer | string }>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(attrs)) {
    const bin = a.binaryValue;
    out[name] = {
      DataType: a.dataType,
      ...(a.stringValue !== undefined ? { StringValue: a.stringValue } : {}),
      ...(bin !== undefined
        ? { BinaryValue: Buffer.isBuffer(bin) ? bin.toString('base64') : bin }
        : {}),
    };
  }
  return out;
}

const XRAY_HEADER_RE = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}(;[A-Za-z]+=[\w.-]*)*$/i;

/**
 * The system attributes to store: the sender's, plus `AWSTraceHeader` from the request's
 * X-Ray header when the sender gave none (the answer's MD5 covers only what it sent).
 */
function withTraceHeader(system: MessageAttributes, header: string | undefined) {
  if (system.AWSTraceHeader || !header || header.length > 1024 || !XRAY_HEADER_RE.test(header))
    return system;
  return { ...system, AWSTraceHeader: { dataType: 'String', stringValue: header } };
}
