/** How a queue is polled for a function (the Lambda API's event source mapping settings). */
export interface EventSourceMappingSettings {
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  /** `ReportBatchItemFailures` or nothing. */
  functionResponseTypes: string[];
  /** ScalingConfig.MaximumConcurrency; null when not set. */
  maximumConcurrency: number | null;
}

export interface EventSourceMapping extends EventSourceMappingSettings {
  uuid: string;
  functionName: string;
  /** Version or alias the mapping invokes; null for `$LATEST`. */
  qualifier: string | null;
  eventSourceArn: string;
  enabled: boolean;
  /** `No records processed`, `OK`, `PROBLEM: ...` (LastProcessingResult). */
  lastResult: string;
  createdAtMs: number;
  lastModifiedMs: number;
}

export interface EventSourceMappingStore {
  /** Inserts or replaces the mapping with this uuid. */
  put(m: EventSourceMapping): Promise<void>;
  get(uuid: string): Promise<EventSourceMapping | undefined>;
  /** All mappings, oldest first; filtered by function name and/or source ARN when given. */
  list(filter?: { functionName?: string; eventSourceArn?: string }): Promise<EventSourceMapping[]>;
  /** Records the last batch's outcome without touching the settings. */
  setLastResult(uuid: string, lastResult: string): Promise<void>;
  delete(uuid: string): Promise<boolean>;
}
