import type { Kysely, Migration } from 'kysely';
import type { SqlDialectName } from './index.js';

/**
 * Asynchronous invocations: the durable queue, idempotency tokens, per-function
 * retry/destination settings, the dead-letter list, and invocation records.
 */
export function asyncMigration(dialect: SqlDialectName): Migration {
  const bytes = dialect === 'sqlite' ? 'blob' : 'bytea';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('async_events')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('qualifier', 'text')
        .addColumn('payload', bytes, (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('enqueued_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('lease_until_ms', 'bigint')
        .addColumn('last_error_type', 'text')
        .addColumn('last_error_message', 'text')
        .execute();
      // The dispatcher's query: due events in due order.
      await db.schema
        .createIndex('async_events_due')
        .on('async_events')
        .columns(['next_attempt_at_ms'])
        .execute();
      await db.schema
        .createTable('client_tokens')
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('client_tokens_pk', ['function_name', 'token'])
        .execute();
      await db.schema
        .createTable('event_invoke_configs')
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('qualifier', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('last_modified_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_invoke_configs_pk', ['function_name', 'qualifier'])
        .execute();
      await db.schema
        .createTable('dead_letters')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('qualifier', 'text')
        .addColumn('payload', bytes, (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('error_type', 'text')
        .addColumn('error_message', 'text')
        .addColumn('enqueued_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('dead_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('dead_letters_function')
        .on('dead_letters')
        .columns(['function_name', 'dead_at_ms'])
        .execute();
      await db.schema
        .createTable('invocations')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('invocations_function_time')
        .on('invocations')
        .columns(['function_name', 'created_at_ms'])
        .execute();
      await db.schema
        .createIndex('invocations_time')
        .on('invocations')
        .column('created_at_ms')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'invocations',
        'dead_letters',
        'event_invoke_configs',
        'client_tokens',
        'async_events',
      ]) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
