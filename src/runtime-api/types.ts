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
}

/** What the runtime answered for an invocation. */
export type RuntimeOutcome =
  | { kind: 'response'; body: Buffer; contentType: string }
  | { kind: 'error'; errorType: string; body: Buffer }
  | { kind: 'too-large' };

/** The instance that owns a channel hears about the runtime through this. */
export interface ChannelListener {
  /** The runtime asked for its first event: init is complete. */
  onReady(): void;
  onOutcome(requestId: string, outcome: RuntimeOutcome): void;
  /** The runtime reported that init failed; body is its error JSON. */
  onInitError(errorType: string, body: Buffer): void;
}

/** Largest response a runtime may post: 6 MiB + 100 B, as RIE. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
