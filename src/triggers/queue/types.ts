/** A message as the queue hands it to a poller (the shape SQS's ReceiveMessage gives). */
export interface PolledMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** System attributes: ApproximateReceiveCount, SentTimestamp, SenderId, ... */
  attributes: Record<string, string>;
  messageAttributes: Record<
    string,
    {
      stringValue?: string;
      binaryValue?: string;
      stringListValues: string[];
      binaryListValues: string[];
      dataType: string;
    }
  >;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
}

/** The built-in queue service, as far as event source mappings need it. */
export interface QueueSource {
  byArn(
    arn: string,
  ): Promise<{ name: string; arn: string; visibilityTimeoutS: number; fifo: boolean } | null>;
  receive(
    queueName: string,
    o: {
      maxMessages: number;
      visibilityTimeoutS?: number;
      waitTimeMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<PolledMessage[]>;
  deleteMessages(queueName: string, receiptHandles: string[]): Promise<void>;
}

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
) => Promise<BatchOutcome>;
