import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { aws, awsTry, KEYS } from './clients.js';
import { type S3TestServer, startS3Server } from './server.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:cli-fn';

describe('conformance: AWS CLI (/usr/bin/aws) s3 and s3api against the object storage', () => {
  let s: S3TestServer;
  let work: string;
  before(async () => {
    s = await startS3Server({ functions: [FN] });
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-s3-cli-'));
  });
  after(async () => {
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('aws s3: mb, cp, ls, rm and rb with keys that need encoding', async () => {
    await aws(s.endpoint, ['s3', 'mb', 's3://cli-bucket']);
    assert.match((await aws(s.endpoint, ['s3', 'ls'])).toString('utf8'), / cli-bucket\n/);
    const tree = path.join(work, 'tree');
    for (const key of KEYS) {
      mkdirSync(path.dirname(path.join(tree, key)), { recursive: true });
      writeFileSync(path.join(tree, key), `file ${key}\n`);
    }
    await aws(s.endpoint, [
      's3',
      'cp',
      tree,
      's3://cli-bucket',
      '--recursive',
      '--only-show-errors',
    ]);
    const ls = (await aws(s.endpoint, ['s3', 'ls', 's3://cli-bucket', '--recursive'])).toString(
      'utf8',
    );
    for (const key of KEYS) assert.ok(ls.includes(` ${key}\n`), `${key} in\n${ls}`);
    const top = (await aws(s.endpoint, ['s3', 'ls', 's3://cli-bucket/'])).toString('utf8');
    assert.match(top, /PRE a\/\n/);
    assert.match(top, /PRE ünïcödé\/\n/);
    const down = await aws(s.endpoint, ['s3', 'cp', `s3://cli-bucket/${KEYS[4]}`, '-']);
    assert.equal(down.toString('utf8'), `file ${KEYS[4]}\n`);
    const rbFull = await awsTry(s.endpoint, ['s3', 'rb', 's3://cli-bucket']);
    assert.notEqual(rbFull.code, 0);
    assert.match(rbFull.stderr, /BucketNotEmpty/);
    await aws(s.endpoint, ['s3', 'rm', `s3://cli-bucket/${KEYS[1]}`]);
    const after = (await aws(s.endpoint, ['s3', 'ls', 's3://cli-bucket', '--recursive'])).toString(
      'utf8',
    );
    assert.ok(!after.includes(KEYS[1] ?? ''), after);
    await aws(s.endpoint, ['s3', 'rb', 's3://cli-bucket', '--force']);
    const missing = await awsTry(s.endpoint, ['s3', 'ls', 's3://cli-bucket']);
    assert.match(missing.stderr, /NoSuchBucket/);
  });

  test('aws s3api: objects, listings, copies, deletes and notification configuration', async () => {
    const api = async (...args: string[]) => {
      const out = (await aws(s.endpoint, ['s3api', ...args])).toString('utf8');
      return out.trim() === '' ? {} : (JSON.parse(out) as Record<string, unknown>);
    };
    await api('create-bucket', '--bucket', 'api-bucket');
    const body = path.join(work, 'body.txt');
    writeFileSync(body, 'api body');
    await api(
      'put-object',
      '--bucket',
      'api-bucket',
      '--key',
      'x y/z+1.txt',
      '--body',
      body,
      '--content-type',
      'text/plain',
      '--metadata',
      'team=core',
    );
    const head = await api('head-object', '--bucket', 'api-bucket', '--key', 'x y/z+1.txt');
    assert.equal(head.ContentType, 'text/plain');
    assert.deepEqual(head.Metadata, { team: 'core' });
    const outFile = path.join(work, 'out.txt');
    await api(
      'get-object',
      '--bucket',
      'api-bucket',
      '--key',
      'x y/z+1.txt',
      '--range',
      'bytes=4-7',
      outFile,
    );
    assert.equal(readFileSync(outFile, 'utf8'), 'body');
    const listed = await api('list-objects-v2', '--bucket', 'api-bucket', '--prefix', 'x y/');
    assert.deepEqual(
      (listed.Contents as Array<{ Key: string }>).map((o) => o.Key),
      ['x y/z+1.txt'],
    );
    await api(
      'copy-object',
      '--bucket',
      'api-bucket',
      '--key',
      'copy',
      '--copy-source',
      'api-bucket/x y/z+1.txt',
    );
    const deleted = await api(
      'delete-objects',
      '--bucket',
      'api-bucket',
      '--delete',
      JSON.stringify({ Objects: [{ Key: 'copy' }, { Key: 'x y/z+1.txt' }] }),
    );
    assert.deepEqual((deleted.Deleted as Array<{ Key: string }>).map((d) => d.Key).sort(), [
      'copy',
      'x y/z+1.txt',
    ]);
    const config = {
      LambdaFunctionConfigurations: [
        {
          Id: 'cli-rule',
          LambdaFunctionArn: FN,
          Events: ['s3:ObjectCreated:Put'],
          Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }] } },
        },
      ],
    };
    await api(
      'put-bucket-notification-configuration',
      '--bucket',
      'api-bucket',
      '--notification-configuration',
      JSON.stringify(config),
    );
    assert.deepEqual(
      await api('get-bucket-notification-configuration', '--bucket', 'api-bucket'),
      config,
    );
    s.deliveries.length = 0;
    await api('put-object', '--bucket', 'api-bucket', '--key', 'in put.csv', '--body', body);
    assert.equal(s.deliveries[0]?.event.Records[0]?.s3.object.key, 'in+put.csv');
    const bad = await awsTry(s.endpoint, [
      's3api',
      'put-bucket-notification-configuration',
      '--bucket',
      'api-bucket',
      '--notification-configuration',
      JSON.stringify({
        LambdaFunctionConfigurations: [
          { LambdaFunctionArn: `${FN}-gone`, Events: ['s3:ObjectCreated:*'] },
        ],
      }),
    ]);
    assert.match(
      bad.stderr,
      /InvalidArgument.*Unable to validate the following destination configurations/,
    );
  });
});
