import type { Kysely, Migration } from 'kysely';
import type { SqlDialectName } from './index.js';

/**
 * The `logs` table. Ids only ever grow (SQLite AUTOINCREMENT, a PostgreSQL
 * identity), so a cursor stays valid even after pruning removed the newest rows.
 */
export function logsMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('logs')
        .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
          // Plain INTEGER PRIMARY KEY may reuse the highest id after a delete.
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedAlwaysAsIdentity(),
        )
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      // Serves every query: WHERE function_name = ? [AND id > ?] ORDER BY id.
      await db.schema
        .createIndex('logs_function_id')
        .on('logs')
        .columns(['function_name', 'id'])
        .execute();
      await db.schema.createIndex('logs_timestamp').on('logs').column('timestamp_ms').execute();
      await db.schema.createIndex('logs_request_id').on('logs').column('request_id').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('logs').execute();
    },
  };
}
