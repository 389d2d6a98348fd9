import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SqsError } from '../../src/queues/index.js';
import { attributes, type Engine, startEngine } from './engine-harness.js';

const sqsCode = (code: string) => (e: unknown) => e instanceof SqsError && e.code === code;

describe('sqs engine: visibility, delay, retention', () => {
  let e: Engine;
  beforeEach(async () => {
    e = await startEngine();
  });
  afterEach(async () => {
    await e.close();
  });

  test('a received message is hidden for the visibility timeout, then comes back with a new handle', async () => {
    await e.sqs.registry.create('vis', { VisibilityTimeout: '30' }, {});
    await e.sqs.send('vis', 'hello');
    const [first] = await e.sqs.receive('vis', { maxMessages: 1 });
    assert.equal(first?.body, 'hello');
    assert.equal(first?.attributes.ApproximateReceiveCount, '1');
    assert.deepEqual(await e.sqs.receive('vis', { maxMessages: 1 }), []);
    assert.equal((await attributes(e, 'vis')).ApproximateNumberOfMessagesNotVisible, '1');

    e.advance(31_000);
    const [again] = await e.sqs.receive('vis', { maxMessages: 1 });
    assert.equal(again?.messageId, first?.messageId);
    assert.equal(again?.attributes.ApproximateReceiveCount, '2');
    assert.equal(
      again?.attributes.ApproximateFirstReceiveTimestamp,
      first?.attributes.ApproximateFirstReceiveTimestamp,
    );
    assert.notEqual(again?.receiptHandle, first?.receiptHandle);

    // The stale handle is accepted (as SQS does) but leaves the re-received message alone.
    await e.sqs.deleteMessages('vis', [first!.receiptHandle]);
    e.advance(31_000);
    const [third] = await e.sqs.receive('vis', { maxMessages: 1, visibilityTimeoutS: 5 });
    assert.equal(third?.messageId, first?.messageId);
    await e.sqs.deleteMessages('vis', [third!.receiptHandle]);
    e.advance(60_000);
    assert.deepEqual(await e.sqs.receive('vis', { maxMessages: 1 }), []);
  });

  test('visibility can be changed: 0 releases at once, a message not in flight refuses', async () => {
    await e.sqs.registry.create('chg', {}, {});
    await e.sqs.send('chg', 'x');
    const [m] = await e.sqs.receive('chg', { maxMessages: 1 });
    await e.sqs.changeVisibility('chg', m!.receiptHandle, 0);
    const [back] = await e.sqs.receive('chg', { maxMessages: 1, visibilityTimeoutS: 10 });
    assert.equal(back?.messageId, m?.messageId);
    await e.sqs.changeVisibility('chg', back!.receiptHandle, 100);
    e.advance(50_000);
    assert.deepEqual(await e.sqs.receive('chg', { maxMessages: 1 }), []);
    e.advance(51_000);
    await assert.rejects(
      e.sqs.changeVisibility('chg', back!.receiptHandle, 10),
      sqsCode('MessageNotInflight'),
    );
    await assert.rejects(
      e.sqs.changeVisibility('chg', m!.receiptHandle, 10),
      sqsCode('InvalidParameterValue'),
    );
    await assert.rejects(
      e.sqs.changeVisibility('chg', 'junk', 10),
      sqsCode('ReceiptHandleIsInvalid'),
    );
  });

  test('delayed messages (queue default or per message) stay hidden until their delay ends', async () => {
    await e.sqs.registry.create('delay', { DelaySeconds: '20' }, {});
    await e.sqs.send('delay', 'queue-delay');
    await e.sqs.send('delay', 'own-delay', { delaySeconds: 5 });
    await e.sqs.send('delay', 'no-delay', { delaySeconds: 0 });
    assert.equal((await attributes(e, 'delay')).ApproximateNumberOfMessagesDelayed, '2');
    const now = await e.sqs.receive('delay', { maxMessages: 10 });
    assert.deepEqual(
      now.map((m) => m.body),
      ['no-delay'],
    );
    e.advance(6_000);
    assert.deepEqual(
      (await e.sqs.receive('delay', { maxMessages: 10 })).map((m) => m.body),
      ['own-delay'],
    );
    e.advance(15_000);
    assert.deepEqual(
      (await e.sqs.receive('delay', { maxMessages: 10 })).map((m) => m.body),
      ['queue-delay'],
    );
  });

  test('messages past the retention period are dropped, and a shorter retention applies to stored ones', async () => {
    await e.sqs.registry.create('ret', { MessageRetentionPeriod: '120' }, {});
    await e.sqs.send('ret', 'old');
    e.advance(61_000);
    await e.sqs.send('ret', 'young');
    await e.sqs.registry.setAttributes('ret', { MessageRetentionPeriod: '60' });
    const got = await e.sqs.receive('ret', { maxMessages: 10 });
    assert.deepEqual(
      got.map((m) => m.body),
      ['young'],
    );
    e.advance(61_000);
    assert.equal((await attributes(e, 'ret')).ApproximateNumberOfMessagesNotVisible, '0');
    assert.equal(await e.store.queues.dropExpired(Date.now() + 200_000, 300_000), 2);
  });
});

