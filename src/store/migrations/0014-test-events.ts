import type { Kysely, Migration } from 'kysely';

/**
 * The `test_events` table: the console's saved test events, per function and name
 * (the JSON payload as text).
 */
export const testEventsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('test_events')
      .addColumn('function_name', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('test_events_pk', ['function_name', 'name'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('test_events').execute();
  },
};
