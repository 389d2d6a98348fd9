import type BetterSqlite3 from 'better-sqlite3';
import type { SqsMessagesTable } from '../queue-schema.js';
import type {
  DeleteOutcome,
  NewQueueMessage,
  QueueMessage,
  Receipt,
  ReceiveRequest,
  SendOutcome,
  VisibilityOutcome,
} from '../queue-types.js';

/** Rows looked at per step of a receive (more than asked, as some may move to the DLQ). */
const RECEIVE_PAGE_ROWS = 50;

/** A row as `select *` returns it (the casts below name this shape). */
type MessageRow = Omit<SqsMessagesTable, 'seq'> & { seq: number };

/**
 * The message hot paths of the SQLite queue store: statements prepared once and
 * run as one better-sqlite3 transaction each (send, receive, delete, visibility).
 * The caller runs them while holding Kysely's connection.
 */
export class QueueMessageStatements {
  readonly send: (queue: string, msgs: NewQueueMessage[], windowMs: number) => SendOutcome[] | null;
  readonly receive: (req: ReceiveRequest) => QueueMessage[];
  readonly delete: (queue: string, receipts: Receipt[]) => DeleteOutcome[];
  readonly changeVisibility: (
    queue: string,
    changes: Array<Receipt & { visibleAtMs: number }>,
    nowMs: number,
  ) => VisibilityOutcome[];

  constructor(sqlite: BetterSqlite3.Database) {
    const insert = sqlite.prepare(
      `insert into sqs_messages (queue_name, message_id, body, md5_of_body, message_attributes,
         md5_of_message_attributes, system_attributes, sender_id, sent_at_ms, visible_at_ms,
         expires_at_ms, receive_count, group_id, dedup_id)
       values (@queue_name, @message_id, @body, @md5_of_body, @message_attributes,
         @md5_of_message_attributes, @system_attributes, @sender_id, @sent_at_ms, @visible_at_ms,
         @expires_at_ms, 0, @group_id, @dedup_id)`,
    );
    const queueExists = sqlite.prepare('select 1 from sqs_queues where name = ?');
    const findDedup = sqlite.prepare(
      'select message_id, seq, created_at_ms from sqs_dedup where queue_name = ? and dedup_key = ?',
    );
    const putDedup = sqlite.prepare(
      `insert into sqs_dedup (queue_name, dedup_key, message_id, seq, created_at_ms) values (?, ?, ?, ?, ?)
       on conflict (queue_name, dedup_key) do update set message_id = excluded.message_id,
         seq = excluded.seq, created_at_ms = excluded.created_at_ms`,
    );
    const visiblePage = sqlite.prepare(
      `select * from sqs_messages where queue_name = ? and visible_at_ms <= ? and expires_at_ms > ?
       order by visible_at_ms, seq limit ?`,
    );
    const fifoPage = sqlite.prepare(
      `select * from sqs_messages where queue_name = ? and seq > ? and expires_at_ms > ?
       order by seq limit ?`,
    );
    const busyGroups = sqlite.prepare(
      `select distinct group_id from sqs_messages
       where queue_name = ? and visible_at_ms > ? and receive_count > 0 and expires_at_ms > ?`,
    );
    const deliver = sqlite.prepare(
      `update sqs_messages set visible_at_ms = ?, receive_count = receive_count + 1,
         first_receive_at_ms = coalesce(first_receive_at_ms, ?), receipt_token = ? where seq = ?`,
    );
    const moveToDlq = sqlite.prepare(
      `update sqs_messages set queue_name = ?, visible_at_ms = ?, receipt_token = null,
         expires_at_ms = sent_at_ms + ?, dead_letter_source = ? where seq = ?`,
    );
    const receiptOf = sqlite.prepare(
      'select receipt_token, visible_at_ms, receive_count from sqs_messages where seq = ? and queue_name = ?',
    );
    const remove = sqlite.prepare('delete from sqs_messages where seq = ?');
    const setVisible = sqlite.prepare('update sqs_messages set visible_at_ms = ? where seq = ?');

    this.send = sqlite.transaction((queue: string, msgs: NewQueueMessage[], windowMs: number) => {
      // Checked inside the transaction: a queue deleted meanwhile must not gain orphans.
      if (queueExists.get(queue) === undefined) return null;
      return msgs.map((m) => {
        if (m.dedupKey !== null) {
          const seen = findDedup.get(queue, m.dedupKey) as
            | { message_id: string; seq: number; created_at_ms: number }
            | undefined;
          if (seen && Number(seen.created_at_ms) > m.sentAtMs - windowMs) {
            return { seq: Number(seen.seq), messageId: seen.message_id, duplicate: true };
          }
        }
        const seq = Number(insert.run(messageRow(queue, m)).lastInsertRowid);
        if (m.dedupKey !== null) putDedup.run(queue, m.dedupKey, m.messageId, seq, m.sentAtMs);
        return { seq, messageId: m.messageId, duplicate: false };
      });
    });

    this.receive = sqlite.transaction((req: ReceiveRequest) => {
      const taken: QueueMessage[] = [];
      // One message either moves to the DLQ or is delivered; both leave the page's query.
      const take = (row: MessageRow): void => {
        const r = req.redrive;
        if (r && Number(row.receive_count) >= r.maxReceiveCount) {
          moveToDlq.run(r.deadLetterQueue, req.nowMs, r.retentionMs, req.queueName, row.seq);
          return;
        }
        const token = req.newToken();
        deliver.run(req.visibleUntilMs, req.nowMs, token, row.seq);
        taken.push({
          ...fromMessageRow(row),
          visibleAtMs: req.visibleUntilMs,
          receiveCount: Number(row.receive_count) + 1,
          firstReceiveAtMs: row.first_receive_at_ms ?? req.nowMs,
          receiptToken: token,
        });
      };
      if (!req.fifo) {
        // With a visibility timeout of 0 a delivered message stays visible: never take it twice.
        const seen = new Set<number>();
        for (;;) {
          const limit = RECEIVE_PAGE_ROWS + seen.size;
          const rows = visiblePage.all(req.queueName, req.nowMs, req.nowMs, limit) as MessageRow[];
          for (const row of rows) {
            if (taken.length >= req.maxMessages) return taken;
            if (seen.has(row.seq)) continue;
            seen.add(row.seq);
            take(row);
          }
          if (rows.length < limit || taken.length >= req.maxMessages) {
            return taken;
          }
        }
      }
      // FIFO: a group with a message in flight delivers nothing; otherwise its
      // messages go out in order, stopping at the first one not yet visible.
      const blocked = new Set(
        (busyGroups.all(req.queueName, req.nowMs, req.nowMs) as { group_id: string | null }[]).map(
          (g) => g.group_id,
        ),
      );
      let afterSeq = 0;
      for (;;) {
        const rows = fifoPage.all(
          req.queueName,
          afterSeq,
          req.nowMs,
          RECEIVE_PAGE_ROWS,
        ) as MessageRow[];
        for (const row of rows) {
          if (taken.length >= req.maxMessages) return taken;
          afterSeq = row.seq;
          if (blocked.has(row.group_id)) continue;
          if (Number(row.visible_at_ms) > req.nowMs) blocked.add(row.group_id);
          else take(row);
        }
        if (rows.length < RECEIVE_PAGE_ROWS) return taken;
      }
    });

    this.delete = sqlite.transaction((queue: string, receipts: Receipt[]) =>
      receipts.map((r): DeleteOutcome => {
        const row = receiptOf.get(r.seq, queue) as { receipt_token: string | null } | undefined;
        if (!row) return 'gone';
        if (row.receipt_token !== r.token) return 'stale';
        remove.run(r.seq);
        return 'deleted';
      }),
    );

    this.changeVisibility = sqlite.transaction(
      (queue: string, changes: Array<Receipt & { visibleAtMs: number }>, nowMs: number) =>
        changes.map((c): VisibilityOutcome => {
          const row = receiptOf.get(c.seq, queue) as
            | { receipt_token: string | null; visible_at_ms: number; receive_count: number }
            | undefined;
          if (!row || row.receipt_token !== c.token) return 'gone';
          if (Number(row.visible_at_ms) <= nowMs) return 'not-in-flight';
          setVisible.run(c.visibleAtMs, c.seq);
          return 'changed';
        }),
    );
  }
}

