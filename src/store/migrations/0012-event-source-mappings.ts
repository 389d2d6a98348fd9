import type { Kysely, Migration } from 'kysely';

/**
 * The `event_source_mappings` table: a queue polled for a function. The
 * settings (batch size, window, response types, scaling) are one JSON column;
 * the columns are what lookups filter on.
 */
export const eventSourceMappingsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('event_source_mappings')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('function_name', 'text', (c) => c.notNull())
      .addColumn('qualifier', 'text')
      .addColumn('event_source_arn', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('last_result', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('last_modified_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('event_source_mappings_function')
      .on('event_source_mappings')
      .columns(['function_name'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('event_source_mappings').execute();
  },
};
