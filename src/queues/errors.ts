import { NimbusError } from '../shared/errors.js';

/**
 * The SQS service's own error catalogue, apart from the Lambda one in
 * src/shared/error-codes.ts. Each code is SQS's JSON error name; `queryCode` is
 * what the query protocol (and the JSON protocol's `x-amzn-query-error` header)
 * calls it; `coral` codes are the JSON protocol's framework errors, answered
 * under `com.amazon.coral.service#` and without the query header.
 * docs/sqs.md lists every one (a test checks).
 */
export const SQS_ERRORS = {
  QueueDoesNotExist: { queryCode: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  QueueNameExists: { queryCode: 'QueueAlreadyExists', status: 400 },
  PurgeQueueInProgress: { queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403 },
  EmptyBatchRequest: { queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400 },
  TooManyEntriesInBatchRequest: {
    queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    status: 400,
  },
  BatchEntryIdsNotDistinct: {
    queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    status: 400,
  },
  InvalidBatchEntryId: { queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400 },
  BatchRequestTooLong: { queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400 },
  MessageNotInflight: { queryCode: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 },
  ReceiptHandleIsInvalid: { queryCode: 'ReceiptHandleIsInvalid', status: 404 },
  InvalidAttributeName: { queryCode: 'InvalidAttributeName', status: 400 },
  InvalidAttributeValue: { queryCode: 'InvalidAttributeValue', status: 400 },
  InvalidMessageContents: { queryCode: 'InvalidMessageContents', status: 400 },
  UnsupportedOperation: { queryCode: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  InvalidParameterValue: { queryCode: 'InvalidParameterValue', status: 400 },
  MissingParameter: { queryCode: 'MissingParameter', status: 400 },
  InvalidAction: { queryCode: 'InvalidAction', status: 400 },
  MissingAction: { queryCode: 'MissingAction', status: 400 },
  MalformedQueryString: { queryCode: 'MalformedQueryString', status: 400 },
  UnknownOperationException: { queryCode: 'InvalidAction', status: 400, coral: true },
  SerializationException: { queryCode: 'MalformedQueryString', status: 400, coral: true },
  InternalError: { queryCode: 'InternalError', status: 500 },
} as const satisfies Record<string, { queryCode: string; status: number; coral?: boolean }>;

export type SqsErrorCode = keyof typeof SQS_ERRORS;

/** An SQS error: `code` is the JSON name, `queryCode` the query protocol's. */
export class SqsError extends NimbusError {
  readonly queryCode: string;
  /** A framework error of the JSON protocol (no `x-amzn-query-error` header). */
  readonly coral: boolean;
  /** The query protocol's wording, where SQS words it differently. */
  queryMessage: string;

  constructor(code: string, queryCode: string, status: number, message: string, coral = false) {
    super(code, status, status >= 500 ? 'system' : 'user', message);
    this.queryCode = queryCode;
    this.coral = coral;
    this.queryMessage = message;
  }

  /** Whose fault, in SQS's words (`Type` in query errors, `SenderFault` in batch results). */
  get senderFault(): boolean {
    return this.status < 500;
  }
}

/** Builds a catalogued SQS error: `sqsError('QueueDoesNotExist', 'The specified queue does not exist.')`. */
export function sqsError(code: SqsErrorCode, message: string): SqsError {
  const spec: { queryCode: string; status: number; coral?: boolean } = SQS_ERRORS[code];
  return new SqsError(code, spec.queryCode, spec.status, message, spec.coral === true);
}

/** SQS's wording for a parameter outside its range. */
export function invalidParameter(name: string, value: unknown, reason: string): SqsError {
  return sqsError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}

/** SQS's wording for a missing required parameter. */
export function missingParameter(name: string): SqsError {
  return sqsError('MissingParameter', `The request must contain the parameter ${name}.`);
}

/** The one answer for a queue that does not exist. */
export function noSuchQueue(): SqsError {
  const e = sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  e.queryMessage = 'The specified queue does not exist for this wsdl version.';
  return e;
}

/** Runs `fn`, answering an SqsError as a value (one batch entry's result); other errors propagate. */
export function attempt<T>(fn: () => T): T | SqsError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SqsError) return e;
    throw e;
  }
}
