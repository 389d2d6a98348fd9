import type { InvocationRecord } from '../../store/types.js';

/** The identity of an async invocation's record; everything else starts empty. */
export type RecordIdentity = Pick<
  InvocationRecord,
  | 'requestId'
  | 'functionName'
  | 'version'
  | 'qualifier'
  | 'source'
  | 'status'
  | 'attempts'
  | 'createdAtMs'
>;

/** A queued (Event) invocation's record with no run yet. */
export function eventRecord(
  id: RecordIdentity,
  patch: Partial<InvocationRecord> = {},
): InvocationRecord {
  return {
    ...id,
    invocationType: 'Event',
    queuedAtMs: id.createdAtMs,
    startedAtMs: null,
    endedAtMs: null,
    initDurationMs: null,
    durationMs: null,
    billedDurationMs: null,
    cold: null,
    maxMemoryMb: null,
    errorType: null,
    errorMessage: null,
    ...patch,
  };
}
