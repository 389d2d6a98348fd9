import {
  type Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  Counter as PromCounter,
  Registry,
} from 'prom-client';
import type { AsyncBacklog } from '../store/types.js';
import type { CellSet } from './cells.js';
import { METRICS, type MetricDef } from './definitions.js';
import { FastHistogram } from './fast-histogram.js';

/** An instance as the state gauges see it. */
export interface InstanceView {
  opts: { functionName: string };
  state: string;
  startType: string;
}

/** Messages of one built-in queue, by state. */
export interface QueueDepth {
  queue: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

/** What the state gauges read when Prometheus scrapes. */
export interface StateSources {
  instances(): Iterable<InstanceView>;
  prewarmed(): number;
  asyncBacklog(): Promise<AsyncBacklog[]>;
  queueDepths(): Promise<QueueDepth[]>;
  nowMs(): number;
}

/** The counter cells the hot paths add to, copied into their counters at scrape time. */
export interface CounterCells {
  invocations: CellSet;
  starts: CellSet;
  billed: CellSet;
  gatewayRequests: CellSet;
}

/** The prom-client instruments the hooks write to directly. */
export interface Instruments {
  registry: Registry;
  duration: FastHistogram;
  initDuration: FastHistogram;
  asyncRetries: Counter<string>;
  deadLetters: Counter<string>;
  esmBatchSize: Histogram<string>;
  esmLag: Histogram<string>;
  gatewayDuration: FastHistogram;
}

const base = (d: MetricDef) => ({ name: d.name, help: d.help, labelNames: [...d.labels] });

/**
 * A registry with every metric of METRICS and prom-client's process defaults
 * (event-loop lag, heap, RSS, CPU). State gauges are computed in their `collect`
 * callbacks from `sources()` (nothing while it is null); counter cells are copied in.
 */
export function buildRegistry(
  cells: CounterCells,
  sources: () => StateSources | null,
): Instruments {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const fromCells = (d: MetricDef, from: CellSet) => {
    const c: PromCounter<string> = new PromCounter({
      ...base(d),
      registers,
      collect: () => from.copyInto(c),
    });
    return c;
  };
  const histogram = (d: MetricDef) =>
    new Histogram({ ...base(d), registers, buckets: [...(d.buckets ?? [])] });
  const gauge = (d: MetricDef, read: (g: Gauge<string>, s: StateSources) => unknown) => {
    const g: Gauge<string> = new Gauge({
      ...base(d),
      registers,
      async collect() {
        const s = sources();
        g.reset();
        if (s) await read(g, s);
      },
    });
    return g;
  };
  fromCells(METRICS.invocations, cells.invocations);
  fromCells(METRICS.starts, cells.starts);
  fromCells(METRICS.billed, cells.billed);
  fromCells(METRICS.gatewayRequests, cells.gatewayRequests);
  gauge(METRICS.concurrent, (g, s) => {
    for (const inst of s.instances()) {
      if (inst.state === 'busy') g.inc({ function: inst.opts.functionName });
    }
  });
  gauge(METRICS.instances, (g, s) => {
    for (const inst of s.instances()) {
      const fn = inst.opts.functionName;
      if (inst.state === 'starting' || inst.state === 'idle' || inst.state === 'busy') {
        g.inc({ function: fn, state: inst.state });
      }
      if (inst.startType === 'provisioned') g.inc({ function: fn, state: 'provisioned' });
    }
  });
  gauge(METRICS.prewarmed, (g, s) => g.set(s.prewarmed()));
  gauge(METRICS.asyncDepth, async (g, s) => {
    for (const b of await s.asyncBacklog()) g.set({ function: b.functionName }, b.count);
  });
  gauge(METRICS.asyncOldest, async (g, s) => {
    const now = s.nowMs();
    for (const b of await s.asyncBacklog()) {
      g.set({ function: b.functionName }, Math.max(0, now - b.oldestEnqueuedAtMs) / 1000);
    }
  });
  gauge(METRICS.queueDepth, async (g, s) => {
    for (const q of await s.queueDepths()) {
      g.set({ queue: q.queue, state: 'visible' }, q.visible);
      g.set({ queue: q.queue, state: 'in_flight' }, q.inFlight);
      g.set({ queue: q.queue, state: 'delayed' }, q.delayed);
    }
  });
  return {
    registry,
    duration: new FastHistogram(METRICS.duration, registry),
    initDuration: new FastHistogram(METRICS.initDuration, registry),
    asyncRetries: new PromCounter({ ...base(METRICS.asyncRetries), registers }),
    deadLetters: new PromCounter({ ...base(METRICS.deadLetters), registers }),
    esmBatchSize: histogram(METRICS.esmBatchSize),
    esmLag: histogram(METRICS.esmLag),
    gatewayDuration: new FastHistogram(METRICS.gatewayDuration, registry),
  };
}
