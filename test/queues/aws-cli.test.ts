import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { awsSqs } from './clients.js';
import { type SqsTestServer, startSqsServer } from './sqs-server.js';

type Json = Record<string, unknown>;

describe('conformance: Debian AWS CLI v2 (query protocol) against the SQS endpoint', () => {
  let s: SqsTestServer;
  let sqs: (...args: string[]) => ReturnType<typeof awsSqs>;
  before(async () => {
    s = await startSqsServer();
    sqs = (...args) => awsSqs(s.endpoint, ...args);
  });
  after(async () => {
    await s.close();
  });

  const ok = async (...args: string[]): Promise<Json> => {
    const r = await sqs(...args);
    assert.equal(r.code, 0, `aws sqs ${args.join(' ')}: ${r.stderr}`);
    return r.json ?? {};
  };

  test('queue lifecycle: create, url, list, attributes, tags, purge, delete', async () => {
    const { QueueUrl: url } = (await ok(
      'create-queue',
      '--queue-name',
      'cli-life',
      '--attributes',
      'VisibilityTimeout=40,MessageRetentionPeriod=600',
      '--tags',
      'team=a',
    )) as { QueueUrl: string };
    assert.equal(url, `${s.endpoint}/123456789012/cli-life`);
    assert.equal((await ok('get-queue-url', '--queue-name', 'cli-life')).QueueUrl, url);
    assert.deepEqual((await ok('list-queues', '--queue-name-prefix', 'cli-')).QueueUrls, [url]);
    await ok('set-queue-attributes', '--queue-url', url, '--attributes', 'DelaySeconds=2');
    const attrs = (await ok('get-queue-attributes', '--queue-url', url, '--attribute-names', 'All'))
      .Attributes as Json;
    assert.equal(attrs.VisibilityTimeout, '40');
    assert.equal(attrs.MessageRetentionPeriod, '600');
    assert.equal(attrs.DelaySeconds, '2');
    assert.equal(attrs.QueueArn, 'arn:aws:sqs:us-east-1:123456789012:cli-life');
    await ok('tag-queue', '--queue-url', url, '--tags', 'env=dev');
    await ok('untag-queue', '--queue-url', url, '--tag-keys', 'team');
    assert.deepEqual((await ok('list-queue-tags', '--queue-url', url)).Tags, { env: 'dev' });
    await ok('purge-queue', '--queue-url', url);
    await ok('delete-queue', '--queue-url', url);
    const gone = await sqs('get-queue-url', '--queue-name', 'cli-life');
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /AWS\.SimpleQueueService\.NonExistentQueue/);
  });

  test('messages with attributes, receive with all attributes, delete and visibility', async () => {
    const url = (await ok('create-queue', '--queue-name', 'cli-msg')).QueueUrl as string;
    const sent = await ok(
      'send-message',
      '--queue-url',
      url,
      '--message-body',
      'line one\r\nline <two> & "three"',
      '--message-attributes',
      JSON.stringify({
        timestamp: { DataType: 'Number', StringValue: '1493147359900' },
      }),
    );
    assert.equal(sent.MD5OfMessageAttributes, '235c5c510d26fb653d073faed50ae77c');
    await ok(
      'send-message',
      '--queue-url',
      url,
      '--message-body',
      'binary',
      '--message-attributes',
      JSON.stringify({ bin: { DataType: 'Binary.raw', BinaryValue: 'AAEC/w==' } }),
    );
    const got = await ok(
      'receive-message',
      '--queue-url',
      url,
      '--max-number-of-messages',
      '10',
      '--attribute-names',
      'All',
      '--message-attribute-names',
      'All',
      '--wait-time-seconds',
      '1',
    );
    const messages = got.Messages as Json[];
    assert.equal(messages.length, 2);
    const text = messages.find((m) => m.MessageId === sent.MessageId)!;
    assert.equal(text.Body, 'line one\r\nline <two> & "three"');
    assert.equal(text.MD5OfMessageAttributes, '235c5c510d26fb653d073faed50ae77c');
    assert.equal((text.Attributes as Json).ApproximateReceiveCount, '1');
    const bin = messages.find((m) => m.Body === 'binary')!;
    assert.deepEqual(bin.MessageAttributes, {
      bin: { BinaryValue: 'AAEC/w==', DataType: 'Binary.raw' },
    });

    await ok(
      'change-message-visibility',
      '--queue-url',
      url,
      '--receipt-handle',
      text.ReceiptHandle as string,
      '--visibility-timeout',
      '0',
    );
    await ok('delete-message', '--queue-url', url, '--receipt-handle', bin.ReceiptHandle as string);
    const again = await ok('receive-message', '--queue-url', url, '--max-number-of-messages', '10');
    assert.deepEqual(
      (again.Messages as Json[]).map((m) => m.Body),
      ['line one\r\nline <two> & "three"'],
    );
  });

  test('batch send reports a failed entry and stores the rest; batch errors are SQS codes', async () => {
    const url = (await ok('create-queue', '--queue-name', 'cli-batch')).QueueUrl as string;
    const r = await ok(
      'send-message-batch',
      '--queue-url',
      url,
      '--entries',
      JSON.stringify([
        { Id: 'a', MessageBody: 'A' },
        { Id: 'b', MessageBody: 'B', DelaySeconds: 1000 },
      ]),
    );
    assert.deepEqual(
      (r.Successful as Json[]).map((e) => e.Id),
      ['a'],
    );
    assert.equal((r.Failed as Json[])[0]?.Code, 'InvalidParameterValue');
    const dup = await sqs(
      'send-message-batch',
      '--queue-url',
      url,
      '--entries',
      JSON.stringify([
        { Id: 'x', MessageBody: '1' },
        { Id: 'x', MessageBody: '2' },
      ]),
    );
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /AWS\.SimpleQueueService\.BatchEntryIdsNotDistinct/);
  });

  test('a DLQ receives messages over maxReceiveCount; FIFO queues work from the CLI', async () => {
    await ok('create-queue', '--queue-name', 'cli-dlq');
    const policy = JSON.stringify({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:cli-dlq',
      maxReceiveCount: 1,
    });
    const src = (
      await ok(
        'create-queue',
        '--queue-name',
        'cli-src',
        '--attributes',
        JSON.stringify({ RedrivePolicy: policy }),
      )
    ).QueueUrl as string;
    await ok('send-message', '--queue-url', src, '--message-body', 'poison');
    await ok('receive-message', '--queue-url', src, '--visibility-timeout', '0');
    assert.deepEqual(await ok('receive-message', '--queue-url', src), {});
    const dlq = `${s.endpoint}/123456789012/cli-dlq`;
    const dead = await ok('receive-message', '--queue-url', dlq);
    assert.equal((dead.Messages as Json[])[0]?.Body, 'poison');
    assert.deepEqual((await ok('list-dead-letter-source-queues', '--queue-url', dlq)).queueUrls, [
      src,
    ]);

    const fifo = (
      await ok(
        'create-queue',
        '--queue-name',
        'cli.fifo',
        '--attributes',
        'FifoQueue=true,ContentBasedDeduplication=true',
      )
    ).QueueUrl as string;
    const one = await ok(
      'send-message',
      '--queue-url',
      fifo,
      '--message-body',
      'x',
      '--message-group-id',
      'g',
    );
    assert.match(one.SequenceNumber as string, /^\d{20}$/);
  });
});
