import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import type { Credentials } from '../../src/shared/sigv4.js';
import { AWS_CLI } from '../conformance/scenario/aws-cli.js';
import { clientEnv, runChild } from '../conformance/scenario/child.js';
import { startAuthServer } from '../helpers/auth-server.js';
import { makeZip } from '../helpers/platform.js';

// The seed's file-processing flow, end to end, with auth on: `aws s3 cp` puts a photo in
// a bucket; the bucket notification invokes a function asynchronously with the S3 event;
// the function reads the object with the AWS SDK (v3, bundled into its zip) through the
// endpoint and credentials Nimbus put in its environment, and writes a derived object.

const HANDLER = `
const crypto = require('node:crypto');
const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
// No endpoint, region or credentials here: they come from the function's environment.
const s3 = new S3Client({});
exports.handler = async (event) => {
  for (const rec of event.Records) {
    const bucket = rec.s3.bucket.name;
    const key = decodeURIComponent(rec.s3.object.key.replace(/\\+/g, ' '));
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await obj.Body.transformToByteArray());
    const derived = {
      source: key,
      encodedKey: rec.s3.object.key,
      eventName: rec.eventName,
      size: bytes.length,
      eventSize: rec.s3.object.size,
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      endpoint: process.env.AWS_ENDPOINT_URL,
    };
    const name = key.slice(key.lastIndexOf('/') + 1);
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'out/' + name + '.json',
      Body: JSON.stringify(derived), ContentType: 'application/json',
    }));
  }
  return { processed: event.Records.length };
};
`;

describe('e2e: a file lands in a bucket and a function processes it', () => {
  let env: Awaited<ReturnType<typeof startAuthServer>> | undefined;
  let key: Credentials;
  let work: string;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-s3-flow-'));
    env = await startAuthServer();
    key = await env.server.platform.keys.create('s3 flow');
  });
  after(async () => {
    await env?.close();
    rmSync(work, { recursive: true, force: true });
  });

  function aws(args: string[]) {
    assert.ok(env);
    return runChild(
      AWS_CLI,
      [...args, '--endpoint-url', env.server.url, '--region', 'us-east-1', '--output', 'json'],
      clientEnv(key, work),
    );
  }

  async function ok(args: string[]): Promise<string> {
    const r = await aws(args);
    assert.equal(r.code, 0, `aws ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  test('aws s3 cp → notification → function reads through the SDK → out/ object', async () => {
    const bundled = await build({
      stdin: { contents: HANDLER, resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    const code = bundled.outputFiles[0]?.contents;
    assert.ok(code, 'the handler bundles');
    const zip = path.join(work, 'fn.zip');
    writeFileSync(zip, await makeZip({ 'index.js': Buffer.from(code) }));
    await ok([
      'lambda',
      'create-function',
      '--function-name',
      'thumbnail',
      '--runtime',
      'nodejs20.x',
      '--handler',
      'index.handler',
      '--role',
      'arn:aws:iam::000000000000:role/lambda',
      '--timeout',
      '30',
      '--memory-size',
      '256',
      '--zip-file',
      `fileb://${zip}`,
    ]);
    await ok(['s3', 'mb', 's3://uploads']);
    const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:thumbnail';
    await ok([
      's3api',
      'put-bucket-notification-configuration',
      '--bucket',
      'uploads',
      '--notification-configuration',
      JSON.stringify({
        LambdaFunctionConfigurations: [
          {
            Id: 'photos-in',
            LambdaFunctionArn: fnArn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
          },
        ],
      }),
    ]);
    const got = JSON.parse(
      await ok(['s3api', 'get-bucket-notification-configuration', '--bucket', 'uploads']),
    );
    assert.equal(got.LambdaFunctionConfigurations?.[0]?.LambdaFunctionArn, fnArn);

    const photo = randomBytes(300 * 1024);
    const local = path.join(work, 'photo.jpg');
    writeFileSync(local, photo);
    // A key with a space and a non-ASCII letter: the event carries it URL-encoded.
    await ok(['s3', 'cp', local, 's3://uploads/in/my photo ü.jpg']);
    // Outside the prefix: no invocation.
    await ok(['s3', 'cp', local, 's3://uploads/elsewhere/photo.jpg']);

    const outKey = 'out/my photo ü.jpg.json';
    const deadline = Date.now() + 60_000;
    let derived: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      const r = await aws(['s3', 'cp', `s3://uploads/${outKey}`, path.join(work, 'out.json')]);
      if (r.code === 0) {
        derived = JSON.parse(readFileSync(path.join(work, 'out.json'), 'utf8'));
        break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    if (!derived) {
      // Say why: the function's log and its invocation records.
      await env?.server.platform.logs.flush();
      await env?.server.platform.records.flush();
      const log = await env?.server.platform.store.logs.query({
        functionName: 'thumbnail',
        limit: 100,
      });
      const recs = await env?.server.platform.store.invocations.list({
        functionName: 'thumbnail',
        limit: 10,
      });
      assert.fail(
        `the function wrote no derived object within 60 s.\nlog:\n${log?.events.map((e) => e.message).join('')}\nrecords: ${JSON.stringify(recs?.items)}`,
      );
    }
    assert.equal(derived.source, 'in/my photo ü.jpg');
    assert.equal(derived.encodedKey, 'in/my+photo+%C3%BC.jpg');
    assert.equal(derived.eventName, 'ObjectCreated:Put');
    assert.equal(derived.size, photo.length);
    assert.equal(derived.eventSize, photo.length);
    assert.equal(derived.sha256, createHash('sha256').update(photo).digest('hex'));
    assert.equal(derived.endpoint, 'http://127.0.0.1:9000', 'the sandbox relays its own endpoint');

    // Exactly one invocation: the object outside in/ triggered nothing, the out/ write neither.
    const listing = JSON.parse(
      await ok(['s3api', 'list-objects-v2', '--bucket', 'uploads', '--prefix', 'out/']),
    );
    assert.deepEqual(
      listing.Contents.map((o: { Key: string }) => o.Key),
      [outKey],
    );
    await env?.server.platform.records.flush();
    const records = await env?.server.platform.store.invocations.list({
      functionName: 'thumbnail',
      limit: 10,
    });
    assert.equal(records?.items.length, 1, 'one invocation for one matching object');
    assert.equal(records?.items[0]?.source, 'aws:s3');
    assert.equal(records?.items[0]?.status, 'succeeded');
  });
});
