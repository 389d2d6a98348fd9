import type { RuntimeInvocation } from '../types.js';
import { FrameType, HEAD_BYTES, putStr, strBytes } from './codec.js';

/** Events up to this size are copied into the frame: one buffer, one write. */
const COPY_LIMIT_BYTES = 64 * 1024;

/**
 * The INVOKE frame of `inv`: the head and metadata, and the event — in the same buffer
 * when the event is small, else as a second buffer (written under one cork).
 */
export function invokeFrame(inv: RuntimeInvocation): Buffer[] {
  const strings = [
    inv.requestId,
    inv.invokedFunctionArn,
    inv.traceId,
    inv.clientContext ?? '',
    inv.cognitoIdentity ?? '',
    inv.contentType ?? 'application/json',
  ];
  let meta = 8;
  for (const s of strings) meta += strBytes(s);
  const payload = inv.payload;
  const inline = payload.length <= COPY_LIMIT_BYTES;
  const head = Buffer.allocUnsafe(HEAD_BYTES + meta + (inline ? payload.length : 0));
  head.writeUInt32BE(meta + payload.length, 0);
  head[4] = FrameType.invoke;
  head.writeDoubleBE(inv.deadlineMs, HEAD_BYTES);
  let off = HEAD_BYTES + 8;
  for (const s of strings) off = putStr(head, off, s);
  if (!inline) return [head.subarray(0, off), payload];
  payload.copy(head, off);
  return [head];
}
