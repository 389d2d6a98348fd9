import type { ServerResponse } from 'node:http';
import type { Clock } from '../shared/clock.js';
import type { AsyncBacklog, MetricsStore, MinuteAggregate } from '../store/types.js';
import { type Cell, CellSet } from './cells.js';
import { digestAdd } from './digest.js';
import type { HistogramSeries } from './fast-histogram.js';
import {
  buildRegistry,
  type CounterCells,
  type Instruments,
  type StateSources,
} from './registry.js';
import { minuteOf, type Outcome, SeriesTable } from './series.js';

/** What one invocation's figures are, as the invoker has them when it finishes. */
export interface InvocationFigures {
  durationMs: number;
  billedDurationMs: number;
  initDurationMs: number | null;
  startType?: string;
  errorType: string | null;
  /** When it ended (epoch ms); saves reading the clock again. */
  endedAtMs?: number;
}

/** The invocation an invoker finished: its function version and how it was called. */
export interface InvokedFunction {
  fn: { name: string; version: string; memoryMb: number };
  qualifier?: string;
}

/** A throttled request, as the scheduler's admission sees it. */
export interface ThrottledTarget {
  functionName: string;
  qualifier?: string;
  fn: { version: string };
}

export interface MetricsOptions {
  clock: Clock;
  store: MetricsStore;
  /** How often the minute aggregates are written to the store (default 10 s). */
  flushEveryMs?: number;
  /** False: the request-path hooks record nothing (NIMBUS_METRICS=off); default true. */
  collect?: boolean;
}

const MINUTE_MS = 60_000;
const LATEST = '$LATEST';

/**
 * Nimbus's metrics: the prom-client registry behind `/metrics`, and the per-minute
 * aggregates behind `nimbus metrics` and `nimbus usage`. The hooks are called on the
 * request paths and only add to numbers they already hold; state is read at scrape
 * time; aggregates are written in the background every `flushEveryMs`.
 */
export class Metrics {
  readonly instruments: Instruments;
  private readonly cells: CounterCells = {
    invocations: new CellSet(),
    starts: new CellSet(),
    billed: new CellSet(),
    gatewayRequests: new CellSet(),
  };
  private readonly series: SeriesTable;
  private readonly gatewayCells = new Map<
    string,
    { latency: HistogramSeries; byStatus: Map<number, Cell> }
  >();
  private finished: MinuteAggregate[] = [];
  private sources: StateSources | null = null;
  private backlog: Promise<AsyncBacklog[]> | null = null;
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private readonly on: boolean;

  constructor(private readonly opts: MetricsOptions) {
    this.on = opts.collect !== false;
    this.instruments = buildRegistry(this.cells, () => this.sources);
    this.series = new SeriesTable(this.cells, this.instruments);
    this.timer = setInterval(() => void this.flush(), opts.flushEveryMs ?? 10_000);
    this.timer.unref();
  }

  /** Tells the state gauges where to look (the server calls it once every part exists). */
  watch(sources: StateSources): void {
    const backlog = sources.asyncBacklog;
    // Two gauges read the backlog in the same scrape: they share one store query.
    this.sources = {
      ...sources,
      asyncBacklog: () => {
        this.backlog ??= backlog().finally(() => {
          this.backlog = null;
        });
        return this.backlog;
      },
    };
  }

  /** An invocation finished (any outcome but a throttle). */
  invoked(req: InvokedFunction, run: InvocationFigures): void {
    if (!this.on) return;
    const s = this.series.get(req.fn.name, req.qualifier ?? LATEST);
    const outcome = outcomeOf(run.errorType);
    s.outcome[outcome].value++;
    const start = run.startType ?? 'warm';
    if (start === 'cold' || start === 'prewarmed' || start === 'provisioned')
      s.start[start].value++;
    else s.start.warm.value++;
    const gbSeconds = (run.billedDurationMs / 1000) * (req.fn.memoryMb / 1024);
    s.billed.value += gbSeconds;
    s.duration.observe(run.durationMs / 1000);
    if (run.initDurationMs !== null) s.initDuration.observe(run.initDurationMs / 1000);
    const now = run.endedAtMs ?? this.opts.clock.now();
    const minuteMs = now - (now % MINUTE_MS);
    const m = minuteOf(s, req.fn.version, minuteMs, this.finished);
    m.invocations++;
    if (outcome !== 'success') m.errors++;
    if (start === 'cold' || start === 'prewarmed') m.coldStarts++;
    m.durationMsSum += run.durationMs;
    m.gbSeconds += gbSeconds;
    digestAdd(m.digest, run.durationMs);
  }

