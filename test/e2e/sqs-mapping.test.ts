import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startAuthServer } from '../helpers/auth-server.js';
import { makeZip } from '../helpers/platform.js';

// The seed scenario: a queue consumed in batches by a function that reports the bad
// records with `batchItemFailures`. Good records are deleted; bad ones come back after
// the visibility timeout and, after maxReceiveCount receives, land in the dead-letter queue.

const HANDLER = `
exports.handler = async (event) => {
  const failures = [];
  for (const r of event.Records) {
    if (r.body.startsWith('bad')) failures.push({ itemIdentifier: r.messageId });
    else console.log('processed ' + r.body + ' from ' + r.eventSourceARN);
  }
  return { batchItemFailures: failures };
};
`;

describe('e2e: SQS queue → function event source mapping, partial batch failures', () => {
  let env: Awaited<ReturnType<typeof startAuthServer>> | undefined;
  let lambda: LambdaClient;
  let sqs: SQSClient;

  before(async () => {
    env = await startAuthServer();
    const credentials = await env.server.platform.keys.create('sqs mapping');
    const common = {
      endpoint: env.server.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    };
    lambda = new LambdaClient(common);
    sqs = new SQSClient(common);
  });
  after(async () => {
    lambda?.destroy();
    sqs?.destroy();
    await env?.close();
  });

  async function depth(url: string): Promise<{ visible: number; inFlight: number }> {
    const a = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(a.Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  }

  test('good records are deleted, bad ones end in the DLQ, settings round-trip', async () => {
    assert.ok(env);
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'orders',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        Timeout: 1,
        Code: { ZipFile: await makeZip({ 'index.js': HANDLER }) },
      }),
    );
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'orders-dlq' }));
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:orders-dlq';
    const q = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'orders-in',
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        },
      }),
    );
    assert.ok(q.QueueUrl && dlq.QueueUrl);
    const queueArn = 'arn:aws:sqs:us-east-1:000000000000:orders-in';

    // The visibility timeout must cover the function's timeout, as on Lambda.
    await assert.rejects(
      lambda.send(
        new CreateEventSourceMappingCommand({
          FunctionName: 'orders',
          EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:no-such-queue',
        }),
      ),
      (e: Error) => e.name === 'InvalidParameterValueException',
    );
    const created = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'orders',
        EventSourceArn: queueArn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      }),
    );
    assert.ok(created.UUID);
    assert.equal(created.State, 'Creating');
    assert.equal(created.EventSourceArn, queueArn);
    assert.deepEqual(created.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(created.ScalingConfig?.MaximumConcurrency, 2);
    assert.match(created.FunctionArn ?? '', /:function:orders$/);

    // A second mapping of the same queue to the same function is a conflict.
    await assert.rejects(
      lambda.send(
        new CreateEventSourceMappingCommand({ FunctionName: 'orders', EventSourceArn: queueArn }),
      ),
      (e: Error) => e.name === 'ResourceConflictException',
    );

    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.QueueUrl,
        Entries: ['good-1', 'good-2', 'bad-1', 'good-3', 'good-4'].map((body, i) => ({
          Id: `m${i}`,
          MessageBody: body,
        })),
      }),
    );

    // Everything leaves the source queue: 4 deleted, the bad one redriven to the DLQ.
    const deadline = Date.now() + 30_000;
    let dead: string[] = [];
    while (Date.now() < deadline) {
      const d = await depth(q.QueueUrl);
      const dd = await depth(dlq.QueueUrl);
      if (d.visible + d.inFlight === 0 && dd.visible === 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const inDlq = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq.QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    dead = (inDlq.Messages ?? []).map((m) => m.Body ?? '');
    assert.deepEqual(dead, ['bad-1'], 'only the bad record ends in the DLQ');
    const left = await depth(q.QueueUrl);
    assert.equal(left.visible + left.inFlight, 0, 'the good records were deleted');

    // The good records were each processed once (the bad one twice, failing).
    await env.server.platform.logs.flush();
    const logs = await env.server.platform.store.logs.query({ functionName: 'orders', limit: 500 });
    const processed = logs.events
      .map((l) => /processed (\S+) from (\S+)/.exec(l.message))
      .filter((m) => m !== null);
    assert.deepEqual(processed.map((m) => m[1]).sort(), ['good-1', 'good-2', 'good-3', 'good-4']);
    assert.ok(processed.every((m) => m[2] === queueArn));

    const got = await lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    assert.equal(got.State, 'Enabled');
    assert.equal(got.LastProcessingResult, 'OK');
    const listed = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: 'orders' }),
    );
    assert.deepEqual(
      listed.EventSourceMappings?.map((m) => m.UUID),
      [created.UUID],
    );
    const updated = await lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: created.UUID, Enabled: false, BatchSize: 5 }),
    );
    assert.equal(updated.State, 'Disabled');
    assert.equal(updated.BatchSize, 5);
    await assert.rejects(
      lambda.send(
        new UpdateEventSourceMappingCommand({
          UUID: created.UUID,
          BatchSize: 50,
          MaximumBatchingWindowInSeconds: 0,
        }),
      ),
      (e: Error) => e.name === 'InvalidParameterValueException',
    );
    const deleted = await lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
    assert.equal(deleted.State, 'Deleting');
    await assert.rejects(
      lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID })),
      (e: Error) => e.name === 'ResourceNotFoundException',
    );
  });

  test('an Event invocation that fails for good is sent to an SQS OnFailure destination', async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'fails',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        Code: {
          ZipFile: await makeZip({
            'index.js': "exports.handler = async () => { throw new Error('no luck'); };",
          }),
        },
      }),
    );
    const q = await sqs.send(new CreateQueueCommand({ QueueName: 'failures' }));
    const dest = 'arn:aws:sqs:us-east-1:000000000000:failures';
    await assert.rejects(
      lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'fails',
          DestinationConfig: { OnFailure: { Destination: `${dest}-missing` } },
        }),
      ),
      (e: Error) => e.name === 'InvalidParameterValueException',
    );
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'fails',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: dest } },
      }),
    );
    const sent = await lambda.send(
      new InvokeCommand({
        FunctionName: 'fails',
        InvocationType: 'Event',
        Payload: Buffer.from('{"order":7}'),
      }),
    );
    assert.equal(sent.StatusCode, 202);
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, WaitTimeSeconds: 20 }),
    );
    const record = JSON.parse(got.Messages?.[0]?.Body ?? '{}');
    assert.equal(record.requestContext.condition, 'RetriesExhausted');
    assert.match(record.requestContext.functionArn, /:function:fails:\$LATEST$/);
    assert.deepEqual(record.requestPayload, { order: 7 });
    assert.equal(record.responsePayload.errorMessage, 'no luck');
  });
});
