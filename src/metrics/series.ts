import type { MinuteAggregate } from '../store/types.js';
import type { Cell } from './cells.js';
import type { CounterCells, Instruments } from './registry.js';

/** How an invocation ended, as `nimbus_invocations_total{outcome}` counts it. */
export type Outcome = 'success' | 'error' | 'timeout' | 'oom' | 'throttle';
export const OUTCOMES: readonly Outcome[] = ['success', 'error', 'timeout', 'oom', 'throttle'];
/** How the instance that ran an invocation came to serve. */
export type StartLabel = 'cold' | 'prewarmed' | 'provisioned' | 'warm';
export const START_TYPES: readonly StartLabel[] = ['cold', 'prewarmed', 'provisioned', 'warm'];

interface Observer {
  observe(value: number): void;
}

/**
 * One function and qualifier's series, resolved once: counter cells, histogram
 * children, and the aggregates of the minute in progress (per executed version).
 */
export interface Series {
  functionName: string;
  qualifier: string;
  outcome: Record<Outcome, Cell>;
  start: Record<StartLabel, Cell>;
  billed: Cell;
  duration: Observer;
  initDuration: Observer;
  /** The minute in progress, per executed version. */
  minutes: Map<string, MinuteAggregate>;
}

/** The series of every function and qualifier seen, found with two map lookups. */
export class SeriesTable {
  private readonly byFunction = new Map<string, Map<string, Series>>();

  constructor(
    private readonly cells: CounterCells,
    private readonly inst: Instruments,
  ) {}

  /** The series of `functionName` called as `qualifier`, made on first use. */
  get(functionName: string, qualifier: string): Series {
    let byQualifier = this.byFunction.get(functionName);
    if (!byQualifier) {
      byQualifier = new Map();
      this.byFunction.set(functionName, byQualifier);
    }
    let s = byQualifier.get(qualifier);
    if (!s) {
      s = this.make(functionName, qualifier);
      byQualifier.set(qualifier, s);
    }
    return s;
  }

  /** Every series, for flushing the minutes in progress. */
  *all(): Iterable<Series> {
    for (const m of this.byFunction.values()) yield* m.values();
  }

  private make(functionName: string, qualifier: string): Series {
    const labels = { function: functionName, qualifier };
    const outcome = {} as Record<Outcome, Cell>;
    for (const o of OUTCOMES) outcome[o] = this.cells.invocations.cell({ ...labels, outcome: o });
    const start = {} as Record<StartLabel, Cell>;
    for (const t of START_TYPES) start[t] = this.cells.starts.cell({ ...labels, start_type: t });
    return {
      functionName,
      qualifier,
      outcome,
      start,
      billed: this.cells.billed.cell(labels),
      duration: this.inst.duration.series(labels),
      initDuration: this.inst.initDuration.series(labels),
      minutes: new Map(),
    };
  }
}

/** The aggregate of `version`'s minute `minuteMs` in `s`; a finished minute goes to `done`. */
export function minuteOf(
  s: Series,
  version: string,
  minuteMs: number,
  done: MinuteAggregate[],
): MinuteAggregate {
  let m = s.minutes.get(version);
  if (m && m.minuteMs === minuteMs) return m;
  if (m) done.push(m);
  m = {
    functionName: s.functionName,
    qualifier: s.qualifier,
    version,
    minuteMs,
    invocations: 0,
    errors: 0,
    throttles: 0,
    coldStarts: 0,
    durationMsSum: 0,
    gbSeconds: 0,
    digest: {},
  };
  s.minutes.set(version, m);
  return m;
}
