/** Row of `metric_minutes` (migration 0013). */
export interface MetricMinutesTable {
  function_name: string;
  qualifier: string;
  version: string;
  minute_ms: number;
  invocations: number;
  errors: number;
  throttles: number;
  cold_starts: number;
  duration_ms_sum: number;
  gb_seconds: number;
  /** JSON object: digest bucket index → count. */
  digest: string;
}
