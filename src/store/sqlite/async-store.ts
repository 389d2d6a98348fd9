import type { Kysely, Selectable } from 'kysely';
import type { AsyncEventsTable, Database, DeadLettersTable } from '../schema.js';
import type { AsyncEvent, AsyncStore, DeadLetter, InvocationRecord, ListPage } from '../types.js';
import { page } from './function-store.js';
import { putRecord, recordRow } from './invocation-store.js';

/**
 * The durable async queue. A leased event's `next_attempt_at_ms` is its lease
 * expiry, so "due" is one indexed condition — `next_attempt_at_ms <= now` —
 * whether the event waits for its first attempt, a retry, or a worker that died.
 */
export class SqliteAsyncStore implements AsyncStore {
  constructor(private readonly db: Kysely<Database>) {}

  async enqueue(
    ev: AsyncEvent,
    record: InvocationRecord,
    token?: { value: string; windowMs: number },
  ): Promise<{ requestId: string; duplicate: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      if (token) {
        const seen = await tx
          .selectFrom('client_tokens')
          .select(['request_id', 'created_at_ms'])
          .where('function_name', '=', ev.functionName)
          .where('token', '=', token.value)
          .executeTakeFirst();
        if (seen && Number(seen.created_at_ms) > ev.enqueuedAtMs - token.windowMs) {
          return { requestId: seen.request_id, duplicate: true };
        }
        if (seen) {
          await tx
            .deleteFrom('client_tokens')
            .where('function_name', '=', ev.functionName)
            .where('token', '=', token.value)
            .execute();
        }
        await tx
          .insertInto('client_tokens')
          .values({
            function_name: ev.functionName,
            token: token.value,
            request_id: ev.requestId,
            created_at_ms: ev.enqueuedAtMs,
          })
          .execute();
      }
      await tx.insertInto('async_events').values(eventRow(ev)).execute();
      await tx.insertInto('invocations').values(recordRow(record)).execute();
      return { requestId: ev.requestId, duplicate: false };
    });
  }

  async claimDue(nowMs: number, limit: number, leaseUntilMs: number): Promise<AsyncEvent[]> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('async_events')
        .selectAll()
        .where('next_attempt_at_ms', '<=', nowMs)
        .orderBy('next_attempt_at_ms')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      await tx
        .updateTable('async_events')
        .set({ status: 'running', lease_until_ms: leaseUntilMs, next_attempt_at_ms: leaseUntilMs })
        .where(
          'request_id',
          'in',
          rows.map((r) => r.request_id),
        )
        .execute();
      return rows.map((r) => ({
        ...fromEventRow(r),
        status: 'running' as const,
        leaseUntilMs,
        nextAttemptAtMs: leaseUntilMs,
      }));
    });
  }

  async reschedule(ev: AsyncEvent, record?: InvocationRecord): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('async_events')
        .set({
          status: ev.status,
          attempts: ev.attempts,
          next_attempt_at_ms: ev.nextAttemptAtMs,
          lease_until_ms: ev.leaseUntilMs,
          last_error_type: ev.lastErrorType,
          last_error_message: ev.lastErrorMessage,
        })
        .where('request_id', '=', ev.requestId)
        .execute();
      if (record) await putRecord(tx, record);
    });
  }

  async complete(requestId: string, record: InvocationRecord): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('async_events').where('request_id', '=', requestId).execute();
      await putRecord(tx, record);
    });
  }

  async deadLetter(letter: DeadLetter, record: InvocationRecord): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('dead_letters').values(letterRow(letter)).execute();
      await tx.deleteFrom('async_events').where('request_id', '=', letter.requestId).execute();
      await putRecord(tx, record);
    });
  }

  async listDeadLetters(
    functionName: string,
    opts: { marker?: string; limit: number },
  ): Promise<ListPage<DeadLetter>> {
    const rows = await this.db
      .selectFrom('dead_letters')
      .selectAll()
      .where('function_name', '=', functionName)
      .orderBy('dead_at_ms')
      .orderBy('request_id')
      .execute();
    return page(rows.map(fromLetterRow), opts, (l) => l.requestId);
  }

  async takeDeadLetters(functionName: string, ids?: string[]): Promise<DeadLetter[]> {
    return this.db.transaction().execute(async (tx) => {
      let q = tx.selectFrom('dead_letters').selectAll().where('function_name', '=', functionName);
      if (ids) q = q.where('request_id', 'in', ids.length ? ids : ['']);
      const rows = await q.orderBy('dead_at_ms').execute();
      if (rows.length) {
        await tx
          .deleteFrom('dead_letters')
          .where(
            'request_id',
            'in',
            rows.map((r) => r.request_id),
          )
          .execute();
      }
      return rows.map(fromLetterRow);
    });
  }

  async pending(functionName?: string): Promise<number> {
    let q = this.db.selectFrom('async_events').select((eb) => eb.fn.countAll<number>().as('n'));
    if (functionName) q = q.where('function_name', '=', functionName);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async nextDueAtMs(): Promise<number | null> {
    const row = await this.db
      .selectFrom('async_events')
      .select('next_attempt_at_ms')
      .orderBy('next_attempt_at_ms')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.next_attempt_at_ms) : null;
  }

  async pruneTokens(olderThanMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('client_tokens')
      .where('created_at_ms', '<', olderThanMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function eventRow(ev: AsyncEvent): AsyncEventsTable {
  return {
    request_id: ev.requestId,
    function_name: ev.functionName,
    qualifier: ev.qualifier,
    payload: ev.payload,
    source: ev.source,
    status: ev.status,
    attempts: ev.attempts,
    enqueued_at_ms: ev.enqueuedAtMs,
    next_attempt_at_ms: ev.nextAttemptAtMs,
    lease_until_ms: ev.leaseUntilMs,
    last_error_type: ev.lastErrorType,
    last_error_message: ev.lastErrorMessage,
  };
}

function fromEventRow(r: Selectable<AsyncEventsTable>): AsyncEvent {
  return {
    requestId: r.request_id,
    functionName: r.function_name,
    qualifier: r.qualifier,
    payload: Buffer.from(r.payload),
    source: r.source,
    // Written only by eventRow() from an AsyncEventStatus.
    status: r.status as AsyncEvent['status'],
    attempts: Number(r.attempts),
    enqueuedAtMs: Number(r.enqueued_at_ms),
    nextAttemptAtMs: Number(r.next_attempt_at_ms),
    leaseUntilMs: r.lease_until_ms === null ? null : Number(r.lease_until_ms),
    lastErrorType: r.last_error_type,
    lastErrorMessage: r.last_error_message,
  };
}

function letterRow(l: DeadLetter): DeadLettersTable {
  return {
    request_id: l.requestId,
    function_name: l.functionName,
    qualifier: l.qualifier,
    payload: l.payload,
    source: l.source,
    attempts: l.attempts,
    reason: l.reason,
    error_type: l.errorType,
    error_message: l.errorMessage,
    enqueued_at_ms: l.enqueuedAtMs,
    dead_at_ms: l.deadAtMs,
  };
}

function fromLetterRow(r: Selectable<DeadLettersTable>): DeadLetter {
  return {
    requestId: r.request_id,
    functionName: r.function_name,
    qualifier: r.qualifier,
    payload: Buffer.from(r.payload),
    source: r.source,
    attempts: Number(r.attempts),
    reason: r.reason,
    errorType: r.error_type,
    errorMessage: r.error_message,
    enqueuedAtMs: Number(r.enqueued_at_ms),
    deadAtMs: Number(r.dead_at_ms),
  };
}
