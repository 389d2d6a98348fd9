import { ScheduleError } from './schedule-error.js';

/**
 * EventBridge's six cron fields, their ranges and the special characters each
 * allows (as the EventBridge user guide tables them). Day-of-week counts 1–7
 * from Sunday (Quartz numbering).
 */
interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** `/` steps allowed. */
  step: boolean;
  /** `?` allowed (the field is left to the other day field). */
  question: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59, step: true, question: false },
  { name: 'hours', min: 0, max: 23, step: true, question: false },
  { name: 'day-of-month', min: 1, max: 31, step: true, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, step: true, question: false },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, step: false, question: true },
  { name: 'year', min: 1970, max: 2199, step: true, question: false },
];

const CRON_RE = /^cron\((.*)\)$/s;

/**
 * Checks an EventBridge `cron(min hour dom month dow year)` expression and
 * rewrites it as a 7-part croner pattern (`sec min hour dom month dow year`), to
 * be evaluated with `{ mode: '7-part', alternativeWeekdays: true, domAndDow: true }`.
 *
 * Mapping: a `0` seconds field is prepended; `?` becomes `*` (with exactly one
 * day field `?`, AND-ing the two day fields yields the other one's days);
 * `A/S` (Quartz "from A every S") becomes `A-MAX/S`; in day-of-week `L` (the
 * last day of the week) becomes `7` (Saturday) and `NL` (last weekday N of the
 * month) becomes `N#L`. `L`, `LW`, `NW` and `N#K` pass through: croner reads
 * them as Quartz does. The year field is croner's own seventh field.
 *
 * @example toCronerPattern('cron(0/15 8-17 ? * MON-FRI *)') // '0 0-59/15 8-17 * * MON-FRI *'
 */
export function toCronerPattern(expression: string): string {
  const m = CRON_RE.exec(expression.trim());
  if (!m) throw new ScheduleError(expression, 'an EventBridge cron is written cron(FIELDS)');
  const fields = (m[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleError(
      expression,
      `cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields[0] === '' ? 0 : fields.length}`,
    );
  }
  const dom = fields[2] ?? '';
  const dow = fields[4] ?? '';
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleError(
      expression,
      'exactly one of day-of-month and day-of-week must be ? (e.g. cron(0 12 * * ? *) or cron(0 12 ? * MON *))',
    );
  }
  const out = fields.map((text, i) => translateField(expression, FIELDS[i]!, text));
  return ['0', ...out].join(' ');
}

function translateField(expression: string, spec: FieldSpec, text: string): string {
  if (text === '?') {
    if (!spec.question) throw bad(expression, spec, text, '? is only allowed in the day fields');
    return '*';
  }
  return text
    .split(',')
    .map((item) => translateItem(expression, spec, item))
    .join(',');
}

function translateItem(expression: string, spec: FieldSpec, item: string): string {
  const dayOfMonth = spec.name === 'day-of-month';
  const dayOfWeek = spec.name === 'day-of-week';
  if (item === '') throw bad(expression, spec, item, 'empty list item');
  if (dayOfMonth && (item === 'L' || item === 'LW')) return item;
  if (dayOfMonth && item.endsWith('W')) {
    value(expression, spec, item.slice(0, -1));
    return item;
  }
  if (dayOfWeek && item === 'L') return '7';
  if (dayOfWeek && /^[^#]+L$/.test(item)) return `${value(expression, spec, item.slice(0, -1))}#L`;
  if (dayOfWeek && item.includes('#')) {
    const [day = '', nth = ''] = item.split('#');
    value(expression, spec, day);
    if (!/^[1-5]$/.test(nth)) throw bad(expression, spec, item, 'the N of DAY#N must be 1 to 5');
    return item;
  }
  const [range = '', step, extra] = item.split('/');
  if (extra !== undefined) throw bad(expression, spec, item, 'more than one /');
  if (step !== undefined) {
    if (!spec.step) throw bad(expression, spec, item, '/ is not allowed here');
    if (!/^\d+$/.test(step) || Number(step) < 1) {
      throw bad(expression, spec, item, 'the step after / must be a whole number ≥ 1');
    }
  }
  if (range === '*') return item;
  const [from = '', to, more] = range.split('-');
  if (more !== undefined) throw bad(expression, spec, item, 'a range has one -');
  const lo = value(expression, spec, from);
  if (to !== undefined) {
    const hi = value(expression, spec, to);
    if (hi < lo) throw bad(expression, spec, item, 'a range must go from low to high');
    return item;
  }
  // Quartz's "from A, every S" is croner's A-MAX/S.
  return step === undefined ? item : `${from}-${spec.max}/${step}`;
}

/** A number in the field's range, or one of its names (JAN, MON, ...); returns the number. */
function value(expression: string, spec: FieldSpec, text: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text) || Number(text) < spec.min || Number(text) > spec.max) {
    const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
    throw bad(expression, spec, text, `values are ${spec.min}-${spec.max}${names}`);
  }
  return Number(text);
}

function bad(expression: string, spec: FieldSpec, text: string, why: string): ScheduleError {
  return new ScheduleError(expression, `${spec.name} field "${text}": ${why}`);
}