describe('sqs engine: redrive, long polling, batches', () => {
  let e: Engine;
  beforeEach(async () => {
    e = await startEngine();
  });
  afterEach(async () => {
    await e.close();
  });

  test('a message received maxReceiveCount times moves to the DLQ instead of being delivered', async () => {
    await e.sqs.registry.create('dlq', {}, {});
    const dlqArn = e.sqs.registry.arn('dlq');
    const policy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '2' });
    await e.sqs.registry.create('src', { RedrivePolicy: policy }, {});
    assert.deepEqual(await e.sqs.registry.deadLetterSources('dlq'), ['src']);
    const { messageId } = await e.sqs.send('src', 'poison');
    for (const n of ['1', '2']) {
      const [m] = await e.sqs.receive('src', { maxMessages: 1, visibilityTimeoutS: 0 });
      assert.equal(m?.attributes.ApproximateReceiveCount, n);
    }
    assert.deepEqual(await e.sqs.receive('src', { maxMessages: 1 }), []);
    assert.equal((await attributes(e, 'src')).ApproximateNumberOfMessages, '0');
    const [dead] = await e.sqs.receive('dlq', { maxMessages: 1 });
    assert.equal(dead?.messageId, messageId);
    assert.equal(dead?.body, 'poison');
    assert.equal(dead?.attributes.DeadLetterQueueSourceArn, e.sqs.registry.arn('src'));
  });

  test('a redrive policy must name an existing queue of the same type', async () => {
    const policy = (arn: string) =>
      JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 3 });
    await assert.rejects(
      e.sqs.registry.create('a', { RedrivePolicy: policy(e.sqs.registry.arn('missing')) }, {}),
      (err) => err instanceof SqsError && /does not exist/.test(err.message),
    );
    await assert.rejects(
      e.sqs.registry.create('b', { RedrivePolicy: '{"maxReceiveCount":1}' }, {}),
      sqsCode('InvalidParameterValue'),
    );
  });

  test('a long poll returns as soon as a message is sent, not at the end of its wait', async () => {
    await e.sqs.registry.create('lp', {}, {});
    const started = performance.now();
    const polling = e.sqs.receive('lp', { maxMessages: 1, waitTimeMs: 10_000 });
    setTimeout(() => void e.sqs.send('lp', 'wake'), 150);
    const [m] = await polling;
    const tookMs = performance.now() - started;
    assert.equal(m?.body, 'wake');
    assert.ok(tookMs < 3_000, `long poll took ${tookMs} ms`);
  });

  test('a long poll wakes when a delayed message becomes visible, and ends on abort or close', async () => {
    await e.sqs.registry.create('lp2', {}, {});
    await e.sqs.send('lp2', 'later', { delaySeconds: 1 });
    const [m] = await e.sqs.receive('lp2', { maxMessages: 1, waitTimeMs: 10_000 });
    assert.equal(m?.body, 'later');

    const ac = new AbortController();
    const started = performance.now();
    setTimeout(() => ac.abort(), 100);
    assert.deepEqual(
      await e.sqs.receive('lp2', { maxMessages: 1, waitTimeMs: 10_000, signal: ac.signal }),
      [],
    );
    const polling = e.sqs.receive('lp2', { maxMessages: 1, waitTimeMs: 10_000 });
    setTimeout(() => e.sqs.close(), 100);
    assert.deepEqual(await polling, []);
    assert.ok(performance.now() - started < 3_000);
  });

  test('a long poll with nothing to receive waits its full time and answers empty', async () => {
    await e.sqs.registry.create('lp3', { ReceiveMessageWaitTimeSeconds: '1' }, {});
    const started = performance.now();
    assert.deepEqual(
      await e.sqs.messages.receive('lp3', { maxMessages: 1 }).then((r) => r.messages),
      [],
    );
    assert.ok(performance.now() - started >= 950);
  });

  test('a batch stores its valid entries in one go and reports the invalid ones', async () => {
    await e.sqs.registry.create('batch', {}, {});
    const results = await e.sqs.messages.send(
      'batch',
      [{ body: 'ok-1' }, { body: 'bad', delaySeconds: 901 }, { body: '' }, { body: 'ok-2' }],
      'me',
    );
    assert.equal(results.filter((r) => r instanceof SqsError).length, 2);
    const got = await e.sqs.receive('batch', { maxMessages: 10 });
    assert.deepEqual(got.map((m) => m.body).sort(), ['ok-1', 'ok-2']);
    assert.equal(got[0]?.attributes.SenderId, 'me');
  });

  test('a message over the size limit (body plus attributes) is refused', async () => {
    await e.sqs.registry.create('size', { MaximumMessageSize: '1024' }, {});
    await e.sqs.send('size', 'x'.repeat(1024));
    await assert.rejects(
      e.sqs.send('size', 'x'.repeat(1000), {
        messageAttributes: { big: { dataType: 'String', stringValue: 'y'.repeat(30) } },
      }),
      (err) => err instanceof SqsError && /shorter than 1024 bytes/.test(err.message),
    );
  });

  test('purge empties the queue once a minute; create is idempotent only for equal attributes', async () => {
    await e.sqs.registry.create('p', { VisibilityTimeout: '10' }, { team: 'a' });
    await e.sqs.registry.create('p', { VisibilityTimeout: '10' }, {});
    await e.sqs.registry.create('p', {}, {});
    await assert.rejects(
      e.sqs.registry.create('p', { VisibilityTimeout: '11' }, {}),
      sqsCode('QueueNameExists'),
    );
    await e.sqs.send('p', 'a');
    await e.sqs.registry.purge('p');
    assert.deepEqual(await e.sqs.receive('p', { maxMessages: 1 }), []);
    await assert.rejects(e.sqs.registry.purge('p'), sqsCode('PurgeQueueInProgress'));
    e.advance(61_000);
    await e.sqs.registry.purge('p');
    await e.sqs.registry.delete('p');
    await assert.rejects(e.sqs.send('p', 'a'), sqsCode('QueueDoesNotExist'));
    assert.equal(await e.sqs.byArn(e.sqs.registry.arn('p')), null);
  });
});
