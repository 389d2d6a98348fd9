import type { Kysely, Migration } from 'kysely';

/**
 * `async_events.trace_parent`: the W3C traceparent of the span that enqueued an event
 * (set when tracing is on), so its delivery continues that trace even after a restart.
 */
export const asyncTraceMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('async_events').addColumn('trace_parent', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('async_events').dropColumn('trace_parent').execute();
  },
};
