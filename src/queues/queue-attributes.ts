import { type SqsError, sqsError } from './errors.js';
import { invalidXmlChar } from './xml-chars.js';

/** Seconds a FIFO deduplication id is remembered. */
export const DEDUP_WINDOW_MS = 5 * 60_000;

/** Attributes computed by the service, never set. */
export const READ_ONLY_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

/** Integer attributes and their inclusive ranges. */
const INTEGER_RANGES = new Map<string, [number, number]>([
  ['DelaySeconds', [0, 900]],
  ['MessageRetentionPeriod', [60, 1_209_600]],
  ['ReceiveMessageWaitTimeSeconds', [0, 20]],
  ['VisibilityTimeout', [0, 43_200]],
  ['KmsDataKeyReusePeriodSeconds', [60, 86_400]],
]);

/** Stored as given (policies, KMS settings). */
const OPAQUE = new Set(['Policy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'SqsManagedSseEnabled']);
const FIFO_ONLY = new Map<string, readonly string[]>([
  ['ContentBasedDeduplication', ['true', 'false']],
  ['DeduplicationScope', ['messageGroup', 'queue']],
  ['FifoThroughputLimit', ['perQueue', 'perMessageGroupId']],
]);

/** A queue's redrive policy, parsed. */
export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** The attributes every queue has until set otherwise. */
export function defaultAttributes(fifo: boolean, maxMessageBytes: number): Record<string, string> {
  const base: Record<string, string> = {
    DelaySeconds: '0',
    MaximumMessageSize: String(maxMessageBytes),
    MessageRetentionPeriod: '345600',
    ReceiveMessageWaitTimeSeconds: '0',
    VisibilityTimeout: '30',
  };
  if (fifo) {
    Object.assign(base, {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'queue',
      FifoThroughputLimit: 'perQueue',
    });
  }
  return base;
}

/** SQS's answer for a name no queue attribute has. */
export function unknownAttribute(name: string): SqsError {
  return sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
}

function invalidValue(name: string): SqsError {
  return sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
}

/**
 * Checks settable attributes (values are SQS strings) and returns them normalised.
 * `RedrivePolicy` is checked for shape here; its target by the caller.
 * `FifoQueue` is accepted only when `creating`.
 */
export function validateAttributes(
  attrs: Record<string, string>,
  o: { fifo: boolean; creating: boolean; maxMessageBytes: number },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attrs)) {
    if (typeof raw !== 'string') throw invalidValue(name);
    const value = raw.trim();
    const range: [number, number] | undefined =
      name === 'MaximumMessageSize' ? [1024, o.maxMessageBytes] : INTEGER_RANGES.get(name);
    const fifoValues = FIFO_ONLY.get(name);
    if (range) {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < range[0] || n > range[1]) throw invalidValue(name);
      out[name] = String(n);
    } else if (name === 'RedrivePolicy') {
      if (value !== '') parseRedrivePolicy(value);
      out[name] = value === '' ? '' : normaliseRedrive(value);
    } else if (name === 'FifoQueue') {
      if (!o.creating) throw sqsError('InvalidAttributeName', `Invalid attribute name ${name}.`);
      if (value !== String(o.fifo)) throw invalidValue(name);
      out[name] = value;
    } else if (fifoValues) {
      if (!o.fifo) throw unknownAttribute(name);
      if (!fifoValues.includes(value)) throw invalidValue(name);
      out[name] = value;
    } else if (OPAQUE.has(name)) {
      if (invalidXmlChar(raw)) throw invalidValue(name);
      out[name] = raw;
    } else if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(name)) {
      throw sqsError('InvalidAttributeName', `Invalid attribute name ${name}.`);
    } else {
      throw unknownAttribute(name);
    }
  }
  return out;
}

/** Parses a RedrivePolicy string; throws InvalidParameterValue as SQS does. */
export function parseRedrivePolicy(value: string): RedrivePolicy {
  const bad = (reason: string): SqsError =>
    sqsError(
      'InvalidParameterValue',
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw bad('Redrive policy is not a valid JSON map.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw bad('Redrive policy is not a valid JSON map.');
  }
  const p = raw as Record<string, unknown>; // A non-array object, checked above.
  if (typeof p.deadLetterTargetArn !== 'string' || p.deadLetterTargetArn === '') {
    throw bad('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  }
  if (p.maxReceiveCount === undefined) {
    throw bad('Redrive policy does not contain mandatory attribute: maxReceiveCount.');
  }
  const count = Number(p.maxReceiveCount);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw bad('Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
  }
  return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: count };
}

/** SQS answers RedrivePolicy with the count as a number, whatever form it was set in. */
function normaliseRedrive(value: string): string {
  const p = parseRedrivePolicy(value);
  return JSON.stringify({
    deadLetterTargetArn: p.deadLetterTargetArn,
    maxReceiveCount: p.maxReceiveCount,
  });
}

/** An integer attribute of a stored queue (validated when set). */
export function intAttribute(attrs: Record<string, string>, name: string): number {
  return Number(attrs[name] ?? 0);
}
