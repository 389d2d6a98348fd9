import type { Kysely, Migration } from 'kysely';

/**
 * The `metric_minutes` table: per function, qualifier, executed version and minute,
 * the invocation figures and a duration digest (`nimbus metrics`, `nimbus usage`).
 * Pruned by age (`metricsRetentionMs`).
 */
export const metricMinutesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('metric_minutes')
      .addColumn('function_name', 'text', (c) => c.notNull())
      .addColumn('qualifier', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('minute_ms', 'bigint', (c) => c.notNull())
      .addColumn('invocations', 'integer', (c) => c.notNull())
      .addColumn('errors', 'integer', (c) => c.notNull())
      .addColumn('throttles', 'integer', (c) => c.notNull())
      .addColumn('cold_starts', 'integer', (c) => c.notNull())
      .addColumn('duration_ms_sum', 'real', (c) => c.notNull())
      .addColumn('gb_seconds', 'real', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('metric_minutes_pk', [
        'function_name',
        'minute_ms',
        'qualifier',
        'version',
      ])
      .execute();
    await db.schema
      .createIndex('metric_minutes_minute')
      .on('metric_minutes')
      .columns(['minute_ms'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('metric_minutes').execute();
  },
};
