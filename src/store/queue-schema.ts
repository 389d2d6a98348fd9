import type { Generated } from 'kysely';

/** The built-in SQS tables (migration 0009-queues); part of `Database` in schema.ts. */

/** One row per queue; booleans are 0/1 integers (portable). */
export interface SqsQueuesTable {
  name: string;
  fifo: number;
  /** JSON: the settable attributes as SQS strings. */
  attributes: string;
  /** JSON: tag key → value. */
  tags: string;
  created_at_ms: number;
  last_modified_ms: number;
  purged_at_ms: number | null;
}

/** One row per stored message; `visible_at_ms` is the end of its delay or visibility timeout. */
export interface SqsMessagesTable {
  seq: Generated<number>;
  queue_name: string;
  message_id: string;
  body: string;
  md5_of_body: string;
  /** JSON of the message attributes; null when there are none. */
  message_attributes: string | null;
  md5_of_message_attributes: string | null;
  /** JSON of the message system attributes (AWSTraceHeader); null when none. */
  system_attributes: string | null;
  sender_id: string;
  sent_at_ms: number;
  visible_at_ms: number;
  expires_at_ms: number;
  receive_count: number;
  first_receive_at_ms: number | null;
  /** The nonce of the newest receipt handle; null before the first receive. */
  receipt_token: string | null;
  group_id: string | null;
  dedup_id: string | null;
  /** The queue a dead-lettered message was moved from. */
  dead_letter_source: string | null;
}

/** FIFO deduplication: a key seen in a queue within the deduplication interval. */
export interface SqsDedupTable {
  queue_name: string;
  dedup_key: string;
  message_id: string;
  seq: number;
  created_at_ms: number;
}

/** The queue tables, merged into `Database`. */
export interface QueueTables {
  sqs_queues: SqsQueuesTable;
  sqs_messages: SqsMessagesTable;
  sqs_dedup: SqsDedupTable;
}
