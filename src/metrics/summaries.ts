import type { MinuteAggregate } from '../store/types.js';
import { type Digest, digestMerge, digestQuantile } from './digest.js';

/** One function version's usage on one UTC day. */
export interface UsageRow {
  function: string;
  version: string;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  requests: number;
  errors: number;
  throttles: number;
  gbSeconds: number;
}

/** Usage per function, version and UTC day, ordered by day, function, version. */
export function usageByDay(minutes: MinuteAggregate[]): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  for (const m of minutes) {
    const day = new Date(m.minuteMs).toISOString().slice(0, 10);
    const key = `${day}\0${m.functionName}\0${m.version}`;
    let r = rows.get(key);
    if (!r) {
      r = {
        function: m.functionName,
        version: m.version,
        day,
        requests: 0,
        errors: 0,
        throttles: 0,
        gbSeconds: 0,
      };
      rows.set(key, r);
    }
    r.requests += m.invocations;
    r.errors += m.errors;
    r.throttles += m.throttles;
    r.gbSeconds += m.gbSeconds;
  }
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => ({ ...r, gbSeconds: round(r.gbSeconds, 9) }));
}

/** A function's figures over one period (or the whole range, for the summary). */
export interface PeriodFigures {
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  /** Mean duration, ms (null without invocations). */
  avgMs: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  gbSeconds: number;
}

interface Acc {
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  durationMsSum: number;
  gbSeconds: number;
  digest: Digest;
}

const empty = (): Acc => ({
  invocations: 0,
  errors: 0,
  throttles: 0,
  coldStarts: 0,
  durationMsSum: 0,
  gbSeconds: 0,
  digest: {},
});

function add(a: Acc, m: MinuteAggregate): void {
  a.invocations += m.invocations;
  a.errors += m.errors;
  a.throttles += m.throttles;
  a.coldStarts += m.coldStarts;
  a.durationMsSum += m.durationMsSum;
  a.gbSeconds += m.gbSeconds;
  digestMerge(a.digest, m.digest);
}

function figures(a: Acc): PeriodFigures {
  const q = (x: number) => {
    const v = digestQuantile(a.digest, x);
    return v === null ? null : round(v, 3);
  };
  return {
    invocations: a.invocations,
    errors: a.errors,
    throttles: a.throttles,
    coldStarts: a.coldStarts,
    avgMs: a.invocations ? round(a.durationMsSum / a.invocations, 3) : null,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    gbSeconds: round(a.gbSeconds, 9),
  };
}

/**
 * Every period of `periodMs` from `fromMs` (inclusive, aligned by the caller) to
 * `toMs`, with the minutes that fall in it merged (empty periods are zeros), and
 * the summary of the whole range.
 */
export function seriesByPeriod(
  minutes: MinuteAggregate[],
  fromMs: number,
  toMs: number,
  periodMs: number,
): { points: (PeriodFigures & { time: number })[]; summary: PeriodFigures } {
  const n = Math.max(0, Math.ceil((toMs - fromMs) / periodMs));
  const accs = Array.from({ length: n }, empty);
  const all = empty();
  for (const m of minutes) {
    const i = Math.floor((m.minuteMs - fromMs) / periodMs);
    const acc = accs[i];
    if (!acc) continue;
    add(acc, m);
    add(all, m);
  }
  return {
    points: accs.map((a, i) => ({ time: fromMs + i * periodMs, ...figures(a) })),
    summary: figures(all),
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
