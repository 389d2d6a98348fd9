import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Credentials } from '../../src/shared/sigv4.js';
import { startAuthServer } from '../helpers/auth-server.js';
import { AWS_CLI } from './scenario/aws-cli.js';
import { clientEnv, runChild } from './scenario/child.js';

// Lambda, SQS and S3 on one endpoint (the control API's port), auth on, through the three
// clients people use: each signs with its own service scope and the front door tells them
// apart. A wrong secret is refused by each service in its own error shape.

const PY = '/usr/bin/python3';

const run = (cmd: string, args: string[], env: Record<string, string>, input?: string) =>
  runChild(cmd, args, env, 60_000, input);

const BOTO3_SCRIPT = `
import json, sys, boto3
from botocore.config import Config
endpoint, tag = sys.argv[1], sys.argv[2]
cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
kw = dict(endpoint_url=endpoint, region_name="us-east-1", config=cfg)
lam, sqs, s3 = boto3.client("lambda", **kw), boto3.client("sqs", **kw), boto3.client("s3", **kw)
out = {"functions": len(lam.list_functions()["Functions"])}
url = sqs.create_queue(QueueName="boto3-" + tag)["QueueUrl"]
sqs.send_message(QueueUrl=url, MessageBody="from boto3 ü",
                 MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}})
msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MessageAttributeNames=["All"])["Messages"]
out["body"] = msgs[0]["Body"]
out["attr"] = msgs[0]["MessageAttributes"]["kind"]["StringValue"]
sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
s3.create_bucket(Bucket="boto3-" + tag)
s3.put_object(Bucket="boto3-" + tag, Key="dir/a file ü.txt", Body=b"hello from boto3",
              Metadata={"owner": "boto3"})
got = s3.get_object(Bucket="boto3-" + tag, Key="dir/a file ü.txt")
out["object"] = got["Body"].read().decode()
out["meta"] = got["Metadata"].get("owner")
print(json.dumps(out))
`;

describe('conformance: Lambda, SQS and S3 on one endpoint, three clients, auth on', {
  concurrency: true,
}, () => {
  let env: Awaited<ReturnType<typeof startAuthServer>> | undefined;
  let key: Credentials;
  let work: string;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-one-endpoint-'));
    env = await startAuthServer();
    key = await env.server.platform.keys.create('one endpoint');
  });
  after(async () => {
    await env?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const endpoint = () => {
    assert.ok(env);
    assert.match(env.server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    return env.server.url;
  };

  test('AWS SDK v3: Lambda, SQS and S3 clients share the endpoint', async () => {
    const common = { endpoint: endpoint(), region: 'us-east-1', credentials: key, maxAttempts: 1 };
    const lambda = new LambdaClient(common);
    const sqs = new SQSClient(common);
    const s3 = new S3Client({ ...common, forcePathStyle: true });
    try {
      const fns = await lambda.send(new ListFunctionsCommand({}));
      assert.ok(Array.isArray(fns.Functions));
      const q = await sqs.send(new CreateQueueCommand({ QueueName: 'sdk-q' }));
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: q.QueueUrl,
          MessageBody: 'from the sdk',
          MessageAttributes: { n: { DataType: 'Number', StringValue: '42' } },
        }),
      );
      const got = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: q.QueueUrl,
          WaitTimeSeconds: 2,
          MessageAttributeNames: ['All'],
        }),
      );
      assert.equal(got.Messages?.[0]?.Body, 'from the sdk');
      assert.equal(got.Messages?.[0]?.MessageAttributes?.n?.StringValue, '42');
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: q.QueueUrl,
          ReceiptHandle: got.Messages?.[0]?.ReceiptHandle,
        }),
      );
      await s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' }));
      // The SDK's default PutObject sends aws-chunked with a trailing checksum.
      await s3.send(
        new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'k ü.txt', Body: 'hello sdk' }),
      );
      const obj = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'k ü.txt' }));
      assert.equal(await obj.Body?.transformToString(), 'hello sdk');

      // A wrong secret: each service refuses in its own shape.
      const bad = { ...common, credentials: { ...key, secretAccessKey: 'wrong' } };
      const badSqs = new SQSClient(bad);
      const badS3 = new S3Client({ ...bad, forcePathStyle: true });
      await assert.rejects(
        badSqs.send(new CreateQueueCommand({ QueueName: 'nope' })),
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(e.$metadata?.httpStatusCode, 403);
          assert.match(e.name, /SignatureDoesNotMatch/);
          return true;
        },
      );
      await assert.rejects(
        badS3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'k ü.txt' })),
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(e.$metadata?.httpStatusCode, 403);
          assert.equal(e.name, 'SignatureDoesNotMatch');
          return true;
        },
      );
      badSqs.destroy();
      badS3.destroy();
    } finally {
      lambda.destroy();
      sqs.destroy();
      s3.destroy();
    }
  });

  test('Debian awscli: lambda, sqs and s3 commands with --endpoint-url', async () => {
    const e = clientEnv(key, work);
    const aws = (args: string[]) =>
      run(
        AWS_CLI,
        [...args, '--endpoint-url', endpoint(), '--region', 'us-east-1', '--output', 'json'],
        e,
      );
    const ok = async (args: string[]) => {
      const r = await aws(args);
      assert.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    JSON.parse(await ok(['lambda', 'list-functions']));
    const url = JSON.parse(await ok(['sqs', 'create-queue', '--queue-name', 'cli-q'])).QueueUrl;
    await ok(['sqs', 'send-message', '--queue-url', url, '--message-body', 'from the cli']);
    const msgs = JSON.parse(
      await ok(['sqs', 'receive-message', '--queue-url', url, '--wait-time-seconds', '2']),
    ).Messages;
    assert.equal(msgs[0].Body, 'from the cli');
    await ok(['s3', 'mb', 's3://cli-bucket']);
    const file = path.join(work, 'cli file.txt');
    writeFileSync(file, 'hello from the cli');
    await ok(['s3', 'cp', file, 's3://cli-bucket/some dir/cli file ü.txt']);
    await ok(['s3', 'cp', 's3://cli-bucket/some dir/cli file ü.txt', path.join(work, 'back.txt')]);
    assert.equal(readFileSync(path.join(work, 'back.txt'), 'utf8'), 'hello from the cli');
    const ls = await ok(['s3', 'ls', 's3://cli-bucket/some dir/']);
    assert.match(ls, /cli file ü\.txt/);

    const wrong = clientEnv({ ...key, secretAccessKey: 'wrong' }, work);
    const refused = await run(
      AWS_CLI,
      ['sqs', 'list-queues', '--endpoint-url', endpoint(), '--region', 'us-east-1'],
      wrong,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /SignatureDoesNotMatch/);
    const refusedS3 = await run(
      AWS_CLI,
      ['s3', 'ls', 's3://cli-bucket', '--endpoint-url', endpoint(), '--region', 'us-east-1'],
      wrong,
    );
    assert.notEqual(refusedS3.code, 0);
    assert.match(refusedS3.stderr, /SignatureDoesNotMatch/);
  });

  test('Debian boto3: lambda, sqs and s3 clients with endpoint_url', async () => {
    const r = await run(PY, ['-', endpoint(), 'x1'], clientEnv(key, work), BOTO3_SCRIPT);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    assert.equal(typeof out.functions, 'number');
    assert.equal(out.body, 'from boto3 ü');
    assert.equal(out.attr, 'greeting');
    assert.equal(out.object, 'hello from boto3');
    assert.equal(out.meta, 'boto3');
  });
});
