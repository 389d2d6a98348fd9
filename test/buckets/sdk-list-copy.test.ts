import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { errorOf, md5Hex, raw, sdkClient, useSdkServer } from './clients.js';
import { type S3TestServer, startS3Server } from './server.js';

describe('conformance: AWS SDK v3 S3 client: listings, copies, keys, sub-resources and bad input', () => {
  const fixture = useSdkServer('objects');
  let s: S3TestServer;
  let c: S3Client;
  beforeEach(() => {
    s = fixture.server();
    c = fixture.client();
  });

  test('sdk: listings page by prefix, delimiter, max-keys, continuation token, start-after and marker', async () => {
    await c.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a.txt', 'dir/one', 'dir/sub/two', 'dir/three', 'other/x', 'z.txt'];
    for (const k of keys)
      await c.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
    const all = await c.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    assert.deepEqual(
      all.Contents?.map((o) => o.Key),
      [...keys].sort(),
    );
    assert.equal(all.KeyCount, 6);
    assert.equal(all.Contents?.[0]?.ETag, `"${md5Hex('a.txt')}"`);
    assert.equal(all.Contents?.[0]?.Size, 5);
    const top = await c.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(
      top.Contents?.map((o) => o.Key),
      ['a.txt', 'z.txt'],
    );
    assert.deepEqual(
      top.CommonPrefixes?.map((p) => p.Prefix),
      ['dir/', 'other/'],
    );
    const dir = await c.send(
      new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'dir/', Delimiter: '/' }),
    );
    assert.deepEqual(
      dir.Contents?.map((o) => o.Key),
      ['dir/one', 'dir/three'],
    );
    assert.deepEqual(
      dir.CommonPrefixes?.map((p) => p.Prefix),
      ['dir/sub/'],
    );
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await c.send(
        new ListObjectsV2Command({
          Bucket: 'listing',
          MaxKeys: 2,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      seen.push(
        ...(page.Contents ?? []).map((o) => o.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      );
      assert.ok((page.KeyCount ?? 0) <= 2);
      token = page.NextContinuationToken;
      assert.equal(page.IsTruncated, token !== undefined);
    } while (token);
    assert.deepEqual(seen.sort(), ['a.txt', 'dir/', 'other/', 'z.txt']);
    const startAfter = await c.send(
      new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'dir/three' }),
    );
    assert.deepEqual(
      startAfter.Contents?.map((o) => o.Key),
      ['other/x', 'z.txt'],
    );
    const v1 = await c.send(
      new ListObjectsCommand({ Bucket: 'listing', Marker: 'dir/one', MaxKeys: 2 }),
    );
    assert.deepEqual(
      v1.Contents?.map((o) => o.Key),
      ['dir/sub/two', 'dir/three'],
    );
    assert.equal(v1.IsTruncated, true);
    const v1d = await c.send(
      new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2 }),
    );
    assert.equal(v1d.NextMarker, 'dir/');
    const v1next = await c.send(
      new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', Marker: 'dir/' }),
    );
    assert.deepEqual(
      v1next.CommonPrefixes?.map((p) => p.Prefix),
      ['other/'],
    );
    const encoded = await raw(
      s.endpoint,
      'GET',
      '/listing?list-type=2&prefix=dir%2F&encoding-type=url',
    );
    assert.match(encoded.text, /<Prefix>dir\/<\/Prefix>.*<EncodingType>url<\/EncodingType>/s);
  });

  test('sdk: CopyObject keeps (COPY) or replaces (REPLACE) metadata; a no-op copy to itself is refused', async () => {
    await c.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'src file',
        Body: 'copy me',
        ContentType: 'text/x-src',
        Metadata: { a: '1' },
      }),
    );
    const copied = await c.send(
      new CopyObjectCommand({ Bucket: 'objects', Key: 'copied', CopySource: 'objects/src%20file' }),
    );
    assert.equal(copied.CopyObjectResult?.ETag, `"${md5Hex('copy me')}"`);
    const got = await c.send(new GetObjectCommand({ Bucket: 'objects', Key: 'copied' }));
    assert.equal(await got.Body?.transformToString(), 'copy me');
    assert.equal(got.ContentType, 'text/x-src');
    assert.deepEqual(got.Metadata, { a: '1' });
    await c.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'copied',
        CopySource: 'objects/copied',
        MetadataDirective: 'REPLACE',
        ContentType: 'text/new',
        Metadata: { b: '2' },
      }),
    );
    const replaced = await c.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'copied' }));
    assert.equal(replaced.ContentType, 'text/new');
    assert.deepEqual(replaced.Metadata, { b: '2' });
    const self = c.send(
      new CopyObjectCommand({ Bucket: 'objects', Key: 'copied', CopySource: 'objects/copied' }),
    );
    assert.deepEqual(await errorOf(self), { code: 'InvalidRequest', status: 400 });
    const gone = c.send(
      new CopyObjectCommand({ Bucket: 'objects', Key: 'x', CopySource: 'objects/nope' }),
    );
    assert.deepEqual(await errorOf(gone), { code: 'NoSuchKey', status: 404 });
    const unmet = c.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'x',
        CopySource: 'objects/copied',
        CopySourceIfMatch: '"no"',
      }),
    );
    assert.deepEqual(await errorOf(unmet), { code: 'PreconditionFailed', status: 412 });
  });

  test('sdk: keys with spaces, plus, percent, unicode and slashes round-trip', async () => {
    const keys = [
      'a b',
      'a+b',
      '100%',
      'ünï/cödé ✓',
      'deep/a/b/c',
      '//lead',
      'q?x=1&y#z',
      '日本語',
    ];
    for (const key of keys) {
      await c.send(new PutObjectCommand({ Bucket: 'objects', Key: key, Body: `body of ${key}` }));
      const got = await c.send(new GetObjectCommand({ Bucket: 'objects', Key: key }));
      assert.equal(await got.Body?.transformToString(), `body of ${key}`, key);
    }
    const listed = await c.send(new ListObjectsV2Command({ Bucket: 'objects' }));
    for (const key of keys)
      assert.ok(
        listed.Contents?.some((o) => o.Key === key),
        key,
      );
  });

  test('sdk: bucket and object sub-resources answer S3 defaults', async () => {
    const versioning = await c.send(new GetBucketVersioningCommand({ Bucket: 'objects' }));
    assert.equal(versioning.Status, undefined);
    const acl = await c.send(new GetBucketAclCommand({ Bucket: 'objects' }));
    assert.equal(acl.Grants?.[0]?.Permission, 'FULL_CONTROL');
    assert.equal(
      (await errorOf(c.send(new GetBucketTaggingCommand({ Bucket: 'objects' })))).code,
      'NoSuchTagSet',
    );
    assert.equal(
      (await errorOf(c.send(new GetBucketPolicyCommand({ Bucket: 'objects' })))).code,
      'NoSuchBucketPolicy',
    );
    await c.send(new PutObjectCommand({ Bucket: 'objects', Key: 'tagged', Body: 't' }));
    const tags = await c.send(new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'tagged' }));
    assert.deepEqual(tags.TagSet ?? [], []);
  });

  test('raw: malformed XML, SHA-256 mismatch, unsupported sub-resources and methods', async () => {
    const malformed = await raw(s.endpoint, 'POST', '/objects?delete', {
      body: '<Delete><Object>',
    });
    assert.equal(malformed.status, 400);
    assert.match(malformed.text, /<Code>MalformedXML<\/Code>/);
    const badConfig = await raw(s.endpoint, 'PUT', '/new-bucket', { body: '<Nope/>' });
    assert.match(badConfig.text, /<Code>MalformedXML<\/Code>/);
    const mismatch = await raw(s.endpoint, 'PUT', '/objects/sha', {
      body: 'abc',
      headers: { 'x-amz-content-sha256': 'a'.repeat(64) },
    });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.text, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
    assert.equal((await raw(s.endpoint, 'HEAD', '/objects/sha')).status, 404, 'nothing stored');
    const acl = await raw(s.endpoint, 'PUT', '/objects?acl', { body: '' });
    assert.equal(acl.status, 501);
    assert.match(acl.text, /<Code>NotImplemented<\/Code>/);
    const patch = await raw(s.endpoint, 'PATCH', '/objects/k');
    assert.equal(patch.status, 405);
    assert.match(patch.text, /<Code>MethodNotAllowed<\/Code>/);
    const badUri = await raw(s.endpoint, 'GET', '/objects/%E0%A4%A');
    assert.match(badUri.text, /<Code>InvalidURI<\/Code>/);
  });

  test('limits: an object over maxObjectBytes is EntityTooLarge and nothing is stored', async () => {
    const small = await startS3Server({ maxObjectBytes: 1000 });
    const sc = sdkClient(small.endpoint);
    try {
      await sc.send(new CreateBucketCommand({ Bucket: 'tiny' }));
      const declared = sc.send(
        new PutObjectCommand({ Bucket: 'tiny', Key: 'big', Body: Buffer.alloc(1001) }),
      );
      assert.deepEqual(await errorOf(declared), { code: 'EntityTooLarge', status: 400 });
      const streamed = sc.send(
        new PutObjectCommand({
          Bucket: 'tiny',
          Key: 'big',
          Body: Readable.from([Buffer.alloc(600), Buffer.alloc(600)]),
          ContentLength: 1200,
        }),
      );
      assert.deepEqual(await errorOf(streamed), { code: 'EntityTooLarge', status: 400 });
      // No length announced (Transfer-Encoding: chunked): refused once the limit is passed.
      const unannounced = await new Promise<string>((resolve, reject) => {
        const req = http.request(`${small.endpoint}/tiny/big`, { method: 'PUT' }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString('utf8');
          });
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.write(Buffer.alloc(800));
        setTimeout(() => req.end(Buffer.alloc(800)), 50);
      });
      assert.match(unannounced, /<Code>EntityTooLarge<\/Code>/);
      await sc.send(
        new PutObjectCommand({ Bucket: 'tiny', Key: 'fits', Body: Buffer.alloc(1000) }),
      );
      const listed = await sc.send(new ListObjectsV2Command({ Bucket: 'tiny' }));
      assert.deepEqual(
        listed.Contents?.map((o) => o.Key),
        ['fits'],
      );
      const tmp = path.join(small.dataDir, 'buckets', 'tmp');
      assert.deepEqual(readdirSync(tmp), [], 'no temp file left');
    } finally {
      sc.destroy();
      await small.close();
    }
  });
});
