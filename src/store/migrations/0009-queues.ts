import type { Kysely, Migration } from 'kysely';
import type { SqlDialectName } from './index.js';

/**
 * The built-in SQS queues: `sqs_queues` (one row per queue, attributes and tags
 * as JSON), `sqs_messages` (every stored message; `seq` only ever grows, so it
 * orders FIFO groups and keys receipt handles) and `sqs_dedup` (FIFO
 * deduplication ids seen within the last five minutes).
 */
export function queuesMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sqs_queues')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('fifo', 'integer', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_modified_ms', 'bigint', (c) => c.notNull())
        .addColumn('purged_at_ms', 'bigint')
        .execute();
      await db.schema
        .createTable('sqs_messages')
        .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
          // Plain INTEGER PRIMARY KEY may reuse the highest id after a delete.
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedAlwaysAsIdentity(),
        )
        .addColumn('queue_name', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('md5_of_body', 'text', (c) => c.notNull())
        .addColumn('message_attributes', 'text')
        .addColumn('md5_of_message_attributes', 'text')
        .addColumn('system_attributes', 'text')
        .addColumn('sender_id', 'text', (c) => c.notNull())
        .addColumn('sent_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('visible_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('receive_count', 'integer', (c) => c.notNull())
        .addColumn('first_receive_at_ms', 'bigint')
        .addColumn('receipt_token', 'text')
        .addColumn('group_id', 'text')
        .addColumn('dedup_id', 'text')
        .addColumn('dead_letter_source', 'text')
        .execute();
      // Standard receive: visible messages of a queue, oldest visible first.
      await db.schema
        .createIndex('sqs_messages_visible')
        .on('sqs_messages')
        .columns(['queue_name', 'visible_at_ms'])
        .execute();
      // FIFO receive: a queue's messages in send order.
      await db.schema
        .createIndex('sqs_messages_queue_seq')
        .on('sqs_messages')
        .columns(['queue_name', 'seq'])
        .execute();
      await db.schema
        .createIndex('sqs_messages_expiry')
        .on('sqs_messages')
        .column('expires_at_ms')
        .execute();
      await db.schema
        .createTable('sqs_dedup')
        .addColumn('queue_name', 'text', (c) => c.notNull())
        .addColumn('dedup_key', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sqs_dedup_pk', ['queue_name', 'dedup_key'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ['sqs_dedup', 'sqs_messages', 'sqs_queues']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
