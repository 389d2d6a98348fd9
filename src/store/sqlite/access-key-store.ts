import type { Kysely, Selectable } from 'kysely';
import { fail } from '../../shared/error-codes.js';
import type { AccessKeysTable, Database } from '../schema.js';
import type { AccessKeyRecord, AccessKeyStore } from '../types.js';
import { isUniqueViolation } from './function-store.js';

/** `AccessKeyStore` on SQLite: the `access_keys` table. */
export class SqliteAccessKeyStore implements AccessKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(rec: AccessKeyRecord): Promise<void> {
    try {
      await this.db
        .insertInto('access_keys')
        .values({
          id: rec.id,
          description: rec.description,
          secret_sealed: rec.secretSealed,
          created_at_ms: rec.createdAtMs,
          last_used_at_ms: rec.lastUsedAtMs,
        })
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw fail('ResourceConflictException', `Access key already exists: ${rec.id}`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  async get(id: string): Promise<AccessKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('access_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async list(): Promise<AccessKeyRecord[]> {
    const rows = await this.db
      .selectFrom('access_keys')
      .selectAll()
      .orderBy('created_at_ms')
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('access_keys').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async touch(id: string, lastUsedAtMs: number): Promise<void> {
    await this.db
      .updateTable('access_keys')
      .set({ last_used_at_ms: lastUsedAtMs })
      .where('id', '=', id)
      .execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('access_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a string; Number() keeps this portable.
    return Number(row.n);
  }
}

function fromRow(row: Selectable<AccessKeysTable>): AccessKeyRecord {
  return {
    id: row.id,
    description: row.description,
    secretSealed: row.secret_sealed,
    // bigint columns come back as strings from PostgreSQL.
    createdAtMs: Number(row.created_at_ms),
    lastUsedAtMs: row.last_used_at_ms === null ? null : Number(row.last_used_at_ms),
  };
}
