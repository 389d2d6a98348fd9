import type { Kysely, Migration } from 'kysely';

/**
 * The `provisioned_configs` table: provisioned concurrency per function version or alias.
 * Only what was asked for is stored; the instances and their status live in the server
 * (they are started again from here when it restarts).
 */
export const provisionedMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('provisioned_configs')
      .addColumn('function_name', 'text', (c) => c.notNull())
      .addColumn('qualifier', 'text', (c) => c.notNull())
      .addColumn('requested', 'integer', (c) => c.notNull())
      .addColumn('last_modified_ms', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('provisioned_configs_pk', ['function_name', 'qualifier'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('provisioned_configs').execute();
  },
};
