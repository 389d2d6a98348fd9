import { Cron, type CronOptions } from 'croner';
import { toCronerPattern } from './eventbridge-cron.js';
import { parseRate } from './rate.js';
import { ScheduleError } from './schedule-error.js';

export type ScheduleKind = 'rate' | 'eventbridge-cron' | 'cron';

/** The zone a schedule without one runs in (EventBridge's default). */
export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * A parsed schedule. Due times form a chain: a cron's are the instants its
 * fields match; a rate's are `anchor + k × period`, anchored at the timer's first
 * due time, so a rate keeps its phase across restarts and pauses.
 */
export interface Schedule {
  readonly kind: ScheduleKind;
  readonly expression: string;
  readonly timeZone: string;
  /** The first due time of a timer created at `nowMs`; null when it never fires. */
  first(nowMs: number): number | null;
  /**
   * The first due time after `nowMs` in the chain that holds `dueMs`: `dueMs`
   * itself when it is later than `nowMs`. `next(d, d)` is the due time after `d`.
   */
  next(dueMs: number, nowMs: number): number | null;
}

const NICKNAMES = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

/**
 * Parses `rate(N unit)`, EventBridge `cron(min hour dom month dow year)`, or a
 * plain 5-field (`min hour dom month dow`) / 6-field (seconds first) cron, in an
 * optional IANA time zone (default UTC; a rate ignores it). Throws a
 * ScheduleError naming the problem.
 *
 * @example parseSchedule('cron(0 12 * * ? *)', 'Europe/Paris').first(Date.now())
 */
export function parseSchedule(expression: string, timeZone?: string | null): Schedule {
  const zone = timeZone ?? DEFAULT_TIME_ZONE;
  checkTimeZone(expression, zone);
  const text = expression.trim();
  if (text.startsWith('rate(')) return rateSchedule(text, zone, parseRate(text));
  if (text.startsWith('cron(')) {
    return cronSchedule('eventbridge-cron', text, zone, toCronerPattern(text), {
      mode: '7-part',
      alternativeWeekdays: true,
      domAndDow: true,
    });
  }
  const fields = text.split(/\s+/);
  if (NICKNAMES.has(text) || fields.length === 5 || fields.length === 6) {
    // croner's own (Vixie) semantics: Sunday is 0 or 7, day-of-month OR day-of-week.
    return cronSchedule('cron', text, zone, text, { mode: '5-or-6-parts' });
  }
  throw new ScheduleError(
    expression,
    'expected rate(N unit), cron(min hour day-of-month month day-of-week year), or a 5- or 6-field cron',
  );
}

/** Throws unless `zone` is an IANA time zone name this Node knows. */
function checkTimeZone(expression: string, zone: string): void {
  const shaped = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone);
  let known = false;
  if (shaped) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      // RangeError: not a zone this Node's ICU data knows.
    }
  }
  if (!known) {
    throw new ScheduleError(
      expression,
      `unknown time zone "${zone}" (use an IANA name such as Europe/Paris or UTC)`,
    );
  }
}

function rateSchedule(expression: string, timeZone: string, periodMs: number): Schedule {
  return {
    kind: 'rate',
    expression,
    timeZone,
    first: (nowMs) => nowMs + periodMs,
    next: (dueMs, nowMs) =>
      dueMs > nowMs ? dueMs : dueMs + (Math.floor((nowMs - dueMs) / periodMs) + 1) * periodMs,
  };
}

function cronSchedule(
  kind: ScheduleKind,
  expression: string,
  timeZone: string,
  pattern: string,
  options: CronOptions,
): Schedule {
  let cron: Cron;
  try {
    // No function given: croner only evaluates, it schedules nothing.
    cron = new Cron(pattern, { ...options, timezone: timeZone });
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^CronPattern: /, '') : String(e);
    throw new ScheduleError(expression, reason);
  }
  const after = (ms: number): number | null => cron.nextRun(new Date(ms))?.getTime() ?? null;
  return {
    kind,
    expression,
    timeZone,
    first: after,
    next: (dueMs, nowMs) => (dueMs > nowMs ? dueMs : after(nowMs)),
  };
}
