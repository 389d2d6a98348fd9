import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toCronerPattern } from '../../src/triggers/timer/eventbridge-cron.js';
import { parseSchedule, ScheduleError } from '../../src/triggers/timer/index.js';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The first `n` due times after `fromIso`, as ISO strings. */
function fires(expression: string, fromIso: string, n: number, zone?: string): (string | null)[] {
  const s = parseSchedule(expression, zone);
  const out: (string | null)[] = [];
  let t = s.first(ms(fromIso));
  for (let i = 0; i < n; i++) {
    out.push(iso(t));
    if (t === null) break;
    t = s.next(t, t);
  }
  return out;
}

function rejects(expression: string, reason: RegExp, zone?: string): void {
  assert.throws(
    () => parseSchedule(expression, zone),
    (e: unknown) => e instanceof ScheduleError && reason.test(e.message),
    `${expression} should be refused with ${reason}`,
  );
}

describe('timer schedules: rate()', () => {
  test('rate: first fire one period after creation, then every period from the due time', () => {
    assert.deepEqual(fires('rate(5 minutes)', '2024-01-01T00:00:30.250Z', 3), [
      '2024-01-01T00:05:30.250Z',
      '2024-01-01T00:10:30.250Z',
      '2024-01-01T00:15:30.250Z',
    ]);
    assert.equal(parseSchedule('rate(1 hour)').first(0), 3_600_000);
    assert.equal(parseSchedule('rate(2 days)').first(0), 2 * 86_400_000);
    assert.equal(parseSchedule('rate(1 minute)').first(0), 60_000);
  });

  test('rate: next(due, now) keeps the phase and lands on the first due time after now', () => {
    const s = parseSchedule('rate(10 minutes)');
    const due = ms('2024-01-01T00:10:00Z');
    assert.equal(iso(s.next(due, due)), '2024-01-01T00:20:00.000Z');
    assert.equal(iso(s.next(due, ms('2024-01-01T00:45:00Z'))), '2024-01-01T00:50:00.000Z');
    assert.equal(iso(s.next(due, ms('2024-01-01T00:50:00Z'))), '2024-01-01T01:00:00.000Z');
    assert.equal(iso(s.next(due, ms('2024-01-01T00:05:00Z'))), '2024-01-01T00:10:00.000Z');
  });

  test('rate: singular only for 1, N ≥ 1, known units; errors name the problem', () => {
    rejects('rate(1 minutes)', /a rate of 1 takes the singular unit: rate\(1 minute\)/);
    rejects('rate(5 hour)', /plural unit: rate\(5 hours\)/);
    rejects('rate(0 minutes)', /whole number from 1/);
    rejects('rate(-1 minutes)', /whole number from 1/);
    rejects('rate(1.5 hours)', /whole number from 1/);
    rejects('rate(5 weeks)', /minute\(s\), hour\(s\) or day\(s\).*"weeks"/);
    rejects('rate(5 constructors)', /unit/);
    rejects('rate(5)', /rate\(VALUE UNIT\)/);
  });
});