function messageRow(queue: string, m: NewQueueMessage): Record<string, unknown> {
  return {
    queue_name: queue,
    message_id: m.messageId,
    body: m.body,
    md5_of_body: m.md5OfBody,
    message_attributes: m.messageAttributes,
    md5_of_message_attributes: m.md5OfMessageAttributes,
    system_attributes: m.systemAttributes,
    sender_id: m.senderId,
    sent_at_ms: m.sentAtMs,
    visible_at_ms: m.visibleAtMs,
    expires_at_ms: m.expiresAtMs,
    group_id: m.groupId,
    dedup_id: m.dedupId,
  };
}

function fromMessageRow(r: MessageRow): QueueMessage {
  return {
    seq: Number(r.seq),
    messageId: r.message_id,
    body: r.body,
    md5OfBody: r.md5_of_body,
    messageAttributes: r.message_attributes,
    md5OfMessageAttributes: r.md5_of_message_attributes,
    systemAttributes: r.system_attributes,
    senderId: r.sender_id,
    sentAtMs: Number(r.sent_at_ms),
    visibleAtMs: Number(r.visible_at_ms),
    expiresAtMs: Number(r.expires_at_ms),
    receiveCount: Number(r.receive_count),
    firstReceiveAtMs: r.first_receive_at_ms === null ? null : Number(r.first_receive_at_ms),
    receiptToken: r.receipt_token,
    groupId: r.group_id,
    dedupId: r.dedup_id,
    deadLetterSource: r.dead_letter_source,
  };
}
