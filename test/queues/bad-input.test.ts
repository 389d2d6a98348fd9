import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sendSqsError } from '../../src/queues/index.js';
import { type SqsTestServer, startSqsServer } from './sqs-server.js';

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

describe('sqs endpoint: malformed and refused requests in both protocols', () => {
  let s: SqsTestServer;
  let queueUrl: string;
  before(async () => {
    s = await startSqsServer({ maxMessageBytes: 2048 });
    await s.service.registry.create('bad', {}, {});
    queueUrl = `${s.endpoint}/123456789012/bad`;
  });
  after(async () => {
    await s.close();
  });

  const json = async (op: string, body: string | object): Promise<Answer> => {
    const r = await fetch(`${s.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${op}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: r.status, text: await r.text(), headers: r.headers };
  };
  const query = async (form: string, path = '/'): Promise<Answer> => {
    const r = await fetch(`${s.endpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    return { status: r.status, text: await r.text(), headers: r.headers };
  };
  const jsonError = (a: Answer, status: number, type: string, queryError?: string) => {
    assert.equal(a.status, status, a.text);
    assert.equal((JSON.parse(a.text) as { __type: string }).__type, type);
    assert.equal(a.headers.get('x-amzn-query-error') ?? undefined, queryError);
  };
  const xmlError = (a: Answer, status: number, code: string) => {
    assert.equal(a.status, status, a.text);
    assert.match(
      a.text,
      new RegExp(
        `<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>${code.replace(/\./g, '\\.')}</Code>`,
      ),
    );
    assert.match(a.text, /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
  };

  test('JSON: bad bodies, unknown targets and wrong types are the JSON protocol errors', async () => {
    jsonError(
      await json('SendMessage', '{not json'),
      400,
      'com.amazon.coral.service#SerializationException',
    );
    jsonError(
      await json('SendMessage', '[1,2]'),
      400,
      'com.amazon.coral.service#SerializationException',
    );
    jsonError(
      await json('Frobnicate', {}),
      400,
      'com.amazon.coral.service#UnknownOperationException',
    );
    jsonError(
      await json('ReceiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: '5' }),
      400,
      'com.amazon.coral.service#SerializationException',
    );
    jsonError(
      await json('GetQueueUrl', { QueueName: 'missing' }),
      400,
      'com.amazonaws.sqs#QueueDoesNotExist',
      'AWS.SimpleQueueService.NonExistentQueue;Sender',
    );
    jsonError(
      await json('SendMessage', { MessageBody: 'x' }),
      400,
      'com.amazonaws.sqs#MissingParameter',
      'MissingParameter;Sender',
    );
    jsonError(
      await json('ReceiveMessage', { QueueUrl: queueUrl, WaitTimeSeconds: 21 }),
      400,
      'com.amazonaws.sqs#InvalidParameterValue',
      'InvalidParameterValue;Sender',
    );
    jsonError(
      await json('AddPermission', { QueueUrl: queueUrl }),
      400,
      'com.amazonaws.sqs#UnsupportedOperation',
      'AWS.SimpleQueueService.UnsupportedOperation;Sender',
    );
  });

  test('JSON: an oversized message is InvalidParameterValue and batch shapes are batch errors', async () => {
    const big = await json('SendMessage', { QueueUrl: queueUrl, MessageBody: 'x'.repeat(2049) });
    jsonError(big, 400, 'com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue;Sender');
    assert.match(big.text, /Message must be shorter than 2048 bytes/);
    const withAttrs = await json('SendMessage', {
      QueueUrl: queueUrl,
      MessageBody: 'x'.repeat(2000),
      MessageAttributes: { a: { DataType: 'String', StringValue: 'y'.repeat(100) } },
    });
    jsonError(
      withAttrs,
      400,
      'com.amazonaws.sqs#InvalidParameterValue',
      'InvalidParameterValue;Sender',
    );
    jsonError(
      await json('DeleteMessageBatch', { QueueUrl: queueUrl, Entries: [] }),
      400,
      'com.amazonaws.sqs#EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest;Sender',
    );
    const bodyChars = await json('SendMessage', { QueueUrl: queueUrl, MessageBody: 'bell\u0007' });
    jsonError(
      bodyChars,
      400,
      'com.amazonaws.sqs#InvalidMessageContents',
      'InvalidMessageContents;Sender',
    );
    assert.equal(
      (await s.store.queues.counts('bad', Date.now())).visible,
      0,
      'nothing half-stored',
    );
  });

  test('query: missing or unknown actions, malformed forms and missing queues are query errors', async () => {
    xmlError(await query('Version=2012-11-05'), 400, 'MissingAction');
    xmlError(await query('Action=Frobnicate&Version=2012-11-05'), 400, 'InvalidAction');
    xmlError(await query('Action=ListQueues&QueueNamePrefix=%zz'), 400, 'MalformedQueryString');
    const missing = await query('Action=GetQueueUrl&QueueName=missing&Version=2012-11-05');
    xmlError(missing, 400, 'AWS.SimpleQueueService.NonExistentQueue');
    assert.match(missing.text, /does not exist for this wsdl version/);
    xmlError(
      await query(
        `Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=x&DelaySeconds=abc`,
      ),
      400,
      'InvalidParameterValue',
    );
    xmlError(
      await query(
        `Action=SendMessageBatch&QueueUrl=${encodeURIComponent(queueUrl)}` +
          Array.from(
            { length: 11 },
            (_, i) =>
              `&SendMessageBatchRequestEntry.${i + 1}.Id=e${i}&SendMessageBatchRequestEntry.${i + 1}.MessageBody=x`,
          ).join(''),
      ),
      400,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
    xmlError(
      await query(`Action=DeleteMessage&QueueUrl=${encodeURIComponent(queueUrl)}&ReceiptHandle=zz`),
      404,
      'ReceiptHandleIsInvalid',
    );
    xmlError(
      await query(
        `Action=GetQueueAttributes&QueueUrl=${encodeURIComponent(queueUrl)}&AttributeName.1=Bogus`,
      ),
      400,
      'InvalidAttributeName',
    );
  });

  test('query: requests POSTed to the queue URL path, or sent as GET, address that queue', async () => {
    const sent = await query(
      'Action=SendMessage&MessageBody=via+path&Version=2012-11-05',
      '/123456789012/bad',
    );
    assert.equal(sent.status, 200, sent.text);
    assert.match(
      sent.text,
      /<SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><SendMessageResult><MessageId>/,
    );
    const got = await fetch(
      `${s.endpoint}/123456789012/bad?Action=ReceiveMessage&Version=2012-11-05`,
    );
    const text = await got.text();
    assert.equal(got.status, 200);
    assert.match(text, /<Body>via path<\/Body>/);
    xmlError(
      await query('Action=SendMessage&MessageBody=x', '/999999999999/bad'),
      400,
      'AWS.SimpleQueueService.NonExistentQueue',
    );
  });

  test('sendSqsError answers auth refusals in the protocol the request used', async () => {
    const server: Server = createServer((req, res) => {
      sendSqsError(
        {
          req,
          res,
          requestId: 'req-auth',
          region: 'us-east-1',
          accountId: '123456789012',
          baseUrl: '',
          accessKeyId: null,
          payloadSha256: null,
        },
        {
          code: 'InvalidClientTokenId',
          message: 'The security token included in the request is invalid.',
          status: 403,
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`; // TCP: an object.
    try {
      const j = await fetch(base, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSQS.ListQueues' },
        body: '{}',
      });
      assert.equal(j.status, 403);
      assert.equal(j.headers.get('x-amzn-query-error'), 'InvalidClientTokenId;Sender');
      assert.equal(
        ((await j.json()) as { __type: string }).__type,
        'com.amazonaws.sqs#InvalidClientTokenId',
      );
      const q = await fetch(base, { method: 'POST', body: 'Action=ListQueues' });
      assert.equal(q.status, 403);
      assert.match(await q.text(), /<Code>InvalidClientTokenId<\/Code><Message>The security token/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