  /** The scheduler refused an invocation (429). */
  throttled(t: ThrottledTarget): void {
    if (!this.on) return;
    const s = this.series.get(t.functionName, t.qualifier ?? LATEST);
    s.outcome.throttle.value++;
    const now = this.opts.clock.now();
    minuteOf(s, t.fn.version, now - (now % MINUTE_MS), this.finished).throttles++;
  }

  /** A gateway request was routed (`dest` null: answered by the gateway itself); counted when it closes. */
  gatewayRequest(
    res: ServerResponse,
    dest: { functionName: string; routeKey: string } | null,
  ): void {
    if (!this.on) return;
    const t0 = performance.now();
    res.once('close', () => {
      const fn = dest?.functionName ?? '';
      const route = dest?.routeKey ?? '-';
      const key = `${fn} ${route}`;
      let entry = this.gatewayCells.get(key);
      if (!entry) {
        const latency = this.instruments.gatewayDuration.series({ function: fn, route });
        entry = { latency, byStatus: new Map() };
        this.gatewayCells.set(key, entry);
      }
      let cell = entry.byStatus.get(res.statusCode);
      if (!cell) {
        const labels = { function: fn, route, status: String(res.statusCode) };
        cell = this.cells.gatewayRequests.cell(labels);
        entry.byStatus.set(res.statusCode, cell);
      }
      cell.value++;
      entry.latency.observe((performance.now() - t0) / 1000);
    });
  }

  /** An async attempt failed and will be tried again. */
  asyncRetry(functionName: string, qualifier: string | null): void {
    if (!this.on) return;
    this.instruments.asyncRetries.inc({ function: functionName, qualifier: qualifier ?? LATEST });
  }

  /** An async event failed for good. */
  deadLettered(functionName: string, qualifier: string | null, reason: string): void {
    if (!this.on) return;
    this.instruments.deadLetters.inc({
      function: functionName,
      qualifier: qualifier ?? LATEST,
      reason,
    });
  }

  /** An event source mapping hands a batch of messages to its function. */
  eventSourceBatch(
    functionName: string,
    queueArn: string,
    batch: readonly { attributes: Record<string, string> }[],
  ): void {
    if (!this.on) return;
    const labels = { function: functionName, queue: queueArn.split(':').pop() ?? queueArn };
    this.instruments.esmBatchSize.observe(labels, batch.length);
    let oldest = Number.POSITIVE_INFINITY;
    for (const m of batch) oldest = Math.min(oldest, Number(m.attributes.SentTimestamp));
    if (Number.isFinite(oldest)) {
      this.instruments.esmLag.observe(labels, Math.max(0, this.opts.clock.now() - oldest) / 1000);
    }
  }

  /** The exposition text and its Content-Type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    const { registry } = this.instruments;
    return { text: await registry.metrics(), contentType: registry.contentType };
  }

  /** Writes every minute aggregate so far (the one in progress too) to the store. */
  flush(): Promise<void> {
    const batch = this.finished;
    this.finished = [];
    for (const s of this.series.all()) {
      for (const m of s.minutes.values()) batch.push(m);
      s.minutes.clear();
    }
    this.writing = this.writing.then(() =>
      this.opts.store.addMinutes(batch).catch((e: unknown) => {
        console.error(`nimbus: writing ${batch.length} metric minutes failed: ${String(e)}`);
      }),
    );
    return this.writing;
  }

  /** Stops the background writer after a last flush. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** The outcome label of an invocation that ran, from its error type. */
export function outcomeOf(errorType: string | null): Outcome {
  if (errorType === null) return 'success';
  if (errorType === 'Sandbox.Timedout') return 'timeout';
  if (errorType === 'Runtime.OutOfMemory') return 'oom';
  return 'error';
}
