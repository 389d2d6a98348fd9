export { DEFAULT_METRICS_NOTED, METRICS, type MetricDef } from './definitions.js';
export { type Digest, digestMerge, digestQuantile } from './digest.js';
export {
  type InvocationFigures,
  type InvokedFunction,
  Metrics,
  type MetricsOptions,
  outcomeOf,
  type ThrottledTarget,
} from './metrics.js';
export { metricsReference, withReference } from './reference.js';
export type { QueueDepth, StateSources } from './registry.js';
export { listenMetrics } from './serve.js';
export {
  type PeriodFigures,
  seriesByPeriod,
  type UsageRow,
  usageByDay,
} from './summaries.js';
