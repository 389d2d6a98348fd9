import type { Kysely, Migration } from 'kysely';

/** Aliases of functions, and layer versions with their per-name counters. */
export const aliasesLayersMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('aliases')
      .addColumn('function_name', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('function_version', 'text', (c) => c.notNull())
      .addColumn('revision_id', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('aliases_pk', ['function_name', 'name'])
      .execute();
    await db.schema
      .createTable('layer_versions')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('code_hex_sha', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('layer_versions_pk', ['name', 'version'])
      .execute();
    // Version numbers are never reused, even after a delete: the counter outlives the rows.
    await db.schema
      .createTable('layer_names')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('last_version', 'integer', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('layer_names').execute();
    await db.schema.dropTable('layer_versions').execute();
    await db.schema.dropTable('aliases').execute();
  },
};
