import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The `services` table: Function Compute services, named groups of functions with shared
 * settings (`config`: JSON of description, internet access, log retention, default env).
 * Service `default`, where Lambda-API functions live, is created here and always exists.
 */
export const servicesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('services')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    const config = JSON.stringify({
      description: 'Functions created through the Lambda API',
      internetAccess: false,
      logRetentionDays: null,
      env: {},
    });
    const now = Date.now();
    await sql`insert into services (name, config, created_at_ms, updated_at_ms) values ('default', ${config}, ${now}, ${now})`.execute(
      db,
    );
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('services').execute();
  },
};
