/**
 * One function's figures for one minute (per qualifier and executed version): what
 * `nimbus metrics` and `nimbus usage` read, so they survive a restart.
 */
export interface MinuteAggregate {
  functionName: string;
  /** The qualifier the callers named (`$LATEST` when none). */
  qualifier: string;
  /** The version that ran. */
  version: string;
  /** Start of the minute, epoch ms (a multiple of 60 000). */
  minuteMs: number;
  /** Invocations that ran (throttled ones are not invocations, as on Lambda). */
  invocations: number;
  /** Invocations that failed: function errors, timeouts, out of memory, crashes. */
  errors: number;
  throttles: number;
  /** Invocations that started an instance (cold or prewarmed). */
  coldStarts: number;
  durationMsSum: number;
  /** Billed duration × memory, in GB-seconds. */
  gbSeconds: number;
  /** Duration digest: log-bucket index → count (see src/metrics/digest.ts). */
  digest: Record<string, number>;
}

/** What a minute query selects. */
export interface MinuteQuery {
  fromMs: number;
  toMs: number;
  functionName?: string;
  qualifier?: string;
}

/** Async events waiting (queued, retrying or in delivery) for one function. */
export interface AsyncBacklog {
  functionName: string;
  count: number;
  oldestEnqueuedAtMs: number;
}

/** Stored per-minute aggregates, and the backlog figures metrics read at scrape time. */
export interface MetricsStore {
  /** Adds the figures to the stored minutes (merging with what a minute already has). */
  addMinutes(rows: MinuteAggregate[]): Promise<void>;
  /** Minutes in `[fromMs, toMs)`, oldest first. */
  minutes(q: MinuteQuery): Promise<MinuteAggregate[]>;
  /** Deletes minutes older than `olderThanMs`; returns how many. */
  prune(olderThanMs: number): Promise<number>;
  /** Pending async events per function, with the oldest one's enqueue time. */
  asyncBacklog(): Promise<AsyncBacklog[]>;
}
