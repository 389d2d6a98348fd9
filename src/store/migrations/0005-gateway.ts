import type { Kysely, Migration } from 'kysely';

/** The HTTP gateway: routes (and custom domains), API keys (hashes only), function URLs. */
export const gatewayMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('http_routes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addUniqueConstraint('http_routes_key', ['domain', 'method', 'path'])
      .execute();
    await db.schema
      .createTable('http_api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('function_urls')
      .addColumn('url_id', 'text', (c) => c.primaryKey())
      .addColumn('function_name', 'text', (c) => c.notNull())
      .addColumn('qualifier', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addUniqueConstraint('function_urls_target', ['function_name', 'qualifier'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('function_urls').execute();
    await db.schema.dropTable('http_api_keys').execute();
    await db.schema.dropTable('http_routes').execute();
  },
};
