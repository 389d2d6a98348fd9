import type { Kysely, Migration } from 'kysely';

/** The `functions` table: one row per (name, version), config as JSON text. */
export const functionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('functions')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('code_hex_sha', 'text', (c) => c.notNull())
      .addColumn('revision_id', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      // The primary key is what makes a duplicate CreateFunction fail atomically.
      .addPrimaryKeyConstraint('functions_pk', ['name', 'version'])
      .execute();
    await db.schema
      .createIndex('functions_service_name')
      .on('functions')
      .columns(['service', 'name'])
      .execute();
    // Code garbage collection asks "is this blob still referenced?".
    await db.schema
      .createIndex('functions_code_hex_sha')
      .on('functions')
      .column('code_hex_sha')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('functions').execute();
  },
};
