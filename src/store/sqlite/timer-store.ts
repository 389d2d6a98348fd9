import type { Kysely, Selectable, Updateable } from 'kysely';
import { fail } from '../../shared/error-codes.js';
import type { Database, TimersTable } from '../schema.js';
import type { TimerPatch, TimerRecord, TimerStore } from '../types.js';
import { isUniqueViolation } from './function-store.js';

/**
 * `TimerStore` on SQLite: the `timers` table. Claim and complete are single
 * compare-and-set UPDATEs, so they stay atomic on PostgreSQL too (a concurrent
 * updater re-checks the WHERE against the row it waited for).
 */
export class SqliteTimerStore implements TimerStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(rec: TimerRecord): Promise<void> {
    try {
      await this.db.insertInto('timers').values(toRow(rec)).execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw fail('ResourceConflictException', `Timer already exists: ${rec.name}`, { cause: e });
      }
      throw e;
    }
  }

  async get(name: string): Promise<TimerRecord | undefined> {
    const row = await this.db
      .selectFrom('timers')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(opts: { functionName?: string } = {}): Promise<TimerRecord[]> {
    let q = this.db.selectFrom('timers').selectAll().orderBy('name');
    if (opts.functionName !== undefined) q = q.where('function_name', '=', opts.functionName);
    return (await q.execute()).map(fromRow);
  }

  async update(name: string, patch: TimerPatch): Promise<TimerRecord | undefined> {
    const set: Updateable<TimersTable> = { updated_at_ms: patch.updatedAtMs };
    if (patch.functionName !== undefined) set.function_name = patch.functionName;
    if (patch.qualifier !== undefined) set.qualifier = patch.qualifier;
    if (patch.schedule !== undefined) set.schedule = patch.schedule;
    if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
    if (patch.payload !== undefined) set.payload = patch.payload;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    if (patch.catchUp !== undefined) set.catch_up = patch.catchUp ? 1 : 0;
    if (patch.nextFireAtMs !== undefined) set.next_fire_at_ms = patch.nextFireAtMs;
    const r = await this.db
      .updateTable('timers')
      .set(set)
      .where('name', '=', name)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n ? this.get(name) : undefined;
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('timers').where('name', '=', name).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async listDue(nowMs: number, limit: number): Promise<TimerRecord[]> {
    const rows = await this.db
      .selectFrom('timers')
      .selectAll()
      .where('enabled', '=', 1)
      .where('next_fire_at_ms', '<=', nowMs)
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_until_ms', '<=', nowMs)]))
      .orderBy('next_fire_at_ms')
      .orderBy('name')
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  async earliestFireAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom('timers')
      .select((eb) => eb.fn.min('next_fire_at_ms').as('at'))
      .where('enabled', '=', 1)
      .executeTakeFirst();
    // bigint columns come back as strings from PostgreSQL.
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  async claim(
    name: string,
    dueAtMs: number,
    owner: string,
    leaseUntilMs: number,
    nowMs: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('timers')
      .set({ lease_owner: owner, lease_until_ms: leaseUntilMs })
      .where('name', '=', name)
      .where('enabled', '=', 1)
      .where('next_fire_at_ms', '=', dueAtMs)
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_until_ms', '<=', nowMs)]))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async complete(c: {
    name: string;
    owner: string;
    dueAtMs: number;
    nextFireAtMs: number | null;
    fired: boolean;
  }): Promise<boolean> {
    const set: Updateable<TimersTable> = {
      next_fire_at_ms: c.nextFireAtMs,
      lease_owner: null,
      lease_until_ms: null,
    };
    if (c.fired) set.last_fire_at_ms = c.dueAtMs;
    const r = await this.db
      .updateTable('timers')
      .set(set)
      .where('name', '=', c.name)
      .where('lease_owner', '=', c.owner)
      .where('next_fire_at_ms', '=', c.dueAtMs)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.db
      .updateTable('timers')
      .set({ lease_owner: null, lease_until_ms: null })
      .where('name', '=', name)
      .where('lease_owner', '=', owner)
      .execute();
  }
}

function toRow(rec: TimerRecord): TimersTable {
  return {
    name: rec.name,
    function_name: rec.functionName,
    qualifier: rec.qualifier,
    schedule: rec.schedule,
    time_zone: rec.timeZone,
    payload: rec.payload,
    enabled: rec.enabled ? 1 : 0,
    catch_up: rec.catchUp ? 1 : 0,
    next_fire_at_ms: rec.nextFireAtMs,
    last_fire_at_ms: rec.lastFireAtMs,
    lease_owner: rec.leaseOwner,
    lease_until_ms: rec.leaseUntilMs,
    created_at_ms: rec.createdAtMs,
    updated_at_ms: rec.updatedAtMs,
  };
}

// bigint columns come back as strings from PostgreSQL: Number() keeps this portable.
const num = (v: number | null): number | null => (v === null ? null : Number(v));

function fromRow(row: Selectable<TimersTable>): TimerRecord {
  return {
    name: row.name,
    functionName: row.function_name,
    qualifier: row.qualifier,
    schedule: row.schedule,
    timeZone: row.time_zone,
    payload: row.payload,
    enabled: Number(row.enabled) === 1,
    catchUp: Number(row.catch_up) === 1,
    nextFireAtMs: num(row.next_fire_at_ms),
    lastFireAtMs: num(row.last_fire_at_ms),
    leaseOwner: row.lease_owner,
    leaseUntilMs: num(row.lease_until_ms),
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}
