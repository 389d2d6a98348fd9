import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import { fail } from '../../shared/error-codes.js';
import type { Database, ServicesTable } from '../schema.js';
import type { ServiceRecord, ServiceStore } from '../types.js';
import { isUniqueViolation } from './function-store.js';

/** Rows per DELETE when pruning logs, so the write lock is held only briefly. */
const DELETE_CHUNK_ROWS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

type Settings = Pick<ServiceRecord, 'description' | 'internetAccess' | 'logRetentionDays' | 'env'>;

/** `ServiceStore` on SQLite: the `services` table; membership is the `functions.service` column. */
export class SqliteServiceStore implements ServiceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(rec: ServiceRecord): Promise<void> {
    try {
      await this.db.insertInto('services').values(toRow(rec)).execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw fail('ResourceConflictException', `Service already exists: ${rec.name}`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  async get(name: string): Promise<ServiceRecord | undefined> {
    const row = await this.db
      .selectFrom('services')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<ServiceRecord[]> {
    const rows = await this.db.selectFrom('services').selectAll().orderBy('name').execute();
    return rows.map(fromRow);
  }

  async update(rec: ServiceRecord): Promise<boolean> {
    const { config, updated_at_ms } = toRow(rec);
    const r = await this.db
      .updateTable('services')
      .set({ config, updated_at_ms })
      .where('name', '=', rec.name)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('services').where('name', '=', name).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async functionNames(name: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('functions')
      .select('name')
      .distinct()
      .where('service', '=', name)
      .orderBy('name')
      .execute();
    return rows.map((r) => r.name);
  }

  async pruneLogs(nowMs: number, defaultRetentionMs: number): Promise<number> {
    const own = (await this.list()).filter((s) => s.logRetentionDays !== null);
    let total = 0;
    for (const s of own) {
      const cutoff = nowMs - (s.logRetentionDays ?? 0) * DAY_MS;
      total += await this.deleteLogs((eb) =>
        eb.and([
          eb('timestamp_ms', '<', cutoff),
          eb('function_name', 'in', membersOf(eb, [s.name])),
        ]),
      );
    }
    const cutoff = nowMs - defaultRetentionMs;
    const names = own.map((s) => s.name);
    total += await this.deleteLogs((eb) =>
      names.length === 0
        ? eb('timestamp_ms', '<', cutoff)
        : eb.and([
            eb('timestamp_ms', '<', cutoff),
            eb('function_name', 'not in', membersOf(eb, names)),
          ]),
    );
    return total;
  }

  /** Deletes matching log rows a chunk at a time, each chunk its own short transaction. */
  private async deleteLogs(
    where: (eb: ExpressionBuilder<Database, 'logs'>) => Expression<SqlBool>,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('logs')
        .where('id', 'in', (eb) =>
          eb.selectFrom('logs').select('id').where(where).limit(DELETE_CHUNK_ROWS),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < DELETE_CHUNK_ROWS) return total;
      await yieldToEventLoop();
    }
  }
}

/** The functions whose `$LATEST` is in one of `services` (their logs follow its retention). */
function membersOf(eb: ExpressionBuilder<Database, 'logs'>, services: string[]) {
  return eb
    .selectFrom('functions')
    .select('functions.name')
    .where('functions.version', '=', '$LATEST')
    .where('functions.service', 'in', services);
}

function toRow(rec: ServiceRecord): ServicesTable {
  const settings: Settings = {
    description: rec.description,
    internetAccess: rec.internetAccess,
    logRetentionDays: rec.logRetentionDays,
    env: rec.env,
  };
  return {
    name: rec.name,
    config: JSON.stringify(settings),
    created_at_ms: rec.createdAtMs,
    updated_at_ms: rec.updatedAtMs,
  };
}

function fromRow(row: Selectable<ServicesTable>): ServiceRecord {
  const s = JSON.parse(row.config) as Partial<Settings>;
  return {
    name: row.name,
    description: s.description ?? '',
    internetAccess: s.internetAccess === true,
    logRetentionDays: s.logRetentionDays ?? null,
    env: s.env ?? {},
    // bigint columns come back as strings from PostgreSQL: Number() keeps this portable.
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}
