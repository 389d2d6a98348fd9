import type { ArnContext } from '../../shared/arn.js';
import type { Flavour } from '../../store/types.js';

export interface TimerFire {
  timerName: string;
  /** The due time being fired (not the moment it ran). */
  dueAtMs: number;
  /** The timer's static payload text, or null. */
  payload: string | null;
  /** The event id (a uuid) for the Lambda flavour. */
  eventId: string;
}

/** `2016-12-30T18:44:49Z`: ISO 8601 to the second, as EventBridge writes `time`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The event a timer fire delivers. Lambda flavour: EventBridge's Scheduled
 * Event, with the static payload (JSON) as `detail` (`{}` without one). Function
 * Compute flavour: `{triggerTime, triggerName, payload}` with the payload text
 * as is (`""` without one).
 */
export function timerEvent(flavour: Flavour, arn: ArnContext, fire: TimerFire): Buffer {
  const time = isoSeconds(fire.dueAtMs);
  if (flavour === 'fc') {
    return Buffer.from(
      JSON.stringify({
        triggerTime: time,
        triggerName: fire.timerName,
        payload: fire.payload ?? '',
      }),
    );
  }
  return Buffer.from(
    JSON.stringify({
      version: '0',
      id: fire.eventId,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: arn.accountId,
      time,
      region: arn.region,
      resources: [`arn:aws:events:${arn.region}:${arn.accountId}:rule/${fire.timerName}`],
      detail: detailOf(fire.payload),
    }),
  );
}

/** The payload as JSON; text that is not JSON (a timer made for an FC function) stays a string. */
function detailOf(payload: string | null): unknown {
  if (payload === null) return {};
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}
