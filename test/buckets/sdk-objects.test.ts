import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeEach, describe, test } from 'node:test';
import zlib from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { errorOf, md5Hex, raw, useSdkServer } from './clients.js';
import type { S3TestServer } from './server.js';

describe('conformance: AWS SDK v3 S3 client against the object storage', () => {
  const fixture = useSdkServer('objects');
  let s: S3TestServer;
  let c: S3Client;
  beforeEach(() => {
    s = fixture.server();
    c = fixture.client();
  });

  test('sdk: buckets are created (with a location), listed, headed and deleted only when empty', async () => {
    await c.send(
      new CreateBucketCommand({
        Bucket: 'eu-bucket',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    const loc = await c.send(new GetBucketLocationCommand({ Bucket: 'eu-bucket' }));
    assert.equal(loc.LocationConstraint, 'eu-west-1');
    const usLoc = await c.send(new GetBucketLocationCommand({ Bucket: 'objects' }));
    assert.equal(usLoc.LocationConstraint, undefined, 'us-east-1 is an empty constraint');
    const head = await c.send(new HeadBucketCommand({ Bucket: 'eu-bucket' }));
    assert.equal(head.BucketRegion, 'eu-west-1');
    const names = (await c.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    assert.deepEqual(names, ['eu-bucket', 'objects']);
    await c.send(new PutObjectCommand({ Bucket: 'eu-bucket', Key: 'k', Body: 'x' }));
    assert.deepEqual(await errorOf(c.send(new DeleteBucketCommand({ Bucket: 'eu-bucket' }))), {
      code: 'BucketNotEmpty',
      status: 409,
    });
    await c.send(new DeleteObjectCommand({ Bucket: 'eu-bucket', Key: 'k' }));
    await c.send(new DeleteBucketCommand({ Bucket: 'eu-bucket' }));
    assert.equal(
      (await errorOf(c.send(new HeadBucketCommand({ Bucket: 'eu-bucket' })))).status,
      404,
    );
    assert.deepEqual(await errorOf(c.send(new DeleteBucketCommand({ Bucket: 'eu-bucket' }))), {
      code: 'NoSuchBucket',
      status: 404,
    });
  });

  test('sdk: an existing bucket is BucketAlreadyOwnedByYou; a bad name InvalidBucketName', async () => {
    assert.deepEqual(await errorOf(c.send(new CreateBucketCommand({ Bucket: 'objects' }))), {
      code: 'BucketAlreadyOwnedByYou',
      status: 409,
    });
    const bad = await raw(s.endpoint, 'PUT', '/Bad_Name');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<Code>InvalidBucketName<\/Code>/);
  });

  test('sdk: PutObject stores type, metadata and headers; GetObject and HeadObject return them', async () => {
    const put = await c.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'doc.txt',
        Body: 'hello world',
        ContentType: 'text/plain; charset=utf-8',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="doc.txt"',
        ContentEncoding: 'identity',
        ContentLanguage: 'en',
        Expires: new Date('2030-01-01T00:00:00Z'),
        Metadata: { owner: 'alice', 'x-trace': '42' },
      }),
    );
    assert.equal(put.ETag, `"${md5Hex('hello world')}"`);
    const get = await c.send(new GetObjectCommand({ Bucket: 'objects', Key: 'doc.txt' }));
    assert.equal(await get.Body?.transformToString(), 'hello world');
    assert.equal(get.ContentType, 'text/plain; charset=utf-8');
    assert.equal(get.CacheControl, 'max-age=60');
    assert.equal(get.ContentDisposition, 'attachment; filename="doc.txt"');
    assert.equal(get.ContentEncoding, 'identity');
    assert.equal(get.ContentLanguage, 'en');
    assert.equal(get.ExpiresString, 'Tue, 01 Jan 2030 00:00:00 GMT');
    assert.deepEqual(get.Metadata, { owner: 'alice', 'x-trace': '42' });
    assert.equal(get.ETag, put.ETag);
    assert.equal(get.AcceptRanges, 'bytes');
    const head = await c.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'doc.txt' }));
    assert.equal(head.ContentLength, 11);
    assert.ok(head.LastModified instanceof Date);
    assert.equal(head.LastModified.getTime() % 1000, 0, 'Last-Modified is an RFC 1123 date');
    const override = await c.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'doc.txt', ResponseContentType: 'x/y' }),
    );
    assert.equal(override.ContentType, 'x/y');
    await override.Body?.transformToString();
  });

  test('raw: a signed aws-chunked body is decoded and its trailing checksum checked', async () => {
    const sig = 'f'.repeat(64);
    const crc = (b: Buffer) => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(zlib.crc32(b));
      return out.toString('base64');
    };
    const body = (checksum: string) =>
      `5;chunk-signature=${sig}\r\nhello\r\n6;chunk-signature=${sig}\r\n world\r\n` +
      `0;chunk-signature=${sig}\r\nx-amz-checksum-crc32:${checksum}\r\nx-amz-trailer-signature:${sig}\r\n\r\n`;
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': '11',
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'content-type': 'text/plain',
    };
    const good = await raw(s.endpoint, 'PUT', '/objects/signed', {
      body: body(crc(Buffer.from('hello world'))),
      headers,
    });
    assert.equal(good.status, 200, good.text);
    assert.equal(good.headers.get('x-amz-checksum-crc32'), crc(Buffer.from('hello world')));
    const got = await raw(s.endpoint, 'GET', '/objects/signed');
    assert.equal(got.text, 'hello world');
    assert.equal(got.headers.get('content-encoding'), null, 'aws-chunked is not stored');
    const bad = await raw(s.endpoint, 'PUT', '/objects/signed-bad', {
      body: body('AAAAAA=='),
      headers,
    });
    assert.match(bad.text, /<Code>BadDigest<\/Code>/);
    const short = await raw(s.endpoint, 'PUT', '/objects/signed-bad', {
      body: body(crc(Buffer.from('hello world'))),
      headers: { ...headers, 'x-amz-decoded-content-length': '12' },
    });
    assert.match(short.text, /<Code>IncompleteBody<\/Code>/);
    assert.equal((await raw(s.endpoint, 'HEAD', '/objects/signed-bad')).status, 404);
  });

  test('sdk: a streamed body goes aws-chunked with a CRC32 trailer, checked and returned', async () => {
    const body = Buffer.alloc(300_000, 7);
    const put = await c.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'chunked.bin',
        Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
        ContentLength: body.length,
      }),
    );
    assert.equal(put.ETag, `"${md5Hex(body)}"`);
    assert.ok(put.ChecksumCRC32, 'the verified checksum is echoed');
    const get = await c.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'chunked.bin', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(get.ChecksumCRC32, put.ChecksumCRC32);
    assert.ok(Buffer.from(await get.Body!.transformToByteArray()).equals(body));
    const crc32c = await c.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'crc32c.bin',
        Body: Readable.from([body]),
        ContentLength: body.length,
        ChecksumAlgorithm: 'CRC32C',
      }),
    );
    assert.ok(crc32c.ChecksumCRC32C);
    const wrong = c.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'bad-sum',
        Body: 'abc',
        ChecksumCRC32: 'AAAAAA==',
      }),
    );
    assert.deepEqual(await errorOf(wrong), { code: 'BadDigest', status: 400 });
    const badMd5 = c.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'bad-sum',
        Body: 'abc',
        ContentMD5: createHash('md5').update('abd').digest('base64'),
      }),
    );
    assert.deepEqual(await errorOf(badMd5), { code: 'BadDigest', status: 400 });
    const missing = c.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'bad-sum' }));
    assert.equal((await errorOf(missing)).status, 404, 'nothing stored');
  });

  test('sdk: ranges answer 206 with Content-Range; past the end is 416 InvalidRange', async () => {
    await c.send(new PutObjectCommand({ Bucket: 'objects', Key: 'digits', Body: '0123456789' }));
    const cases: Array<[string, string, string]> = [
      ['bytes=2-4', '234', 'bytes 2-4/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-2', '89', 'bytes 8-9/10'],
      ['bytes=5-100', '56789', 'bytes 5-9/10'],
    ];
    for (const [range, text, contentRange] of cases) {
      const r = await c.send(
        new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: range }),
      );
      assert.equal(await r.Body?.transformToString(), text, range);
      assert.equal(r.ContentRange, contentRange);
      assert.equal(r.$metadata.httpStatusCode, 206);
    }
    const bad = c.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=10-' }),
    );
    assert.deepEqual(await errorOf(bad), { code: 'InvalidRange', status: 416 });
  });

  test('sdk: conditional GETs answer 304 Not Modified and 412 PreconditionFailed', async () => {
    const put = await c.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond', Body: 'c' }));
    const later = new Date(Date.now() + 60_000);
    const notModified = c.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfNoneMatch: put.ETag }),
    );
    assert.equal((await errorOf(notModified)).status, 304);
    const sinceLater = c.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfModifiedSince: later }),
    );
    assert.equal((await errorOf(sinceLater)).status, 304);
    const wrongTag = c.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfMatch: '"nope"' }),
    );
    assert.deepEqual(await errorOf(wrongTag), { code: 'PreconditionFailed', status: 412 });
    const ok = await c.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'cond', IfMatch: put.ETag }),
    );
    assert.equal(await ok.Body?.transformToString(), 'c');
  });

  test('sdk: missing buckets and keys are NoSuchBucket / NoSuchKey; HEAD is a bare 404', async () => {
    assert.deepEqual(
      await errorOf(c.send(new GetObjectCommand({ Bucket: 'objects', Key: 'none' }))),
      {
        code: 'NoSuchKey',
        status: 404,
      },
    );
    assert.deepEqual(
      await errorOf(c.send(new GetObjectCommand({ Bucket: 'no-bucket', Key: 'k' }))),
      {
        code: 'NoSuchBucket',
        status: 404,
      },
    );
    assert.deepEqual(await errorOf(c.send(new ListObjectsV2Command({ Bucket: 'no-bucket' }))), {
      code: 'NoSuchBucket',
      status: 404,
    });
    const put = c.send(new PutObjectCommand({ Bucket: 'no-bucket', Key: 'k', Body: 'x' }));
    assert.deepEqual(await errorOf(put), { code: 'NoSuchBucket', status: 404 });
    const head = await raw(s.endpoint, 'HEAD', '/objects/none');
    assert.equal(head.status, 404);
    assert.equal(head.text, '');
    assert.ok(head.headers.get('x-amz-request-id'));
    const get = await raw(s.endpoint, 'GET', '/objects/none%20here');
    assert.match(
      get.text,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code>/,
    );
    assert.match(get.text, /<Key>none here<\/Key><RequestId>[0-9A-F]+<\/RequestId>/);
  });

  test('sdk: DeleteObject is idempotent; DeleteObjects reports each key, Quiet only failures', async () => {
    for (const k of ['d1', 'd2', 'd3']) {
      await c.send(new PutObjectCommand({ Bucket: 'objects', Key: k, Body: k }));
    }
    const del = await c.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'd1' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const again = await c.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'd1' }));
    assert.equal(again.$metadata.httpStatusCode, 204);
    const many = await c.send(
      new DeleteObjectsCommand({
        Bucket: 'objects',
        Delete: { Objects: [{ Key: 'd2' }, { Key: 'never-was' }, { Key: 'x'.repeat(1100) }] },
      }),
    );
    assert.deepEqual(
      many.Deleted?.map((d) => d.Key),
      ['d2', 'never-was'],
    );
    assert.deepEqual(
      many.Errors?.map((e) => e.Code),
      ['KeyTooLongError'],
    );
    const quiet = await c.send(
      new DeleteObjectsCommand({
        Bucket: 'objects',
        Delete: { Quiet: true, Objects: [{ Key: 'd3' }] },
      }),
    );
    assert.equal(quiet.Deleted, undefined);
    assert.equal(
      (await errorOf(c.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'd3' })))).status,
      404,
    );
  });
});
