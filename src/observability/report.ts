import type { LogLine } from '../scheduler/index.js';
import type { LogEvent } from '../store/types.js';

export interface InvocationLogInput {
  functionName: string;
  requestId: string;
  version: string;
  initLines: LogLine[];
  lines: LogLine[];
  /** Extra platform line before END (a timeout or crash message), if any. */
  platformError?: string;
  startedAtMs: number;
  endedAtMs: number;
  durationMs: number;
  memoryMb: number;
  maxMemoryBytes: number;
  /** Present on a cold start. */
  initDurationMs?: number;
  /** Waited this long for a busy instance (the node's run slots were full). */
  queuedMs?: number;
  /** How the instance came to serve; `Start Type` is printed unless it was warm. */
  startType?: 'cold' | 'prewarmed' | 'provisioned' | 'warm';
}

/** Lambda's REPORT line, e.g. `REPORT RequestId: …\tDuration: 1.23 ms\tBilled Duration: 2 ms\t…`. */
export function reportLine(i: InvocationLogInput): string {
  const billed = Math.max(1, Math.ceil(i.durationMs));
  const usedMb = Math.max(1, Math.round(i.maxMemoryBytes / (1024 * 1024)));
  let line =
    `REPORT RequestId: ${i.requestId}\tDuration: ${i.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${billed} ms\tMemory Size: ${i.memoryMb} MB\tMax Memory Used: ${usedMb} MB\t`;
  if (i.initDurationMs !== undefined) line += `Init Duration: ${i.initDurationMs.toFixed(2)} ms\t`;
  // Nimbus's own field, after Lambda's: on-demand (cold), prewarmed or provisioned.
  if (i.startType && i.startType !== 'warm') line += `Start Type: ${i.startType}\t`;
  if (i.queuedMs) line += `Queue Duration: ${i.queuedMs.toFixed(2)} ms\t`;
  return line;
}

/**
 * An invocation's whole log as stored events: init lines, START, the
 * function's lines, END, REPORT.
 */
export function invocationLog(i: InvocationLogInput): LogEvent[] {
  const ev = (
    timestampMs: number,
    message: string,
    requestId: string | null = i.requestId,
  ): LogEvent => ({
    functionName: i.functionName,
    timestampMs,
    requestId,
    message,
  });
  const out: LogEvent[] = [];
  for (const l of i.initLines) out.push(ev(l.timestampMs, l.text, null));
  out.push(ev(i.startedAtMs, `START RequestId: ${i.requestId} Version: ${i.version}`));
  for (const l of i.lines) out.push(ev(l.timestampMs, l.text));
  if (i.platformError) out.push(ev(i.endedAtMs, i.platformError));
  out.push(ev(i.endedAtMs, `END RequestId: ${i.requestId}`));
  out.push(ev(i.endedAtMs, reportLine(i)));
  return out;
}

const TAIL_BYTES = 4096;

/** `X-Amz-Log-Result`: base64 of the last 4 KB of the invocation's log text. */
export function logTail(events: LogEvent[]): string {
  let text = '';
  for (const e of events) text += `${e.message}\n`;
  let buf = Buffer.from(text, 'utf8');
  if (buf.length > TAIL_BYTES) buf = buf.subarray(buf.length - TAIL_BYTES);
  return buf.toString('base64');
}
