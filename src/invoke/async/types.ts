/** What an event source needs to submit an asynchronous (Event) invocation. */
export interface EnqueueRequest {
  functionName: string;
  /** `$LATEST` (default), a version or an alias. */
  qualifier?: string;
  payload: Buffer;
  /** Who submitted it, for the invocation record: `api`, `timer:NAME`, `destination:FN`, ... */
  source: string;
  /** De-duplicates submissions of the same token within the idempotency window. */
  clientToken?: string;
  /** W3C traceparent of the enqueuing span (tracing on), stored with the event. */
  traceParent?: string;
}

export interface EnqueueResult {
  requestId: string;
  /** True when the client token was seen within the window: nothing new was queued. */
  duplicate: boolean;
}

/**
 * The async queue's entry point. `enqueue` resolves only once the event is
 * durable in the store (the 202 promise).
 */
export interface AsyncEnqueuer {
  enqueue(req: EnqueueRequest): Promise<EnqueueResult>;
}
