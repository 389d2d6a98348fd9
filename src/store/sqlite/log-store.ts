import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../schema.js';
import type { LogEvent, LogQuery, LogStore, StoredLogEvent } from '../types.js';

/**
 * Rows per INSERT on append: 4 bound values each keeps a statement at 800
 * variables, under SQLite's smallest compiled-in limit (999).
 */
const APPEND_CHUNK_ROWS = 200;
/** Rows per DELETE when pruning, so the write lock is held only briefly. */
const DELETE_CHUNK_ROWS = 1000;

/** `LogStore` on SQLite: one `logs` table, ids ascending in append order. */
export class SqliteLogStore implements LogStore {
  private readonly insertAll: (events: LogEvent[]) => void;

  /** `sqlite` must be the connection under `db`, with the schema migrated. */
  constructor(
    private readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
  ) {
    // Append is the hot path: a batcher flushes thousands of lines at once.
    // Two statements prepared once (a full chunk, and one row for the tail)
    // replayed in one transaction take about half the time of Kysely-built
    // INSERTs, which are compiled and prepared anew on every call.
    const insertChunk = sqlite.prepare(insertSql(APPEND_CHUNK_ROWS));
    const insertOne = sqlite.prepare(insertSql(1));
    const params: unknown[] = new Array(APPEND_CHUNK_ROWS * 4);
    this.insertAll = sqlite.transaction((events: LogEvent[]) => {
      let i = 0;
      for (; i + APPEND_CHUNK_ROWS <= events.length; i += APPEND_CHUNK_ROWS) {
        for (let j = 0; j < APPEND_CHUNK_ROWS; j++) {
          const e = events[i + j]!; // i + j < events.length by the loop bounds.
          params[4 * j] = e.functionName;
          params[4 * j + 1] = e.timestampMs;
          params[4 * j + 2] = e.requestId;
          params[4 * j + 3] = e.message;
        }
        insertChunk.run(params);
      }
      for (const e of events.slice(i)) {
        insertOne.run(e.functionName, e.timestampMs, e.requestId, e.message);
      }
    });
  }

  async append(events: LogEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Holding Kysely's connection keeps this transaction from interleaving with
    // one Kysely has open on the same connection (it would nest as a savepoint).
    await this.db.connection().execute(async () => this.insertAll(events));
  }

  async query(q: LogQuery): Promise<{ events: StoredLogEvent[]; nextCursor: string }> {
    let query = this.db
      .selectFrom('logs')
      .selectAll()
      .where('function_name', '=', q.functionName)
      .orderBy('id')
      .limit(Math.max(1, Math.floor(q.limit)));
    if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
    if (q.sinceMs !== undefined) query = query.where('timestamp_ms', '>=', q.sinceMs);
    if (q.requestId !== undefined) query = query.where('request_id', '=', q.requestId);
    const rows = await query.execute();
    const events = rows.map(
      (r): StoredLogEvent => ({
        // bigint columns come back as strings from PostgreSQL.
        id: Number(r.id),
        functionName: r.function_name,
        timestampMs: Number(r.timestamp_ms),
        requestId: r.request_id,
        message: r.message,
      }),
    );
    const last = events.at(-1);
    return { events, nextCursor: String(last?.id ?? q.afterId ?? 0) };
  }

  async prune(olderThanMs: number): Promise<number> {
    return this.deleteInChunks((q) => q.where('timestamp_ms', '<', olderThanMs));
  }

  async deleteFunction(functionName: string): Promise<void> {
    await this.deleteInChunks((q) => q.where('function_name', '=', functionName));
  }

  /**
   * Deletes the selected rows a chunk at a time, each chunk its own short
   * transaction, so a large delete never holds the write lock for long and
   * other writers (log appends, API calls) get in between chunks.
   */
  private async deleteInChunks(select: (q: LogIdQuery) => LogIdQuery): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('logs')
        .where('id', 'in', (eb) =>
          select(eb.selectFrom('logs').select('id')).limit(DELETE_CHUNK_ROWS),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < DELETE_CHUNK_ROWS) return total;
      await yieldToEventLoop();
    }
  }
}

type LogIdQuery = SelectQueryBuilder<Database, 'logs', { id: number }>;

function insertSql(rows: number): string {
  const values = new Array<string>(rows).fill('(?, ?, ?, ?)').join(', ');
  return `INSERT INTO logs (function_name, timestamp_ms, request_id, message) VALUES ${values}`;
}