describe('timer schedules: EventBridge cron()', () => {
  test('eventbridge: translation to croner (seconds prepended, ? to *, A/S to A-MAX/S, L and NL in day-of-week)', () => {
    assert.equal(toCronerPattern('cron(0 12 * * ? *)'), '0 0 12 * * * *');
    assert.equal(toCronerPattern('cron(0/15 8-17 ? * MON-FRI *)'), '0 0-59/15 8-17 * * MON-FRI *');
    assert.equal(toCronerPattern('cron(0 10 ? * 6L 2030)'), '0 0 10 * * 6#L 2030');
    assert.equal(toCronerPattern('cron(0 10 ? * L *)'), '0 0 10 * * 7 *');
    assert.equal(toCronerPattern('cron(5 0 LW * ? 2025-2030/2)'), '0 5 0 LW * * 2025-2030/2');
  });

  test('eventbridge: every day at noon UTC', () => {
    assert.deepEqual(fires('cron(0 12 * * ? *)', '2024-01-01T00:00:00Z', 2), [
      '2024-01-01T12:00:00.000Z',
      '2024-01-02T12:00:00.000Z',
    ]);
    // Strictly after: created at noon, the first fire is tomorrow's.
    assert.equal(
      iso(parseSchedule('cron(0 12 * * ? *)').first(ms('2024-01-01T12:00:00Z'))),
      '2024-01-02T12:00:00.000Z',
    );
  });

  test('eventbridge: steps from a start (0/15), ranges, weekday names (Mon-Fri)', () => {
    assert.deepEqual(fires('cron(0/15 8-9 ? * MON-FRI *)', '2024-01-05T09:40:00Z', 3), [
      '2024-01-05T09:45:00.000Z', // Friday
      '2024-01-08T08:00:00.000Z', // Monday
      '2024-01-08T08:15:00.000Z',
    ]);
    assert.deepEqual(fires('cron(5/20 * * * ? *)', '2024-01-01T00:00:00Z', 3), [
      '2024-01-01T00:05:00.000Z',
      '2024-01-01T00:25:00.000Z',
      '2024-01-01T00:45:00.000Z',
    ]);
    assert.deepEqual(fires('cron(0 0 1 JAN/3 ? *)', '2024-01-01T00:00:00Z', 3), [
      '2024-04-01T00:00:00.000Z',
      '2024-07-01T00:00:00.000Z',
      '2024-10-01T00:00:00.000Z',
    ]);
  });

  test('eventbridge: day-of-week counts 1-7 from Sunday; lists', () => {
    assert.deepEqual(fires('cron(0 8 ? * 1 *)', '2024-01-01T00:00:00Z', 1), [
      '2024-01-07T08:00:00.000Z',
    ]); // Sunday
    assert.deepEqual(fires('cron(0 8 ? * 2,7 *)', '2024-01-01T00:00:00Z', 3), [
      '2024-01-01T08:00:00.000Z', // Monday
      '2024-01-06T08:00:00.000Z', // Saturday
      '2024-01-08T08:00:00.000Z',
    ]);
  });

  test('eventbridge: # (nth weekday), L (last day / last weekday), W (nearest weekday), LW', () => {
    assert.deepEqual(fires('cron(0 10 ? * 2#1 *)', '2024-01-02T00:00:00Z', 2), [
      '2024-02-05T10:00:00.000Z',
      '2024-03-04T10:00:00.000Z',
    ]);
    assert.deepEqual(fires('cron(0 10 ? * 6L *)', '2024-01-01T00:00:00Z', 2), [
      '2024-01-26T10:00:00.000Z',
      '2024-02-23T10:00:00.000Z',
    ]);
    assert.deepEqual(fires('cron(0 10 ? * L *)', '2024-01-01T00:00:00Z', 1), [
      '2024-01-06T10:00:00.000Z',
    ]);
    assert.deepEqual(fires('cron(0 10 L * ? *)', '2024-01-01T00:00:00Z', 2), [
      '2024-01-31T10:00:00.000Z',
      '2024-02-29T10:00:00.000Z',
    ]);
    // 2024-06-15 is a Saturday: the nearest weekday is Friday the 14th.
    assert.deepEqual(fires('cron(0 10 15W * ? *)', '2024-06-01T00:00:00Z', 1), [
      '2024-06-14T10:00:00.000Z',
    ]);
    // 2024-03-31 is a Sunday: the last weekday of March is Friday the 29th.
    assert.deepEqual(fires('cron(0 10 LW * ? *)', '2024-03-01T00:00:00Z', 1), [
      '2024-03-29T10:00:00.000Z',
    ]);
  });

  test('eventbridge: the year field limits fires; a past year never fires', () => {
    assert.deepEqual(fires('cron(0 12 1 1 ? 2030)', '2024-01-01T00:00:00Z', 2), [
      '2030-01-01T12:00:00.000Z',
      null,
    ]);
    assert.deepEqual(fires('cron(0 0 1 1 ? 2026-2030/2)', '2024-06-01T00:00:00Z', 3), [
      '2026-01-01T00:00:00.000Z',
      '2028-01-01T00:00:00.000Z',
      '2030-01-01T00:00:00.000Z',
    ]);
    assert.equal(parseSchedule('cron(0 12 * * ? 2020)').first(ms('2024-01-01T00:00:00Z')), null);
  });

  test('eventbridge: bad expressions are refused with the field and the reason', () => {
    rejects('cron(0 12 * * * *)', /exactly one of day-of-month and day-of-week must be \?/);
    rejects('cron(0 12 ? * ? *)', /exactly one of day-of-month and day-of-week must be \?/);
    rejects('cron(0 12 * * ?)', /6 fields .* got 5/);
    rejects('cron(0 12 * * ? * *)', /6 fields .* got 7/);
    rejects('cron()', /6 fields .* got 0/);
    rejects('cron(60 12 * * ? *)', /minutes field "60": values are 0-59/);
    rejects('cron(0 24 * * ? *)', /hours field "24": values are 0-23/);
    rejects('cron(0 12 32 * ? *)', /day-of-month field "32"/);
    rejects('cron(0 12 ? 13 MON *)', /month field "13": values are 1-12 or JAN-DEC/);
    rejects('cron(0 12 ? * 0 *)', /day-of-week field "0": values are 1-7 or SUN-SAT/);
    rejects('cron(0 12 ? * 8 *)', /day-of-week field "8"/);
    rejects('cron(0 12 ? * */2 *)', /day-of-week field "\*\/2": \/ is not allowed here/);
    rejects('cron(0 12 * * ? 1969)', /year field "1969": values are 1970-2199/);
    rejects('cron(? 12 * * ? *)', /minutes field "\?": \? is only allowed in the day fields/);
    rejects('cron(0 12 ? * 2#6 *)', /the N of DAY#N must be 1 to 5/);
    rejects('cron(0 12 W * ? *)', /day-of-month field ""/);
    rejects('cron(0 18-9 * * ? *)', /from low to high/);
    rejects('cron(0/0 12 * * ? *)', /step after \/ must be a whole number/);
    rejects('cron(0 12 * * ? *', /an EventBridge cron is written cron\(FIELDS\)/);
  });
});

describe('timer schedules: plain cron (5 and 6 fields)', () => {
  test('cron: 5 fields, Vixie semantics (Sunday 0 or 7, day-of-month OR day-of-week)', () => {
    assert.deepEqual(fires('*/5 * * * *', '2024-01-01T00:00:00Z', 2), [
      '2024-01-01T00:05:00.000Z',
      '2024-01-01T00:10:00.000Z',
    ]);
    assert.deepEqual(fires('0 8 * * 0', '2024-01-01T00:00:00Z', 1), ['2024-01-07T08:00:00.000Z']);
    assert.deepEqual(fires('0 8 * * 7', '2024-01-01T00:00:00Z', 1), ['2024-01-07T08:00:00.000Z']);
    // The 13th OR a Friday.
    assert.deepEqual(fires('0 0 13 * FRI', '2024-01-10T00:00:00Z', 3), [
      '2024-01-12T00:00:00.000Z',
      '2024-01-13T00:00:00.000Z',
      '2024-01-19T00:00:00.000Z',
    ]);
    assert.deepEqual(fires('@hourly', '2024-01-01T00:30:00Z', 1), ['2024-01-01T01:00:00.000Z']);
  });

  test('cron: 6 fields put seconds first', () => {
    assert.deepEqual(fires('*/20 * * * * *', '2024-01-01T00:00:00.500Z', 3), [
      '2024-01-01T00:00:20.000Z',
      '2024-01-01T00:00:40.000Z',
      '2024-01-01T00:01:00.000Z',
    ]);
  });

  test('cron: bad expressions are refused', () => {
    rejects('* * * *', /expected rate\(N unit\), cron\(/);
    rejects('0 0 12 * * * 2030', /expected rate/);
    rejects('2030-01-01T00:00:00', /expected rate/);
    rejects('60 * * * *', /Invalid value for minute: 60/);
    rejects('a b c d e', /illegal characters/);
    rejects('', /expected rate/);
  });
});

describe('timer schedules: time zones and DST', () => {
  test('zone: a cron is read in its IANA zone (default UTC)', () => {
    assert.deepEqual(fires('cron(0 9 * * ? *)', '2024-01-01T00:00:00Z', 1, 'Europe/Paris'), [
      '2024-01-01T08:00:00.000Z',
    ]);
    assert.deepEqual(fires('cron(0 9 * * ? *)', '2024-07-01T00:00:00Z', 1, 'Europe/Paris'), [
      '2024-07-01T07:00:00.000Z',
    ]);
    assert.deepEqual(fires('0 9 * * *', '2024-07-01T00:00:00Z', 1, 'America/New_York'), [
      '2024-07-01T13:00:00.000Z',
    ]);
    assert.deepEqual(fires('0 9 * * *', '2024-07-01T00:00:00Z', 1), ['2024-07-01T09:00:00.000Z']);
    assert.equal(
      parseSchedule('rate(1 hour)', 'Asia/Tokyo').first(0),
      3_600_000,
      'a rate ignores the zone',
    );
  });

  test('zone: unknown or malformed zones are refused', () => {
    rejects('cron(0 9 * * ? *)', /unknown time zone "Mars\/Olympus"/, 'Mars/Olympus');
    rejects('cron(0 9 * * ? *)', /unknown time zone "Europe\/Paris "/, 'Europe/Paris ');
    rejects('rate(1 hour)', /unknown time zone ""/, '');
    rejects('0 9 * * *', /unknown time zone/, '../etc/passwd');
  });

  test('dst: spring forward — a time in the gap fires once, just after it; an hourly job skips the missing hour', () => {
    // Europe/Paris, 2024-03-31: 02:00 CET jumps to 03:00 CEST.
    assert.deepEqual(fires('30 2 * * *', '2024-03-30T00:00:00Z', 3, 'Europe/Paris'), [
      '2024-03-30T01:30:00.000Z', // 02:30 CET
      '2024-03-31T01:00:00.000Z', // 03:00 CEST, the first valid time after the gap
      '2024-04-01T00:30:00.000Z', // 02:30 CEST
    ]);
    assert.deepEqual(fires('cron(0 * 31 3 ? 2024)', '2024-03-31T00:30:00Z', 3, 'Europe/Paris'), [
      '2024-03-31T01:00:00.000Z', // 03:00 CEST (02:00 does not exist)
      '2024-03-31T02:00:00.000Z',
      '2024-03-31T03:00:00.000Z',
    ]);
  });

  test('dst: fall back — a fixed time fires once, an interval job fires in both passes of the hour', () => {
    // Europe/Paris, 2024-10-27: 03:00 CEST falls back to 02:00 CET.
    assert.deepEqual(fires('cron(30 2 * * ? *)', '2024-10-26T12:00:00Z', 2, 'Europe/Paris'), [
      '2024-10-27T00:30:00.000Z', // 02:30 CEST, first pass only
      '2024-10-28T01:30:00.000Z', // 02:30 CET
    ]);
    assert.deepEqual(fires('*/30 2 * * *', '2024-10-26T23:00:00Z', 5, 'Europe/Paris'), [
      '2024-10-27T00:00:00.000Z',
      '2024-10-27T00:30:00.000Z',
      '2024-10-27T01:00:00.000Z',
      '2024-10-27T01:30:00.000Z',
      '2024-10-28T01:00:00.000Z',
    ]);
  });
});
