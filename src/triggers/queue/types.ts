import type { QueueService, ReceivedMessage } from '../../queues/index.js';

/** A message as the queue hands it to a poller (the shape SQS's ReceiveMessage gives). */
export type PolledMessage = ReceivedMessage;

/** The built-in queue service, as far as event source mappings need it. */
export type QueueSource = Pick<QueueService, 'byArn' | 'receive' | 'deleteMessages'>;

/** What one synchronous invocation of the mapped function returned. */
export interface BatchOutcome {
  /** The function's response (JSON text) when it succeeded. */
  payload: Buffer;
  /** Set when the function failed, was throttled, or could not be found. */
  error?: { type: string; message: string };
}

/** Runs the mapped function synchronously on one batch. */
export type BatchInvoker = (
  functionName: string,
  qualifier: string | null,
  payload: Buffer,
  /** The batch itself, for tracing (each message's `AWSTraceHeader`). */
  batch?: { queueArn: string; messages: readonly PolledMessage[] },
) => Promise<BatchOutcome>;
