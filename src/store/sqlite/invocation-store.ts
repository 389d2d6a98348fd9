import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { fail } from '../../shared/error-codes.js';
import type { Database, InvocationsTable } from '../schema.js';
import type { InvocationQuery, InvocationRecord, InvocationStore, ListPage } from '../types.js';

const PRUNE_CHUNK = 1000;

export function recordRow(r: InvocationRecord): InvocationsTable {
  return {
    request_id: r.requestId,
    function_name: r.functionName,
    created_at_ms: r.createdAtMs,
    status: r.status,
    record: JSON.stringify(r),
  };
}

/** A prepared upsert of one record row (for raw better-sqlite3 transactions). */
export function prepareRecordUpsert(sqlite: BetterSqlite3.Database): BetterSqlite3.Statement {
  return sqlite.prepare(
    `insert into invocations (request_id, function_name, created_at_ms, status, record)
     values (@request_id, @function_name, @created_at_ms, @status, @record)
     on conflict (request_id) do update set status = excluded.status, record = excluded.record`,
  );
}

/** Inserts or replaces one record (inside the caller's transaction). */
export async function putRecord(db: Kysely<Database>, r: InvocationRecord): Promise<void> {
  const row = recordRow(r);
  await db
    .insertInto('invocations')
    .values(row)
    .onConflict((oc) =>
      oc.column('request_id').doUpdateSet({ status: row.status, record: row.record }),
    )
    .execute();
}

/** Invocation records: indexed columns for queries, the whole record as JSON. */
export class SqliteInvocationStore implements InvocationStore {
  private readonly putAll: (records: InvocationRecord[]) => void;

  constructor(
    private readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
  ) {
    const upsert = prepareRecordUpsert(sqlite);
    this.putAll = sqlite.transaction((records: InvocationRecord[]) => {
      for (const r of records) upsert.run(recordRow(r));
    });
  }

  async put(records: InvocationRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Holding Kysely's connection keeps this raw transaction from nesting inside one of Kysely's.
    await this.db.connection().execute(async () => this.putAll(records));
  }

  async get(requestId: string): Promise<InvocationRecord | undefined> {
    const row = await this.db
      .selectFrom('invocations')
      .select('record')
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    // Written only by recordRow().
    return row ? (JSON.parse(row.record) as InvocationRecord) : undefined;
  }

  async list(q: InvocationQuery): Promise<ListPage<InvocationRecord>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(q.limit)));
    let query = this.db.selectFrom('invocations').select(['request_id', 'created_at_ms', 'record']);
    if (q.functionName) query = query.where('function_name', '=', q.functionName);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.sinceMs !== undefined) query = query.where('created_at_ms', '>=', q.sinceMs);
    if (q.untilMs !== undefined) query = query.where('created_at_ms', '<', q.untilMs);
    if (q.marker !== undefined) {
      const m = /^(\d+):(.+)$/.exec(Buffer.from(q.marker, 'base64url').toString('utf8'));
      if (!m) throw fail('BadRequest', `Invalid marker: ${q.marker}`);
      const at = Number(m[1]);
      const id = m[2]!;
      query = query.where((eb) =>
        eb.or([
          eb('created_at_ms', '<', at),
          eb.and([eb('created_at_ms', '=', at), eb('request_id', '<', id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at_ms', 'desc')
      .orderBy('request_id', 'desc')
      .limit(limit + 1)
      .execute();
    // Written only by recordRow().
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.record) as InvocationRecord);
    const last = rows[limit - 1];
    return rows.length > limit && last
      ? {
          items,
          nextMarker: Buffer.from(`${Number(last.created_at_ms)}:${last.request_id}`).toString(
            'base64url',
          ),
        }
      : { items };
  }

  async prune(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = await this.db
        .selectFrom('invocations')
        .select('request_id')
        .where('created_at_ms', '<', olderThanMs)
        .limit(PRUNE_CHUNK)
        .execute();
      if (ids.length === 0) return total;
      await this.db
        .deleteFrom('invocations')
        .where(
          'request_id',
          'in',
          ids.map((r) => r.request_id),
        )
        .execute();
      total += ids.length;
      // Let invocations in between: pruning never holds the write lock for long.
      await new Promise((r) => setImmediate(r));
    }
  }
}
