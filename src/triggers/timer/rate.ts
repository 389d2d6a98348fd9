import { ScheduleError } from './schedule-error.js';

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Large enough for any real use; keeps the period far inside a safe integer. */
const MAX_RATE_VALUE = 1_000_000;

const RATE_RE = /^rate\(\s*(\S+)\s+(\S+)\s*\)$/;

/**
 * Parses EventBridge's `rate(N unit)`: N a whole number ≥ 1, unit `minute`,
 * `hour` or `day`, singular exactly when N is 1 (`rate(1 hour)`, `rate(5 hours)`).
 * Returns the period in milliseconds.
 *
 * @example parseRate('rate(5 minutes)') // 300000
 */
export function parseRate(expression: string): number {
  const m = RATE_RE.exec(expression.trim());
  if (!m) {
    throw new ScheduleError(
      expression,
      'a rate is written rate(VALUE UNIT), e.g. rate(5 minutes) or rate(1 hour)',
    );
  }
  const [, valueText = '', unitText = ''] = m;
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1 || Number(valueText) > MAX_RATE_VALUE) {
    throw new ScheduleError(
      expression,
      `the rate value must be a whole number from 1 to ${MAX_RATE_VALUE} (got "${valueText}")`,
    );
  }
  const value = Number(valueText);
  const plural = unitText.endsWith('s');
  const unit = plural ? unitText.slice(0, -1) : unitText;
  if (!Object.hasOwn(UNIT_MS, unit)) {
    throw new ScheduleError(
      expression,
      `the rate unit must be minute(s), hour(s) or day(s) (got "${unitText}")`,
    );
  }
  if (value === 1 && plural) {
    throw new ScheduleError(expression, `a rate of 1 takes the singular unit: rate(1 ${unit})`);
  }
  if (value > 1 && !plural) {
    throw new ScheduleError(
      expression,
      `a rate above 1 takes the plural unit: rate(${value} ${unit}s)`,
    );
  }
  return value * UNIT_MS[unit as keyof typeof UNIT_MS];
}
