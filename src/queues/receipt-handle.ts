import type { Receipt } from '../store/index.js';
import { sqsError } from './errors.js';

const PREFIX = 'nimbus:';
const DECODED_RE = /^nimbus:(\d{1,15}):([0-9a-f]{16,64})$/;

/**
 * A receipt handle: base64 of the message's row and the nonce of this receive.
 * Opaque to clients; every receive makes a new one.
 */
export function encodeReceiptHandle(r: Receipt): string {
  return Buffer.from(`${PREFIX}${r.seq}:${r.token}`, 'utf8').toString('base64');
}

/** Reads a handle back; throws ReceiptHandleIsInvalid for anything this service did not hand out. */
export function decodeReceiptHandle(handle: string): Receipt {
  const m = DECODED_RE.exec(Buffer.from(handle, 'base64').toString('utf8'));
  if (!m || encodeReceiptHandle({ seq: Number(m[1]), token: m[2]! }) !== handle) {
    throw sqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
  }
  return { seq: Number(m[1]), token: m[2]! }; // The pattern has two groups.
}
