import { CliError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration with a unit into milliseconds.
 * @example parseDurationMs('10m') // 600000
 */
export function parseDurationMs(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) {
    throw new CliError(
      `invalid duration ${JSON.stringify(text)}: use a number and a unit (ms, s, m, h, d), e.g. 30s, 10m, 1h, 2d`,
    );
  }
  // The regex only lets these two groups through.
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as Unit]);
}

/**
 * Turns a `--since` value into epoch milliseconds: a duration counts back from
 * `nowMs`, anything starting with a date (`2024-05-01`, `2024-05-01T10:00:00Z`) is
 * read as an ISO 8601 date.
 * @example parseSince('1h', Date.now())
 */
export function parseSince(text: string, nowMs: number): number {
  const value = text.trim();
  if (DURATION.test(value)) return nowMs - parseDurationMs(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new CliError(
    `invalid --since ${JSON.stringify(text)}: use a duration like 30s, 10m, 1h, 2d or an ISO date like 2024-05-01T10:00:00Z`,
  );
}

/**
 * Reads a number of seconds for `flag`: whole seconds (`30`) or a duration that
 * comes to whole seconds (`5m`, `4d`), from `min` to `max`.
 * @example parseSeconds('--retention', '4d', 60, 1_209_600) // 345600
 */
export function parseSeconds(flag: string, text: string, min: number, max: number): number {
  const value = text.trim();
  let ms = Number.NaN;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else if (DURATION.test(value)) ms = parseDurationMs(value);
  const s = ms / 1000;
  if (!Number.isSafeInteger(s) || s < min || s > max) {
    throw new CliError(
      `${flag} must be whole seconds from ${min} to ${max}, e.g. 30 or 5m (got ${JSON.stringify(text)})`,
    );
  }
  return s;
}
