import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  MessageNotInflight,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { md5OfMessageAttributes } from '../../src/queues/md5.js';
import { parseMessageAttributes } from '../../src/queues/message-attributes.js';
import { sdkClient } from './clients.js';
import { type SqsTestServer, startSqsServer } from './sqs-server.js';

describe('conformance: AWS SDK v3 (JSON protocol) against the SQS endpoint', () => {
  let s: SqsTestServer;
  let c: SQSClient;
  before(async () => {
    s = await startSqsServer();
    c = sdkClient(s.endpoint);
  });
  after(async () => {
    c.destroy();
    await s.close();
  });

  const create = async (QueueName: string, Attributes?: Record<string, string>) =>
    (await c.send(new CreateQueueCommand({ QueueName, Attributes }))).QueueUrl!;

  test('queue lifecycle: create (idempotent), url, list with paging, attributes, tags, delete', async () => {
    const url = await create('sdk-life', { VisibilityTimeout: '45' });
    assert.equal(url, `${s.endpoint}/123456789012/sdk-life`);
    assert.equal(await create('sdk-life', { VisibilityTimeout: '45' }), url);
    await assert.rejects(create('sdk-life', { VisibilityTimeout: '46' }), QueueNameExists);
    for (const n of ['sdk-list-a', 'sdk-list-b', 'sdk-list-c']) await create(n);
    const { QueueUrl } = await c.send(new GetQueueUrlCommand({ QueueName: 'sdk-life' }));
    assert.equal(QueueUrl, url);

    const page1 = await c.send(
      new ListQueuesCommand({ QueueNamePrefix: 'sdk-list', MaxResults: 2 }),
    );
    assert.equal(page1.QueueUrls?.length, 2);
    assert.ok(page1.NextToken);
    const page2 = await c.send(
      new ListQueuesCommand({
        QueueNamePrefix: 'sdk-list',
        MaxResults: 2,
        NextToken: page1.NextToken,
      }),
    );
    assert.deepEqual(page2.QueueUrls, [`${s.endpoint}/123456789012/sdk-list-c`]);
    assert.equal(page2.NextToken, undefined);

    await c.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '3' } }),
    );
    const { Attributes } = await c.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    assert.equal(Attributes?.DelaySeconds, '3');
    assert.equal(Attributes?.VisibilityTimeout, '45');
    assert.equal(Attributes?.QueueArn, 'arn:aws:sqs:us-east-1:123456789012:sdk-life');
    assert.match(Attributes?.CreatedTimestamp ?? '', /^\d{10}$/);
    for (const k of [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ]) {
      assert.equal(Attributes?.[k as keyof typeof Attributes], '0');
    }

    await c.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'a', env: 'dev' } }));
    await c.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['env'] }));
    assert.deepEqual((await c.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, {
      team: 'a',
    });

    await c.send(new DeleteQueueCommand({ QueueUrl: url }));
    await assert.rejects(
      c.send(new GetQueueUrlCommand({ QueueName: 'sdk-life' })),
      QueueDoesNotExist,
    );
  });

  test('messages: attributes of every type round-trip and their digests match SQS', async () => {
    const url = await create('sdk-msg');
    const MessageAttributes = {
      timestamp: { DataType: 'Number', StringValue: '1493147359900' },
      kind: { DataType: 'String.custom', StringValue: 'héllo ✓' },
      blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 1, 2, 255]) },
    };
    const sent = await c.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'body with <xml> & ünïcode 😀',
        MessageAttributes,
      }),
    );
    const expected = md5OfMessageAttributes(
      parseMessageAttributes({
        ...MessageAttributes,
        blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]).toString('base64') },
      }),
    );
    assert.equal(sent.MD5OfMessageAttributes, expected);
    const only = await c.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'known digest',
        MessageAttributes: { timestamp: MessageAttributes.timestamp },
      }),
    );
    assert.equal(only.MD5OfMessageAttributes, '235c5c510d26fb653d073faed50ae77c');

    const r = await c.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    assert.equal(r.Messages?.length, 2);
    const m = r.Messages!.find((x) => x.MessageId === sent.MessageId)!;
    assert.equal(m.Body, 'body with <xml> & ünïcode 😀');
    assert.equal(m.MD5OfMessageAttributes, expected);
    assert.deepEqual(m.MessageAttributes?.blob?.BinaryValue, Uint8Array.from([0, 1, 2, 255]));
    assert.equal(m.MessageAttributes?.kind?.StringValue, 'héllo ✓');
    assert.equal(m.Attributes?.ApproximateReceiveCount, '1');
    assert.match(m.Attributes?.SentTimestamp ?? '', /^\d{13}$/);
    assert.ok(m.Attributes?.SenderId);

    await c.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    await assert.rejects(
      c.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' })),
      ReceiptHandleIsInvalid,
    );
  });

  test('long polling answers as soon as a message arrives', async () => {
    const url = await create('sdk-poll');
    const started = performance.now();
    const polling = c.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    setTimeout(
      () => void c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'now' })),
      200,
    );
    const r = await polling;
    assert.equal(r.Messages?.[0]?.Body, 'now');
    assert.ok(performance.now() - started < 5_000);
    const empty = await c.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    assert.equal(empty.Messages, undefined);
  });

  test('batches: partial failures are reported per entry, valid entries are stored', async () => {
    const url = await create('sdk-batch');
    const r = await c.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'ok1', MessageBody: 'one' },
          { Id: 'bad', MessageBody: 'two', DelaySeconds: 901 },
          {
            Id: 'ok2',
            MessageBody: 'three',
            MessageAttributes: { a: { DataType: 'Number', StringValue: '7' } },
          },
        ],
      }),
    );
    assert.deepEqual(r.Successful?.map((x) => x.Id).sort(), ['ok1', 'ok2']);
    assert.equal(r.Failed?.[0]?.Id, 'bad');
    assert.equal(r.Failed?.[0]?.Code, 'InvalidParameterValue');
    assert.equal(r.Failed?.[0]?.SenderFault, true);
    const got = await c.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.equal(got.Messages?.length, 2);

    const handles = got.Messages!.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle }));
    const vis = await c.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          ...handles.map((h) => ({ ...h, VisibilityTimeout: 60 })),
          { Id: 'junk', ReceiptHandle: 'x', VisibilityTimeout: 1 },
        ],
      }),
    );
    assert.equal(vis.Successful?.length, 2);
    assert.equal(vis.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');
    const del = await c.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [...handles, { Id: 'junk', ReceiptHandle: 'x' }],
      }),
    );
    assert.equal(del.Successful?.length, 2);
    assert.equal(del.Failed?.[0]?.Id, 'junk');

    for (const [Entries, name] of [
      [[], 'EmptyBatchRequest'],
      [
        Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })),
        'TooManyEntriesInBatchRequest',
      ],
      [
        [
          { Id: 'same', MessageBody: 'x' },
          { Id: 'same', MessageBody: 'y' },
        ],
        'BatchEntryIdsNotDistinct',
      ],
      [[{ Id: 'bad id!', MessageBody: 'x' }], 'InvalidBatchEntryId'],
      [
        [
          { Id: 'big', MessageBody: 'x'.repeat(200_000) },
          { Id: 'big2', MessageBody: 'x'.repeat(100_000) },
        ],
        'BatchRequestTooLong',
      ],
    ] as const) {
      await assert.rejects(
        c.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [...Entries] })),
        (e: Error) => e.name === name,
      );
    }
  });

  test('visibility changes, purge, and a DLQ fed by redrive', async () => {
    const dlqUrl = await create('sdk-dlq');
    const dlqArn = (
      await c.send(
        new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    const url = await create('sdk-src', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
    });
    const sources = await c.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    assert.deepEqual(sources.queueUrls, [url]);

    await c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    const first = await c.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const handle = first.Messages![0]!.ReceiptHandle;
    await c.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: handle,
        VisibilityTimeout: 0,
      }),
    );
    await assert.rejects(
      c.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: handle,
          VisibilityTimeout: 5,
        }),
      ),
      MessageNotInflight,
    );
    const second = await c.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(second.Messages, undefined);
    const dead = await c.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ['All'] }),
    );
    assert.equal(dead.Messages?.[0]?.Body, 'poison');
    assert.equal(
      dead.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn,
      'arn:aws:sqs:us-east-1:123456789012:sdk-src',
    );

    await c.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
    await assert.rejects(
      c.send(new PurgeQueueCommand({ QueueUrl: dlqUrl })),
      (e: Error) => e.name === 'PurgeQueueInProgress',
    );
  });

  test('FIFO: sequence numbers, deduplication and per-group order', async () => {
    const url = await create('sdk.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const a = await c.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'a', MessageGroupId: 'g' }),
    );
    const dup = await c.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'a', MessageGroupId: 'g' }),
    );
    const b = await c.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'b', MessageGroupId: 'g' }),
    );
    assert.equal(dup.MessageId, a.MessageId);
    assert.match(a.SequenceNumber ?? '', /^\d{20}$/);
    assert.ok((a.SequenceNumber ?? '') < (b.SequenceNumber ?? ''));
    const r = await c.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    assert.deepEqual(
      r.Messages?.map((m) => m.Body),
      ['a', 'b'],
    );
    assert.equal(r.Messages?.[0]?.Attributes?.MessageGroupId, 'g');
  });
});
