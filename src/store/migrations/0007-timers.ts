import type { Kysely, Migration } from 'kysely';

/**
 * The `timers` table: timer triggers. `next_fire_at_ms` is the one due time
 * waiting to fire; `lease_owner`/`lease_until_ms` let exactly one node (of
 * several sharing the store) fire it.
 */
export const timersMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('timers')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('function_name', 'text', (c) => c.notNull())
      .addColumn('qualifier', 'text')
      .addColumn('schedule', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text')
      .addColumn('payload', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('catch_up', 'integer', (c) => c.notNull())
      .addColumn('next_fire_at_ms', 'bigint')
      .addColumn('last_fire_at_ms', 'bigint')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until_ms', 'bigint')
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('timers_due')
      .on('timers')
      .columns(['enabled', 'next_fire_at_ms'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('timers').execute();
  },
};
