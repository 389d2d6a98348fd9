import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type NewQueueMessage, openSqliteStore, type Store } from '../../src/store/index.js';

const NOW_MS = 1_700_000_000_000;

function message(id: string, o: Partial<NewQueueMessage> = {}): NewQueueMessage {
  return {
    messageId: id,
    body: id,
    md5OfBody: 'md5',
    messageAttributes: null,
    md5OfMessageAttributes: null,
    systemAttributes: null,
    senderId: 'me',
    sentAtMs: NOW_MS,
    visibleAtMs: NOW_MS,
    expiresAtMs: NOW_MS + 60_000,
    groupId: null,
    dedupId: null,
    dedupKey: null,
    ...o,
  };
}

describe('queue store (SQLite): the contract the SQS service builds on', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-queue-store-'));
    store = await openSqliteStore(path.join(dir, 'nimbus.db'));
    const base = {
      fifo: false,
      attributes: {},
      tags: {},
      createdAtMs: NOW_MS,
      lastModifiedMs: NOW_MS,
      purgedAtMs: null,
    };
    await store.queues.createQueue({ name: 'q', ...base });
    await store.queues.createQueue({ name: 'q_x', ...base });
    await store.queues.createQueue({ name: 'qax', ...base });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('creating an existing queue returns the stored one; prefixes are literal, `_` included', async () => {
    const again = await store.queues.createQueue({
      name: 'q',
      fifo: true,
      attributes: { VisibilityTimeout: '1' },
      tags: {},
      createdAtMs: 0,
      lastModifiedMs: 0,
      purgedAtMs: null,
    });
    assert.equal(again.created, false);
    assert.equal(again.queue.fifo, false);
    assert.deepEqual(
      (await store.queues.listQueues('q_')).map((q) => q.name),
      ['q_x'],
    );
  });

  test('a send to a missing queue stores nothing', async () => {
    assert.equal(await store.queues.send('missing', [message('m0')], 1), null);
  });

  test('receipts: the current one deletes, a replaced one is stale, a deleted message is gone', async () => {
    await store.queues.send('q', [message('m1')], 1);
    const tokens = ['a'.repeat(32), 'b'.repeat(32)];
    const receive = (nowMs: number) =>
      store.queues.receive({
        queueName: 'q',
        nowMs,
        maxMessages: 10,
        visibleUntilMs: nowMs + 1_000,
        fifo: false,
        newToken: () => tokens.shift()!, // Two receives, two tokens.
        redrive: null,
      });
    const [first] = await receive(NOW_MS);
    assert.equal(first?.receiveCount, 1);
    assert.deepEqual(
      await store.queues.changeVisibility(
        'q',
        [{ seq: first!.seq, token: 'a'.repeat(32), visibleAtMs: NOW_MS + 500 }],
        NOW_MS,
      ),
      ['changed'],
    );
    const [second] = await receive(NOW_MS + 501);
    assert.equal(second?.receiveCount, 2);
    assert.deepEqual(
      await store.queues.deleteMessages('q', [
        { seq: first!.seq, token: 'a'.repeat(32) },
        { seq: first!.seq, token: 'b'.repeat(32) },
        { seq: first!.seq, token: 'b'.repeat(32) },
      ]),
      ['stale', 'deleted', 'gone'],
    );
  });

  test('counts split visible, in-flight and delayed messages; expired ones count nowhere', async () => {
    await store.queues.send(
      'qax',
      [
        message('visible'),
        message('delayed', { visibleAtMs: NOW_MS + 5_000 }),
        message('expired', { expiresAtMs: NOW_MS - 1 }),
      ],
      1,
    );
    assert.deepEqual(await store.queues.counts('qax', NOW_MS), {
      visible: 1,
      inFlight: 0,
      delayed: 1,
    });
    assert.equal(await store.queues.nextVisibleAtMs('qax', NOW_MS), NOW_MS + 5_000);
    assert.equal(await store.queues.dropExpired(NOW_MS, 1), 1);
  });
});
