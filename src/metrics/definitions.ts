/** A metric as the registry creates it and docs/metrics.md lists it. */
export interface MetricDef {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly string[];
  /** Histogram bucket upper bounds, in the metric's unit. */
  buckets?: readonly number[];
  /** Read when Prometheus scrapes (state), rather than counted as things happen. */
  atScrape?: boolean;
}

/** Invocation durations, in seconds: 1 ms to Lambda's 15-minute limit. */
export const DURATION_BUCKETS_S = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
  900,
] as const;
/** Gateway request latency, in seconds. */
const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;
/** Messages per event-source batch (SQS allows up to 10 000). */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;
/** Age of a queue message when its batch reaches the function, in seconds. */
const LAG_BUCKETS_S = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] as const;

const FQ = ['function', 'qualifier'] as const;

/**
 * Every metric Nimbus exports besides prom-client's process defaults. Labels are
 * bounded: function names, qualifiers, outcomes, start types, route keys, queue
 * names and status codes; never request ids. `outcome` is one of `success`,
 * `error`, `timeout`, `oom`, `throttle`; `start_type` one of `cold`,
 * `prewarmed`, `provisioned`, `warm`.
 */
export const METRICS = {
  invocations: {
    name: 'nimbus_invocations_total',
    type: 'counter',
    help: 'Invocations by outcome (success, error, timeout, oom, throttle); throttled ones never ran.',
    labels: [...FQ, 'outcome'],
  },
  duration: {
    name: 'nimbus_invocation_duration_seconds',
    type: 'histogram',
    help: 'How long invocations ran (the REPORT Duration; init not included).',
    labels: FQ,
    buckets: DURATION_BUCKETS_S,
  },
  initDuration: {
    name: 'nimbus_invocation_init_duration_seconds',
    type: 'histogram',
    help: 'Init duration of invocations that started an instance (cold or prewarmed).',
    labels: FQ,
    buckets: DURATION_BUCKETS_S,
  },
  starts: {
    name: 'nimbus_invocation_starts_total',
    type: 'counter',
    help: 'Invocations by how their instance came to serve: cold, prewarmed, provisioned or warm.',
    labels: [...FQ, 'start_type'],
  },
  billed: {
    name: 'nimbus_billed_gb_seconds_total',
    type: 'counter',
    help: 'Billed duration times memory size, in GB-seconds (what Lambda bills).',
    labels: FQ,
  },
  concurrent: {
    name: 'nimbus_concurrent_executions',
    type: 'gauge',
    help: 'Invocations running now (instances busy), per function.',
    labels: ['function'],
    atScrape: true,
  },
  instances: {
    name: 'nimbus_instances',
    type: 'gauge',
    help: 'Instances per function by state: starting, idle, busy; provisioned counts those started for provisioned concurrency.',
    labels: ['function', 'state'],
    atScrape: true,
  },
  prewarmed: {
    name: 'nimbus_prewarmed_sandboxes',
    type: 'gauge',
    help: 'Prewarmed sandboxes waiting in the pool (not yet given to a function).',
    labels: [],
    atScrape: true,
  },
  asyncDepth: {
    name: 'nimbus_async_queue_depth',
    type: 'gauge',
    help: 'Async (Event) invocations queued, retrying or in delivery, per function.',
    labels: ['function'],
    atScrape: true,
  },
  asyncOldest: {
    name: 'nimbus_async_oldest_event_age_seconds',
    type: 'gauge',
    help: 'Age of the oldest async event still pending, per function.',
    labels: ['function'],
    atScrape: true,
  },
  asyncRetries: {
    name: 'nimbus_async_retries_total',
    type: 'counter',
    help: 'Async attempts that failed and were scheduled again.',
    labels: FQ,
  },
  deadLetters: {
    name: 'nimbus_async_dead_letters_total',
    type: 'counter',
    help: 'Async events that failed for good, by reason (RetriesExhausted, EventAgeExceeded).',
    labels: [...FQ, 'reason'],
  },
  esmBatchSize: {
    name: 'nimbus_event_source_batch_size',
    type: 'histogram',
    help: 'Messages per batch an event source mapping hands its function.',
    labels: ['function', 'queue'],
    buckets: BATCH_BUCKETS,
  },
  esmLag: {
    name: 'nimbus_event_source_lag_seconds',
    type: 'histogram',
    help: "Age of each batch's oldest message when the batch reaches the function.",
    labels: ['function', 'queue'],
    buckets: LAG_BUCKETS_S,
  },
  queueDepth: {
    name: 'nimbus_queue_messages',
    type: 'gauge',
    help: 'Messages per built-in SQS queue by state: visible, in_flight, delayed.',
    labels: ['queue', 'state'],
    atScrape: true,
  },
  gatewayRequests: {
    name: 'nimbus_gateway_requests_total',
    type: 'counter',
    help: 'HTTP gateway requests by route key and status; unmatched requests have route "-".',
    labels: ['function', 'route', 'status'],
  },
  gatewayDuration: {
    name: 'nimbus_gateway_request_duration_seconds',
    type: 'histogram',
    help: 'HTTP gateway request latency, first byte in to last byte out.',
    labels: ['function', 'route'],
    buckets: LATENCY_BUCKETS_S,
  },
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

/** prom-client's default process metrics that docs/metrics.md names (there are more). */
export const DEFAULT_METRICS_NOTED = [
  ['nodejs_eventloop_lag_seconds', 'gauge', 'Event-loop lag (also _p50, _p99, _max ...)'],
  ['process_resident_memory_bytes', 'gauge', 'Resident memory (RSS)'],
  ['nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use'],
  ['process_cpu_seconds_total', 'counter', 'CPU time, user and system'],
] as const;
