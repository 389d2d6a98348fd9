/** One invocation as handed to a runtime through `GET /runtime/invocation/next`. */
export interface RuntimeInvocation {
  requestId: string;
  /** Event bytes; never empty (the invoker substitutes `{}`). */
  payload: Buffer;
  /** Absolute deadline, epoch ms. */
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  /** Decoded client-context JSON text, when the caller sent one. */
  clientContext?: string;
  cognitoIdentity?: string;
  contentType?: string;
  /**
   * Where a streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`) goes as it
   * arrives. Without one, a streamed response is buffered like any other.
   */
  stream?: ResponseStreamSink;
}

/** Takes a streamed response piece by piece, with backpressure. */
export interface ResponseStreamSink {
  /** The runtime began its streamed response, with this Content-Type. */
  start(contentType: string): void;
  /** A piece of the body; false asks the channel to wait for `drained()` before the next. */
  write(chunk: Buffer): boolean;
  /** Resolves when the sink takes more, or is gone (later writes are then dropped). */
  drained(): Promise<void>;
}

/**
 * What the runtime answered for an invocation. `logsComplete`: every log line of the
 * invocation came before the answer on the channel itself, so there is no stdout end
 * marker to wait for (framed runtimes).
 */
export type RuntimeOutcome =
  | { kind: 'response'; body: Buffer; contentType: string; logsComplete?: true }
  | { kind: 'error'; errorType: string; body: Buffer; logsComplete?: true }
  | { kind: 'too-large' }
  /** The body went to the invocation's stream sink as it arrived. */
  | { kind: 'streamed'; contentType: string; sizeBytes: number };

/** The instance that owns a channel hears about the runtime through this. */
export interface ChannelListener {
  /** The runtime asked for its first event: init is complete. */
  onReady(): void;
  onOutcome(requestId: string, outcome: RuntimeOutcome): void;
  /** The runtime reported that init failed; body is its error JSON. */
  onInitError(errorType: string, body: Buffer): void;
  /** Log lines a framed runtime sent on the channel (in order with its answers). */
  onLogText?(text: string): void;
}

/** Largest response a runtime may post: 6 MiB + 100 B, as RIE. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;

/** Largest response streamed to a sink (Lambda's response-streaming limit: 20 MiB). */
export const MAX_STREAMED_RESPONSE_BYTES = 20 * 1024 * 1024;
