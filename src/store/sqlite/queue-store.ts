import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { SqsQueuesTable } from '../queue-schema.js';
import type {
  DeleteOutcome,
  NewQueueMessage,
  QueueCounts,
  QueueMessage,
  QueueRecord,
  QueueStore,
  Receipt,
  ReceiveRequest,
  SendOutcome,
  VisibilityOutcome,
} from '../queue-types.js';
import type { Database } from '../schema.js';
import { QueueMessageStatements } from './queue-message-statements.js';

/**
 * `QueueStore` on SQLite. Queue metadata goes through Kysely; the message hot
 * paths are prepared statements in one transaction each (queue-message-statements.ts).
 */
export class SqliteQueueStore implements QueueStore {
  private readonly messages: QueueMessageStatements;
  // Every send and receive looks its queue up first: prepared once, like the message paths.
  private readonly selectQueue: BetterSqlite3.Statement<[string]>;

  /** `sqlite` must be the connection under `db`, with the schema migrated. */
  constructor(
    private readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
  ) {
    this.messages = new QueueMessageStatements(sqlite);
    this.selectQueue = sqlite.prepare('select * from sqs_queues where name = ?');
  }

  /** Runs a raw transaction while holding Kysely's connection, so it never nests inside one of Kysely's. */
  private exclusive<T>(fn: () => T): Promise<T> {
    return this.db.connection().execute(async () => fn());
  }

  async createQueue(rec: QueueRecord): Promise<{ queue: QueueRecord; created: boolean }> {
    const r = await this.db
      .insertInto('sqs_queues')
      .values(queueRow(rec))
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) return { queue: rec, created: true };
    const existing = await this.getQueue(rec.name);
    // Deleted between the insert and the read: the caller's record is as good an answer.
    return { queue: existing ?? rec, created: existing === undefined };
  }

  async getQueue(name: string): Promise<QueueRecord | undefined> {
    const row = await this.exclusive(
      () => this.selectQueue.get(name) as Selectable<SqsQueuesTable> | undefined,
    );
    return row ? fromQueueRow(row) : undefined;
  }

  async listQueues(prefix?: string): Promise<QueueRecord[]> {
    let q = this.db.selectFrom('sqs_queues').selectAll().orderBy('name');
    // substr, not LIKE: queue names may hold `_`, a LIKE wildcard.
    if (prefix) q = q.where(sql<string>`substr(name, 1, ${prefix.length})`, '=', prefix);
    return (await q.execute()).map(fromQueueRow);
  }

  async updateQueue(
    name: string,
    patch: {
      attributes?: Record<string, string>;
      tags?: Record<string, string>;
      lastModifiedMs?: number;
      retentionMs?: number;
    },
  ): Promise<QueueRecord | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const set: Updateable<SqsQueuesTable> = {};
      if (patch.attributes) set.attributes = JSON.stringify(patch.attributes);
      if (patch.tags) set.tags = JSON.stringify(patch.tags);
      if (patch.lastModifiedMs !== undefined) set.last_modified_ms = patch.lastModifiedMs;
      if (Object.keys(set).length > 0) {
        await tx.updateTable('sqs_queues').set(set).where('name', '=', name).execute();
      }
      if (patch.retentionMs !== undefined) {
        await tx
          .updateTable('sqs_messages')
          .set({ expires_at_ms: sql<number>`sent_at_ms + ${patch.retentionMs}` })
          .where('queue_name', '=', name)
          .execute();
      }
      const row = await tx
        .selectFrom('sqs_queues')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? fromQueueRow(row) : undefined;
    });
  }

  async deleteQueue(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx.deleteFrom('sqs_queues').where('name', '=', name).executeTakeFirst();
      await tx.deleteFrom('sqs_messages').where('queue_name', '=', name).execute();
      await tx.deleteFrom('sqs_dedup').where('queue_name', '=', name).execute();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async purge(name: string, nowMs: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('sqs_queues')
        .set({ purged_at_ms: nowMs })
        .where('name', '=', name)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await tx.deleteFrom('sqs_messages').where('queue_name', '=', name).execute();
      return true;
    });
  }

  send(
    queueName: string,
    msgs: NewQueueMessage[],
    dedupWindowMs: number,
  ): Promise<SendOutcome[] | null> {
    return this.exclusive(() => this.messages.send(queueName, msgs, dedupWindowMs));
  }

  receive(req: ReceiveRequest): Promise<QueueMessage[]> {
    return this.exclusive(() => this.messages.receive(req));
  }

  deleteMessages(queueName: string, receipts: Receipt[]): Promise<DeleteOutcome[]> {
    return this.exclusive(() => this.messages.delete(queueName, receipts));
  }

  changeVisibility(
    queueName: string,
    changes: Array<Receipt & { visibleAtMs: number }>,
    nowMs: number,
  ): Promise<VisibilityOutcome[]> {
    return this.exclusive(() => this.messages.changeVisibility(queueName, changes, nowMs));
  }

  async counts(queueName: string, nowMs: number): Promise<QueueCounts> {
    const row = await this.db
      .selectFrom('sqs_messages')
      .select([
        sql<number>`coalesce(sum(case when visible_at_ms <= ${nowMs} then 1 else 0 end), 0)`.as(
          'visible',
        ),
        sql<number>`coalesce(sum(case when visible_at_ms > ${nowMs} and receive_count > 0 then 1 else 0 end), 0)`.as(
          'in_flight',
        ),
        sql<number>`coalesce(sum(case when visible_at_ms > ${nowMs} and receive_count = 0 then 1 else 0 end), 0)`.as(
          'delayed',
        ),
      ])
      .where('queue_name', '=', queueName)
      .where('expires_at_ms', '>', nowMs)
      .executeTakeFirstOrThrow();
    return {
      visible: Number(row.visible),
      inFlight: Number(row.in_flight),
      delayed: Number(row.delayed),
    };
  }

  async nextVisibleAtMs(queueName: string, nowMs: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('sqs_messages')
      .select('visible_at_ms')
      .where('queue_name', '=', queueName)
      .where('visible_at_ms', '>', nowMs)
      .orderBy('visible_at_ms')
      .limit(1)
      .executeTakeFirst();
    return row ? Number(row.visible_at_ms) : null;
  }

  async dropExpired(nowMs: number, dedupWindowMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('sqs_messages')
      .where('expires_at_ms', '<=', nowMs)
      .executeTakeFirst();
    await this.db
      .deleteFrom('sqs_dedup')
      .where('created_at_ms', '<=', nowMs - dedupWindowMs)
      .execute();
    return Number(r.numDeletedRows);
  }
}

function queueRow(rec: QueueRecord): SqsQueuesTable {
  return {
    name: rec.name,
    fifo: rec.fifo ? 1 : 0,
    attributes: JSON.stringify(rec.attributes),
    tags: JSON.stringify(rec.tags),
    created_at_ms: rec.createdAtMs,
    last_modified_ms: rec.lastModifiedMs,
    purged_at_ms: rec.purgedAtMs,
  };
}

function fromQueueRow(r: Selectable<SqsQueuesTable>): QueueRecord {
  return {
    name: r.name,
    fifo: Number(r.fifo) === 1,
    // Written only by queueRow() from string maps.
    attributes: JSON.parse(r.attributes) as Record<string, string>,
    tags: JSON.parse(r.tags) as Record<string, string>,
    createdAtMs: Number(r.created_at_ms),
    lastModifiedMs: Number(r.last_modified_ms),
    purgedAtMs: r.purged_at_ms === null ? null : Number(r.purged_at_ms),
  };
}
