import type { Kysely, Selectable } from 'kysely';
import type { Database, TestEventsTable } from '../schema.js';
import type { TestEventRecord, TestEventStore } from '../types.js';

/** `TestEventStore` on SQLite: the `test_events` table. */
export class SqliteTestEventStore implements TestEventStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(functionName: string): Promise<TestEventRecord[]> {
    const rows = await this.db
      .selectFrom('test_events')
      .selectAll()
      .where('function_name', '=', functionName)
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }

  async put(rec: TestEventRecord): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('test_events')
        .set({ payload: rec.payload, updated_at_ms: rec.updatedAtMs })
        .where('function_name', '=', rec.functionName)
        .where('name', '=', rec.name)
        .executeTakeFirst();
      if (r.numUpdatedRows > 0n) return false;
      await tx
        .insertInto('test_events')
        .values({
          function_name: rec.functionName,
          name: rec.name,
          payload: rec.payload,
          created_at_ms: rec.createdAtMs,
          updated_at_ms: rec.updatedAtMs,
        })
        .execute();
      return true;
    });
  }

  async delete(functionName: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('test_events')
      .where('function_name', '=', functionName)
      .where('name', '=', name)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async deleteAll(functionName: string): Promise<number> {
    const r = await this.db
      .deleteFrom('test_events')
      .where('function_name', '=', functionName)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function fromRow(row: Selectable<TestEventsTable>): TestEventRecord {
  return {
    functionName: row.function_name,
    name: row.name,
    payload: row.payload,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}
