import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { QueueService } from '../../src/queues/index.js';
import { systemClock } from '../../src/shared/clock.js';
import { randomIds } from '../../src/shared/ids.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  type BatchOutcome,
  EventSourceMappings,
  failedItems,
  type PolledMessage,
} from '../../src/triggers/queue/index.js';

// Event source mappings over the real queue service on a real SQLite file; the function
// is a script, so each test says exactly what the "function" answered.

const ARN = { region: 'us-east-1', accountId: '000000000000' };
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

type Script = (records: { messageId: string; body: string }[]) => BatchOutcome;

describe('event source mappings: batches, partial failures, retries', () => {
  let dir: string;
  let store: Store;
  let queues: QueueService;
  let script: Script = () => ({ payload: Buffer.from('null') });
  const batches: string[][] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-poller-'));
    store = await openStore(dir);
    queues = new QueueService({
      store,
      clock: systemClock,
      ids: randomIds,
      arn: ARN,
      maxMessageBytes: 256 * 1024,
    });
  });
  after(async () => {
    queues.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function mappings(): EventSourceMappings {
    return new EventSourceMappings({
      store: store.eventSourceMappings,
      clock: systemClock,
      ids: randomIds,
      queues,
      region: 'us-east-1',
      invoke: async (_fn, _q, payload) => {
        const event = JSON.parse(payload.toString()) as {
          Records: { messageId: string; body: string; eventSource: string }[];
        };
        assert.ok(event.Records.every((r) => r.eventSource === 'aws:sqs'));
        batches.push(event.Records.map((r) => r.body));
        return script(event.Records);
      },
      onResult: () => undefined,
      log: () => undefined,
      functionTimeoutS: async () => 1,
    });
  }

  async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting until ${what}`);
  }

  async function remaining(name: string): Promise<number> {
    const attrs = await queues.registry.attributes(name, ['All']);
    return (
      Number(attrs.ApproximateNumberOfMessages) +
      Number(attrs.ApproximateNumberOfMessagesNotVisible)
    );
  }

  test('failedItems reads batchItemFailures as Lambda does', () => {
    const batch = [{ messageId: 'a' }, { messageId: 'b' }] as PolledMessage[];
    const read = (text: string) => {
      const r = failedItems(Buffer.from(text), batch);
      return r === null ? null : [...r].sort();
    };
    assert.deepEqual(read(''), []);
    assert.deepEqual(read('null'), []);
    assert.deepEqual(read('{}'), []);
    assert.deepEqual(read('{"batchItemFailures":null}'), []);
    assert.deepEqual(read('{"batchItemFailures":[]}'), []);
    assert.deepEqual(read('{"batchItemFailures":[{"itemIdentifier":"b"}]}'), ['b']);
    assert.equal(read('not json'), null, 'invalid JSON fails the whole batch');
    assert.equal(read('{"batchItemFailures":[{"itemIdentifier":""}]}'), null);
    assert.equal(read('{"batchItemFailures":[{"itemIdentifier":"zz"}]}'), null, 'unknown id');
    assert.equal(read('{"batchItemFailures":[{"id":"a"}]}'), null, 'wrong key name');
    assert.equal(read('"done"'), null);
  });

  test('partial failure: only the reported items come back, then succeed', async () => {
    await queues.registry.create('partial', { VisibilityTimeout: '1' }, {});
    const m = mappings();
    let failedOnce = false;
    script = (records) => {
      const bad = records.filter((r) => r.body === 'b' && !failedOnce);
      if (bad.length) failedOnce = true;
      return {
        payload: Buffer.from(
          JSON.stringify({ batchItemFailures: bad.map((r) => ({ itemIdentifier: r.messageId })) }),
        ),
      };
    };
    batches.length = 0;
    for (const body of ['a', 'b', 'c']) await queues.send('partial', body);
    await m.create({
      functionName: 'fn',
      eventSourceArn: queueArn('partial'),
      functionResponseTypes: ['ReportBatchItemFailures'],
      maximumConcurrency: 2,
    });
    await until('the queue is empty', async () => (await remaining('partial')) === 0);
    await m.close();
    const seen = batches.flat();
    assert.deepEqual(seen.filter((b) => b === 'b').length, 2, 'b was delivered twice');
    assert.deepEqual(seen.filter((b) => b !== 'b').sort(), ['a', 'c'], 'a and c once each');
  });

  test('without ReportBatchItemFailures the response is ignored: the batch is deleted', async () => {
    await queues.registry.create('plain', { VisibilityTimeout: '1' }, {});
    const m = mappings();
    script = (records) => ({
      payload: Buffer.from(
        JSON.stringify({ batchItemFailures: [{ itemIdentifier: records[0]?.messageId }] }),
      ),
    });
    batches.length = 0;
    await queues.send('plain', 'x');
    await m.create({ functionName: 'fn', eventSourceArn: queueArn('plain') });
    await until('the queue is empty', async () => (await remaining('plain')) === 0);
    await m.close();
    assert.deepEqual(batches, [['x']]);
  });

  test('a function error retries the whole batch; poison messages end in the DLQ', async () => {
    await queues.registry.create('poison-dlq', {}, {});
    await queues.registry.create(
      'poison',
      {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: queueArn('poison-dlq'),
          maxReceiveCount: 2,
        }),
      },
      {},
    );
    const m = mappings();
    script = () => ({ payload: Buffer.alloc(0), error: { type: 'Error', message: 'boom' } });
    batches.length = 0;
    await queues.send('poison', 'p1');
    await queues.send('poison', 'p2');
    const created = await m.create({ functionName: 'fn', eventSourceArn: queueArn('poison') });
    await until('both messages are in the DLQ', async () => (await remaining('poison-dlq')) === 2);
    await m.close();
    assert.equal(await remaining('poison'), 0);
    const deliveries = batches.flat().sort();
    assert.deepEqual(deliveries, ['p1', 'p1', 'p2', 'p2'], 'each delivered maxReceiveCount times');
    const stored = await store.eventSourceMappings.get(created.uuid);
    assert.ok(stored, 'the mapping is stored');
  });

  test('a batching window gathers messages sent apart into one batch', async () => {
    await queues.registry.create('window', { VisibilityTimeout: '30' }, {});
    const m = mappings();
    script = () => ({ payload: Buffer.from('null') });
    batches.length = 0;
    await m.create({
      functionName: 'fn',
      eventSourceArn: queueArn('window'),
      batchSize: 50,
      maximumBatchingWindowInSeconds: 1,
      maximumConcurrency: 2,
    });
    await queues.send('window', 'w1');
    await new Promise((r) => setTimeout(r, 200));
    await queues.send('window', 'w2');
    await queues.send('window', 'w3');
    await until('the queue is empty', async () => (await remaining('window')) === 0);
    await m.close();
    // Two pollers wait on the queue, so w2 may start the other one's batch; without a
    // window each message would be a batch of its own.
    assert.deepEqual(batches.flat().sort(), ['w1', 'w2', 'w3']);
    assert.ok(batches.length <= 2, `batches: ${JSON.stringify(batches)}`);
    assert.ok(
      batches.some((b) => b.length > 1),
      'messages sent apart were gathered into one batch',
    );
  });

  test('a disabled mapping polls nothing; enabling it starts delivery', async () => {
    await queues.registry.create('toggle', { VisibilityTimeout: '5' }, {});
    const m = mappings();
    script = () => ({ payload: Buffer.from('null') });
    batches.length = 0;
    const created = await m.create({
      functionName: 'fn',
      eventSourceArn: queueArn('toggle'),
      enabled: false,
    });
    await queues.send('toggle', 't1');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(batches, [], 'nothing delivered while disabled');
    await m.update(created.uuid, { enabled: true });
    await until('the queue is empty', async () => (await remaining('toggle')) === 0);
    await m.close();
    assert.deepEqual(batches, [['t1']]);
  });

  test('bad settings are refused with Lambda errors', async () => {
    await queues.registry.create('settings', { VisibilityTimeout: '5' }, {});
    const m = mappings();
    const arn = queueArn('settings');
    const refused = async (input: Parameters<EventSourceMappings['create']>[0], re: RegExp) =>
      assert.rejects(m.create(input), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'InvalidParameterValueException');
        assert.match(e.message, re);
        return true;
      });
    await refused({ functionName: 'fn', eventSourceArn: 'arn:aws:kinesis:x' }, /Unsupported/);
    await refused({ functionName: 'fn', eventSourceArn: queueArn('nope') }, /does not exist/);
    await refused({ functionName: 'fn', eventSourceArn: arn, batchSize: 0 }, /BatchSize/);
    await refused({ functionName: 'fn', eventSourceArn: arn, batchSize: 20 }, /window/);
    await refused(
      { functionName: 'fn', eventSourceArn: arn, functionResponseTypes: ['Nope'] },
      /FunctionResponseTypes/,
    );
    await refused(
      { functionName: 'fn', eventSourceArn: arn, maximumConcurrency: 1 },
      /MaximumConcurrency/,
    );
    await m.close();
  });
});
