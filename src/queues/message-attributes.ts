import { invalidParameter, sqsError } from './errors.js';
import { ALLOWED_CHARS, invalidXmlChar } from './xml-chars.js';

/** One message attribute as the service holds it. */
export interface MessageAttribute {
  /** `String`, `Number` or `Binary`, optionally with a custom suffix (`Number.int`). */
  dataType: string;
  stringValue?: string;
  binaryValue?: Buffer;
}

export type MessageAttributes = Record<string, MessageAttribute>;

/** SQS's per-message limit on attributes. */
const MAX_ATTRIBUTES = 10;
const MAX_NAME_CHARS = 256;
const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const TYPE_RE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]*)?$/;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/** The only message system attribute a sender may set. */
const SYSTEM_ATTRIBUTES = new Set(['AWSTraceHeader']);

/**
 * Validates message attributes as they arrived on the wire (JSON-shaped:
 * `{ name: { DataType, StringValue | BinaryValue } }`, binary values base64)
 * and returns them decoded. `system` checks MessageSystemAttributes instead.
 * Throws SQS's errors (InvalidParameterValue) for anything SQS refuses.
 */
export function parseMessageAttributes(raw: unknown, system = false): MessageAttributes {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw sqsError('InvalidParameterValue', 'The message attributes must be a map.');
  }
  const label = system ? 'system' : '(user)';
  // A non-array object, checked above.
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw sqsError(
      'InvalidParameterValue',
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  const out: MessageAttributes = {};
  for (const [name, value] of entries) {
    if (system ? !SYSTEM_ATTRIBUTES.has(name) : !validName(name)) {
      throw sqsError(
        'InvalidParameterValue',
        `Message ${label} attribute name '${name}' is invalid.`,
      );
    }
    out[name] = parseValue(name, value, label);
  }
  return out;
}

function validName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    name.length <= MAX_NAME_CHARS &&
    name !== '__proto__' &&
    NAME_RE.test(name) &&
    !lower.startsWith('aws.') &&
    !lower.startsWith('amazon.') &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..')
  );
}

function parseValue(name: string, value: unknown, label: string): MessageAttribute {
  // Any other shape reads as missing members below and is refused there.
  const v = (value ?? {}) as Record<string, unknown>;
  const dataType = v.DataType;
  if (typeof dataType !== 'string' || dataType === '') {
    throw sqsError(
      'InvalidParameterValue',
      `The message ${label} attribute '${name}' must contain a non-empty message attribute type.`,
    );
  }
  if (!TYPE_RE.test(dataType) || dataType.length > MAX_NAME_CHARS) {
    throw sqsError(
      'InvalidParameterValue',
      `The type of message ${label} attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
    );
  }
  if (listGiven(v.StringListValues) || listGiven(v.BinaryListValues)) {
    throw sqsError(
      'InvalidParameterValue',
      'Message attribute list values in SendMessage operation are not supported.',
    );
  }
  const base = dataType.split('.')[0];
  const empty = (): never => {
    throw sqsError(
      'InvalidParameterValue',
      `The message ${label} attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`,
    );
  };
  if (base === 'Binary') {
    if (typeof v.BinaryValue !== 'string' || v.BinaryValue === '') return empty();
    const clean = v.BinaryValue.replace(/\s+/g, '');
    if (!BASE64_RE.test(clean) || clean.length % 4 === 1) {
      throw invalidParameter(`MessageAttribute.${name}`, '(binary)', 'not valid base64.');
    }
    return { dataType, binaryValue: Buffer.from(clean, 'base64') };
  }
  if (typeof v.StringValue !== 'string' || v.StringValue === '') return empty();
  const bad = invalidXmlChar(v.StringValue);
  if (bad) {
    throw sqsError(
      'InvalidParameterValue',
      `Invalid binary character '${bad}' was found in the value of message ${label} attribute '${name}', the set of allowed characters is ${ALLOWED_CHARS}`,
    );
  }
  if (base === 'Number' && !NUMBER_RE.test(v.StringValue.trim())) {
    throw sqsError(
      'InvalidParameterValue',
      `Can't cast the value of message ${label} attribute '${name}' to a number.`,
    );
  }
  return { dataType, stringValue: v.StringValue };
}

function listGiven(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

/** Bytes the attributes count towards the message size: name, type and value of each. */
export function attributesSizeBytes(attrs: MessageAttributes): number {
  let n = 0;
  for (const [name, a] of Object.entries(attrs)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.dataType);
    n += a.binaryValue ? a.binaryValue.length : Buffer.byteLength(a.stringValue ?? '');
  }
  return n;
}

/** The stored form (JSON, binary as base64); null when there are none. */
export function encodeAttributes(attrs: MessageAttributes): string | null {
  const names = Object.keys(attrs);
  if (names.length === 0) return null;
  const out: Record<string, { t: string; s?: string; b?: string }> = {};
  for (const name of names) {
    const a = attrs[name]!; // name comes from Object.keys(attrs).
    out[name] = a.binaryValue
      ? { t: a.dataType, b: a.binaryValue.toString('base64') }
      : { t: a.dataType, s: a.stringValue ?? '' };
  }
  return JSON.stringify(out);
}

/** Reads the stored form back. */
export function decodeAttributes(stored: string | null): MessageAttributes {
  if (stored === null) return {};
  // Written only by encodeAttributes().
  const raw = JSON.parse(stored) as Record<string, { t: string; s?: string; b?: string }>;
  const out: MessageAttributes = {};
  for (const [name, a] of Object.entries(raw)) {
    out[name] =
      a.b !== undefined
        ? { dataType: a.t, binaryValue: Buffer.from(a.b, 'base64') }
        : { dataType: a.t, stringValue: a.s ?? '' };
  }
  return out;
}

/** An attribute as SQS answers it (binary as base64, empty list values). */
export interface WireMessageAttribute {
  stringValue?: string;
  /** base64 */
  binaryValue?: string;
  stringListValues: string[];
  binaryListValues: string[];
  dataType: string;
}

/** The wire form of the attributes whose names `patterns` select (`All`, `.*`, `name`, `prefix.*`). */
export function selectAttributes(
  attrs: MessageAttributes,
  patterns: readonly string[],
): Record<string, WireMessageAttribute> {
  const all = patterns.includes('All') || patterns.includes('.*');
  const out: Record<string, WireMessageAttribute> = {};
  for (const [name, a] of Object.entries(attrs)) {
    const wanted =
      all ||
      patterns.some((p) => (p.endsWith('.*') ? name.startsWith(p.slice(0, -1)) : p === name));
    if (!wanted) continue;
    out[name] = {
      ...(a.binaryValue
        ? { binaryValue: a.binaryValue.toString('base64') }
        : { stringValue: a.stringValue ?? '' }),
      stringListValues: [],
      binaryListValues: [],
      dataType: a.dataType,
    };
  }
  return out;
}
