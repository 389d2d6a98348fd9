/**
 * The built-in SQS-compatible queue service: durable queues in the store,
 * both SQS wire protocols (JSON and query), long polling, dead-letter queues,
 * FIFO queues. See docs/sqs.md.
 */
export { SQS_ERRORS, SqsError, type SqsErrorCode } from './errors.js';
export type { WireMessageAttribute } from './message-attributes.js';
export { handleSqsRequest, sendSqsError } from './protocol/handler.js';
export type { ReceivedMessage } from './received.js';
export {
  QueueService,
  type QueueSummary,
  type SendAttribute,
  type SendOptions,
} from './service.js';
