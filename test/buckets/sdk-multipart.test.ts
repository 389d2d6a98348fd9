import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { sdkClient } from './clients.js';
import { type S3TestServer, startS3Server } from './server.js';

const MIB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest();

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, `-<count>`. */
function multipartEtag(parts: Buffer[]): string {
  return `"${createHash('md5')
    .update(Buffer.concat(parts.map(md5)))
    .digest('hex')}-${parts.length}"`;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return e.name;
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** Every content file on disk (objects and parts). */
function contentFiles(s: S3TestServer): string[] {
  const dir = path.join(s.dataDir, 'buckets', 'files');
  return readdirSync(dir).flatMap((shard) => readdirSync(path.join(dir, shard)));
}

describe('conformance: multipart uploads with the AWS SDK v3', () => {
  let s: S3TestServer;
  let c: S3Client;
  before(async () => {
    s = await startS3Server({ maxObjectBytes: 20 * MIB });
    c = sdkClient(s.endpoint);
    await c.send(new CreateBucketCommand({ Bucket: 'mpu' }));
  });
  after(async () => {
    c.destroy();
    await s.close();
  });

  async function upload(key: string, parts: Buffer[], opts: { contentType?: string } = {}) {
    const created = await c.send(
      new CreateMultipartUploadCommand({
        Bucket: 'mpu',
        Key: key,
        ...(opts.contentType ? { ContentType: opts.contentType } : {}),
        Metadata: { kind: 'multi' },
      }),
    );
    const uploadId = created.UploadId!;
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      const r = await c.send(
        new UploadPartCommand({
          Bucket: 'mpu',
          Key: key,
          UploadId: uploadId,
          PartNumber: i + 1,
          Body: body,
        }),
      );
      etags.push(r.ETag!);
    }
    return { uploadId, etags };
  }

  test('multipart: parts upload, list, and complete into one object with the S3 ETag', async () => {
    const parts = [randomBytes(5 * MIB), randomBytes(5 * MIB), randomBytes(1234)];
    const { uploadId, etags } = await upload('big file.bin', parts, {
      contentType: 'application/x-big',
    });
    assert.equal(etags[0], `"${md5(parts[0]!).toString('hex')}"`);
    const listed = await c.send(
      new ListPartsCommand({ Bucket: 'mpu', Key: 'big file.bin', UploadId: uploadId }),
    );
    assert.deepEqual(
      listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]),
      [
        [1, 5 * MIB, etags[0]],
        [2, 5 * MIB, etags[1]],
        [3, 1234, etags[2]],
      ],
    );
    const paged = await c.send(
      new ListPartsCommand({ Bucket: 'mpu', Key: 'big file.bin', UploadId: uploadId, MaxParts: 2 }),
    );
    assert.equal(paged.IsTruncated, true);
    assert.equal(paged.NextPartNumberMarker, '2');
    const uploads = await c.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }));
    assert.deepEqual(
      uploads.Uploads?.map((u) => [u.Key, u.UploadId]),
      [['big file.bin', uploadId]],
    );
    const done = await c.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpu',
        Key: 'big file.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    assert.equal(done.ETag, multipartEtag(parts));
    assert.equal(done.Key, 'big file.bin');
    const got = await c.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'big file.bin' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts)));
    assert.equal(got.ContentType, 'application/x-big');
    assert.deepEqual(got.Metadata, { kind: 'multi' });
    assert.equal(got.ETag, done.ETag);
    const part2 = await c.send(
      new GetObjectCommand({ Bucket: 'mpu', Key: 'big file.bin', PartNumber: 2 }),
    );
    assert.equal(part2.PartsCount, 3);
    assert.ok(Buffer.from(await part2.Body!.transformToByteArray()).equals(parts[1]!));
    assert.equal(
      (await c.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }))).Uploads,
      undefined,
    );
    assert.equal(contentFiles(s).length, 1, 'the part files are gone, one object file remains');
  });

  test('multipart: InvalidPartOrder, InvalidPart, EntityTooSmall, NoSuchUpload; abort removes parts', async () => {
    const parts = [randomBytes(1024), randomBytes(1024)];
    const { uploadId, etags } = await upload('bad', parts);
    const complete = (list: Array<{ ETag: string; PartNumber: number }>, id = uploadId) =>
      c.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'mpu',
          Key: 'bad',
          UploadId: id,
          MultipartUpload: { Parts: list },
        }),
      );
    const [e1 = '', e2 = ''] = etags;
    assert.equal(
      await codeOf(
        complete([
          { ETag: e2, PartNumber: 2 },
          { ETag: e1, PartNumber: 1 },
        ]),
      ),
      'InvalidPartOrder',
    );
    assert.equal(await codeOf(complete([{ ETag: '"0000"', PartNumber: 1 }])), 'InvalidPart');
    assert.equal(await codeOf(complete([{ ETag: e1, PartNumber: 7 }])), 'InvalidPart');
    assert.equal(
      await codeOf(
        complete([
          { ETag: e1, PartNumber: 1 },
          { ETag: e2, PartNumber: 2 },
        ]),
      ),
      'EntityTooSmall',
    );
    assert.equal(await codeOf(complete([{ ETag: e1, PartNumber: 1 }], 'nope')), 'NoSuchUpload');
    const before = contentFiles(s).length;
    await c.send(
      new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'bad', UploadId: uploadId }),
    );
    assert.equal(contentFiles(s).length, before - 2);
    assert.equal(
      await codeOf(
        c.send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'bad', UploadId: uploadId })),
      ),
      'NoSuchUpload',
    );
    const part = c.send(
      new UploadPartCommand({
        Bucket: 'mpu',
        Key: 'bad',
        UploadId: uploadId,
        PartNumber: 1,
        Body: 'x',
      }),
    );
    assert.equal(await codeOf(part), 'NoSuchUpload');
    const badNumber = c.send(
      new UploadPartCommand({
        Bucket: 'mpu',
        Key: 'bad',
        UploadId: uploadId,
        PartNumber: 10001,
        Body: 'x',
      }),
    );
    assert.equal(await codeOf(badNumber), 'InvalidArgument');
  });

  test('multipart: a re-uploaded part replaces the earlier one; UploadPartCopy copies ranges', async () => {
    const source = randomBytes(6 * MIB);
    await c.send(new PutObjectCommand({ Bucket: 'mpu', Key: 'source', Body: source }));
    const created = await c.send(
      new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'assembled' }),
    );
    const uploadId = created.UploadId!;
    const first = await c.send(
      new UploadPartCopyCommand({
        Bucket: 'mpu',
        Key: 'assembled',
        UploadId: uploadId,
        PartNumber: 1,
        CopySource: 'mpu/source',
        CopySourceRange: `bytes=0-${5 * MIB - 1}`,
      }),
    );
    assert.equal(
      first.CopyPartResult?.ETag,
      `"${md5(source.subarray(0, 5 * MIB)).toString('hex')}"`,
    );
    await c.send(
      new UploadPartCommand({
        Bucket: 'mpu',
        Key: 'assembled',
        UploadId: uploadId,
        PartNumber: 2,
        Body: 'old',
      }),
    );
    const tail = await c.send(
      new UploadPartCommand({
        Bucket: 'mpu',
        Key: 'assembled',
        UploadId: uploadId,
        PartNumber: 2,
        Body: 'tail',
      }),
    );
    await c.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpu',
        Key: 'assembled',
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { ETag: first.CopyPartResult?.ETag, PartNumber: 1 },
            { ETag: tail.ETag, PartNumber: 2 },
          ],
        },
      }),
    );
    const got = await c.send(new GetObjectCommand({ Bucket: 'mpu', Key: 'assembled' }));
    const expected = Buffer.concat([source.subarray(0, 5 * MIB), Buffer.from('tail')]);
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(expected));
  });

  test('multipart: a completed object over maxObjectBytes is EntityTooLarge and not stored', async () => {
    const parts = [Buffer.alloc(8 * MIB, 1), Buffer.alloc(8 * MIB, 2), Buffer.alloc(8 * MIB, 3)];
    const { uploadId, etags } = await upload('too-big', parts);
    const complete = c.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'mpu',
        Key: 'too-big',
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    assert.equal(await codeOf(complete), 'EntityTooLarge');
    assert.equal(
      await codeOf(c.send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'too-big' }))),
      'NotFound',
    );
    await c.send(
      new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'too-big', UploadId: uploadId }),
    );
  });
});
