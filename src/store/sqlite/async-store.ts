import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Selectable } from 'kysely';
import type { AsyncEventsTable, Database, DeadLettersTable } from '../schema.js';
import type { AsyncEvent, AsyncStore, DeadLetter, InvocationRecord, ListPage } from '../types.js';
import { page } from './function-store.js';
import { prepareRecordUpsert, putRecord, recordRow } from './invocation-store.js';

/**
 * The durable async queue. A leased event's `next_attempt_at_ms` is its lease
 * expiry, so "due" is one indexed condition — `next_attempt_at_ms <= now` —
 * whether the event waits for its first attempt, a retry, or a worker that died.
 */
/** Due events looked at per claim when some functions may be skipped. */
const SCAN_ROWS = 500;

export class SqliteAsyncStore implements AsyncStore {
  // The hot paths (enqueue, claim, reschedule, complete) use statements prepared once and
  // run as one better-sqlite3 transaction: several times cheaper than Kysely-built ones.
  private readonly enqueueTx: (
    ev: AsyncEvent,
    rec: InvocationRecord,
    token?: { value: string; windowMs: number },
  ) => { requestId: string; duplicate: boolean };
  private readonly claimTx: (
    nowMs: number,
    limit: number,
    leaseUntilMs: number,
    accept?: (functionName: string) => boolean,
  ) => AsyncEventsTable[];
  private readonly rescheduleTx: (ev: AsyncEvent, rec?: InvocationRecord) => void;
  private readonly completeTx: (requestId: string, rec: InvocationRecord) => void;

  constructor(
    private readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
  ) {
    const insertEvent = sqlite.prepare(
      `insert into async_events (request_id, function_name, qualifier, payload, source, status, attempts,
         enqueued_at_ms, next_attempt_at_ms, lease_until_ms, last_error_type, last_error_message, trace_parent)
       values (@request_id, @function_name, @qualifier, @payload, @source, @status, @attempts,
         @enqueued_at_ms, @next_attempt_at_ms, @lease_until_ms, @last_error_type, @last_error_message,
         @trace_parent)`,
    );
    const upsertRecord = prepareRecordUpsert(sqlite);
    const findToken = sqlite.prepare(
      'select request_id, created_at_ms from client_tokens where function_name = ? and token = ?',
    );
    const deleteToken = sqlite.prepare(
      'delete from client_tokens where function_name = ? and token = ?',
    );
    const insertToken = sqlite.prepare(
      'insert into client_tokens (function_name, token, request_id, created_at_ms) values (?, ?, ?, ?)',
    );
    // Due events in due order, light columns only: a claim may look at many events of
    // functions that cannot take more, and reading their payloads cost most of its time.
    const due = sqlite.prepare(
      'select request_id, function_name from async_events where next_attempt_at_ms <= ? order by next_attempt_at_ms limit ?',
    );
    const byId = sqlite.prepare('select * from async_events where request_id = ?');
    const lease = sqlite.prepare(
      "update async_events set status = 'running', lease_until_ms = ?, next_attempt_at_ms = ? where request_id = ?",
    );
    const update = sqlite.prepare(
      `update async_events set status = ?, attempts = ?, next_attempt_at_ms = ?, lease_until_ms = ?,
         last_error_type = ?, last_error_message = ? where request_id = ?`,
    );
    const remove = sqlite.prepare('delete from async_events where request_id = ?');

    this.enqueueTx = sqlite.transaction(
      (ev: AsyncEvent, rec: InvocationRecord, token?: { value: string; windowMs: number }) => {
        if (token) {
          const seen = findToken.get(ev.functionName, token.value) as
            | { request_id: string; created_at_ms: number }
            | undefined;
          if (seen && Number(seen.created_at_ms) > ev.enqueuedAtMs - token.windowMs) {
            return { requestId: seen.request_id, duplicate: true };
          }
          if (seen) deleteToken.run(ev.functionName, token.value);
          insertToken.run(ev.functionName, token.value, ev.requestId, ev.enqueuedAtMs);
        }
        insertEvent.run(eventRow(ev));
        upsertRecord.run(recordRow(rec));
        return { requestId: ev.requestId, duplicate: false };
      },
    );
    this.claimTx = sqlite.transaction(
      (
        nowMs: number,
        limit: number,
        leaseUntilMs: number,
        accept?: (functionName: string) => boolean,
      ) => {
        // Look further than `limit` so one saturated function does not hide the others'
        // events, but stop as soon as `limit` are taken (most claims take the first due row).
        // No statement may run while the iterator is open: the leases come after.
        const ids: string[] = [];
        if (limit <= 0) return [];
        const scan = accept ? Math.max(limit, SCAN_ROWS) : limit;
        type Due = { request_id: string; function_name: string };
        for (const r of due.iterate(nowMs, scan) as IterableIterator<Due>) {
          if (accept && !accept(r.function_name)) continue;
          ids.push(r.request_id);
          if (ids.length >= limit) break;
        }
        const taken = ids.map((id) => byId.get(id) as AsyncEventsTable);
        for (const id of ids) lease.run(leaseUntilMs, leaseUntilMs, id);
        return taken;
      },
    );
    this.rescheduleTx = sqlite.transaction((ev: AsyncEvent, rec?: InvocationRecord) => {
      update.run(
        ev.status,
        ev.attempts,
        ev.nextAttemptAtMs,
        ev.leaseUntilMs,
        ev.lastErrorType,
        ev.lastErrorMessage,
        ev.requestId,
      );
      if (rec) upsertRecord.run(recordRow(rec));
    });
    this.completeTx = sqlite.transaction((requestId: string, rec: InvocationRecord) => {
      remove.run(requestId);
      upsertRecord.run(recordRow(rec));
    });
  }

  /** Runs a raw transaction while holding Kysely's connection, so it never nests inside one of Kysely's. */
  private exclusive<T>(fn: () => T): Promise<T> {
    return this.db.connection().execute(async () => fn());
  }

  enqueue(
    ev: AsyncEvent,
    record: InvocationRecord,
    token?: { value: string; windowMs: number },
  ): Promise<{ requestId: string; duplicate: boolean }> {
    return this.exclusive(() => this.enqueueTx(ev, record, token));
  }

  async claimDue(
    nowMs: number,
    limit: number,
    leaseUntilMs: number,
    accept?: (functionName: string) => boolean,
  ): Promise<AsyncEvent[]> {
    const rows = await this.exclusive(() => this.claimTx(nowMs, limit, leaseUntilMs, accept));
    return rows.map((r) => ({
      ...fromEventRow(r),
      status: 'running' as const,
      leaseUntilMs,
      nextAttemptAtMs: leaseUntilMs,
    }));
  }

  reschedule(ev: AsyncEvent, record?: InvocationRecord): Promise<void> {
    return this.exclusive(() => this.rescheduleTx(ev, record));
  }

  complete(requestId: string, record: InvocationRecord): Promise<void> {
    return this.exclusive(() => this.completeTx(requestId, record));
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
    trace_parent: ev.traceParent ?? null,
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
    ...(r.trace_parent ? { traceParent: r.trace_parent } : {}),
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
