import type { Kysely, Migration } from 'kysely';

/**
 * The `access_keys` table: SigV4 access keys. The secret is kept only sealed
 * (AES-256-GCM under the data dir's master key, see src/api/auth/secret-box.ts);
 * no column ever holds it in plain text.
 */
export const accessKeysMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('access_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at_ms', 'bigint')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('access_keys').execute();
  },
};
