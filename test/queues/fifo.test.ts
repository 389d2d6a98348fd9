import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SqsError } from '../../src/queues/index.js';
import { type Engine, startEngine } from './engine-harness.js';

const sqsCode = (code: string) => (e: unknown) => e instanceof SqsError && e.code === code;
const FIFO = { FifoQueue: 'true' };

describe('sqs engine: FIFO queues', () => {
  let e: Engine;
  beforeEach(async () => {
    e = await startEngine();
  });
  afterEach(async () => {
    await e.close();
  });

  test('a FIFO queue needs the .fifo suffix and FifoQueue=true together', async () => {
    await assert.rejects(e.sqs.registry.create('a.fifo', {}, {}), sqsCode('InvalidParameterValue'));
    await assert.rejects(e.sqs.registry.create('a', FIFO, {}), sqsCode('InvalidParameterValue'));
    await assert.rejects(
      e.sqs.registry.create('std', { ContentBasedDeduplication: 'true' }, {}),
      sqsCode('InvalidAttributeName'),
    );
    const q = await e.sqs.registry.create('a.fifo', FIFO, {});
    assert.equal(q.fifo, true);
    assert.equal((await e.sqs.byArn(e.sqs.registry.arn('a.fifo')))?.fifo, true);
  });

  test('sends need a group id, and a dedup id unless content-based deduplication is on', async () => {
    await e.sqs.registry.create('s.fifo', FIFO, {});
    await assert.rejects(e.sqs.send('s.fifo', 'x', { dedupId: 'd' }), sqsCode('MissingParameter'));
    await assert.rejects(
      e.sqs.send('s.fifo', 'x', { groupId: 'g' }),
      sqsCode('InvalidParameterValue'),
    );
    await assert.rejects(
      e.sqs.send('s.fifo', 'x', { groupId: 'g', dedupId: 'd', delaySeconds: 5 }),
      sqsCode('InvalidParameterValue'),
    );
    await e.sqs.registry.create('std', {}, {});
    await assert.rejects(
      e.sqs.send('std', 'x', { dedupId: 'd' }),
      sqsCode('InvalidParameterValue'),
    );
  });

  test('a group delivers in order, one in-flight batch at a time, while other groups go on', async () => {
    await e.sqs.registry.create('o.fifo', { ...FIFO, ContentBasedDeduplication: 'true' }, {});
    for (const [g, body] of [
      ['g1', 'a'],
      ['g1', 'b'],
      ['g2', 'x'],
      ['g1', 'c'],
    ] as const) {
      await e.sqs.send('o.fifo', body, { groupId: g });
    }
    const first = await e.sqs.receive('o.fifo', { maxMessages: 2 });
    assert.deepEqual(
      first.map((m) => m.body),
      ['a', 'b'],
    );
    const second = await e.sqs.receive('o.fifo', { maxMessages: 10 });
    assert.deepEqual(
      second.map((m) => m.body),
      ['x'],
    );
    assert.deepEqual(await e.sqs.receive('o.fifo', { maxMessages: 10 }), []);
    await e.sqs.deleteMessages(
      'o.fifo',
      first.map((m) => m.receiptHandle),
    );
    const third = await e.sqs.receive('o.fifo', { maxMessages: 10 });
    assert.deepEqual(
      third.map((m) => m.body),
      ['c'],
    );
    assert.equal(third[0]?.attributes.MessageGroupId, 'g1');
    const seqs = [...first, ...second, ...third].map((m) => m.attributes.SequenceNumber ?? '');
    assert.ok(seqs.every((s) => /^\d{20}$/.test(s)));
    assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]! && seqs[2]! < seqs[3]!);
  });

  test('an unacknowledged group head comes back first after its visibility timeout', async () => {
    await e.sqs.registry.create('r.fifo', { ...FIFO, VisibilityTimeout: '10' }, {});
    await e.sqs.send('r.fifo', 'one', { groupId: 'g', dedupId: '1' });
    await e.sqs.send('r.fifo', 'two', { groupId: 'g', dedupId: '2' });
    const [head] = await e.sqs.receive('r.fifo', { maxMessages: 1 });
    assert.equal(head?.body, 'one');
    assert.deepEqual(await e.sqs.receive('r.fifo', { maxMessages: 1 }), []);
    e.advance(11_000);
    const again = await e.sqs.receive('r.fifo', { maxMessages: 2 });
    assert.deepEqual(
      again.map((m) => m.body),
      ['one', 'two'],
    );
  });

  test('duplicates within five minutes are accepted but stored once', async () => {
    await e.sqs.registry.create('d.fifo', { ...FIFO, ContentBasedDeduplication: 'true' }, {});
    const a = await e.sqs.send('d.fifo', 'same', { groupId: 'g' });
    const b = await e.sqs.send('d.fifo', 'same', { groupId: 'g' });
    const c = await e.sqs.send('d.fifo', 'other', { groupId: 'g', dedupId: 'explicit' });
    const d = await e.sqs.send('d.fifo', 'other again', { groupId: 'g', dedupId: 'explicit' });
    assert.equal(a.messageId, b.messageId);
    assert.equal(c.messageId, d.messageId);
    const got = await e.sqs.receive('d.fifo', { maxMessages: 10 });
    assert.deepEqual(
      got.map((m) => m.body),
      ['same', 'other'],
    );
    await e.sqs.deleteMessages(
      'd.fifo',
      got.map((m) => m.receiptHandle),
    );
    e.advance(5 * 60_000 + 1_000);
    const later = await e.sqs.send('d.fifo', 'same', { groupId: 'g' });
    assert.notEqual(later.messageId, a.messageId);
  });

  test('with DeduplicationScope messageGroup the same id may be used in two groups', async () => {
    await e.sqs.registry.create('scope.fifo', { ...FIFO, DeduplicationScope: 'messageGroup' }, {});
    const a = await e.sqs.send('scope.fifo', 'x', { groupId: 'g1', dedupId: 'same' });
    const b = await e.sqs.send('scope.fifo', 'x', { groupId: 'g2', dedupId: 'same' });
    assert.notEqual(a.messageId, b.messageId);
  });

  test('a FIFO queue redrives to a FIFO DLQ only', async () => {
    await e.sqs.registry.create('std-dlq', {}, {});
    await e.sqs.registry.create('dlq.fifo', FIFO, {});
    const policy = (n: string) =>
      JSON.stringify({ deadLetterTargetArn: e.sqs.registry.arn(n), maxReceiveCount: 1 });
    await assert.rejects(
      e.sqs.registry.create('src.fifo', { ...FIFO, RedrivePolicy: policy('std-dlq') }, {}),
      (err) => err instanceof SqsError && /same type/.test(err.message),
    );
    await e.sqs.registry.create('src.fifo', { ...FIFO, RedrivePolicy: policy('dlq.fifo') }, {});
    await e.sqs.send('src.fifo', 'p', { groupId: 'g', dedupId: '1' });
    await e.sqs.receive('src.fifo', { maxMessages: 1, visibilityTimeoutS: 0 });
    assert.deepEqual(await e.sqs.receive('src.fifo', { maxMessages: 1 }), []);
    const [dead] = await e.sqs.receive('dlq.fifo', { maxMessages: 1 });
    assert.equal(dead?.body, 'p');
    assert.equal(dead?.attributes.MessageGroupId, 'g');
  });
});
