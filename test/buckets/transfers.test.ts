import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { aws, KEYS, python } from './clients.js';
import { type S3TestServer, startS3Server } from './server.js';

const MIB = 1024 * 1024;

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes `sizeBytes` random bytes to `file` a MiB at a time; the S3 multipart ETag for `partBytes` parts. */
async function writeRandomFile(
  file: string,
  sizeBytes: number,
  partBytes: number,
): Promise<string> {
  const fh = await open(file, 'w');
  const partMd5s: Buffer[] = [];
  let part = createHash('md5');
  try {
    for (let written = 0; written < sizeBytes; written += MIB) {
      const chunk = randomBytes(Math.min(MIB, sizeBytes - written));
      await fh.write(chunk);
      part.update(chunk);
      if ((written + chunk.length) % partBytes === 0 || written + chunk.length === sizeBytes) {
        partMd5s.push(part.digest());
        part = createHash('md5');
      }
    }
  } finally {
    await fh.close();
  }
  return `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}`;
}

// boto3 with explicit endpoint, region and path-style addressing; prints one JSON document.
const BOTO3_SCRIPT = `
import io, json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
c = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',
                 config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
keys = json.loads(sys.argv[2])
out = {}
c.create_bucket(Bucket='boto-bucket', CreateBucketConfiguration={'LocationConstraint': 'eu-central-1'})
out['location'] = c.get_bucket_location(Bucket='boto-bucket')['LocationConstraint']
for k in keys:
    c.put_object(Bucket='boto-bucket', Key=k, Body=('body:' + k).encode(), Metadata={'origin': 'boto3'})
out['bodies'] = {k: c.get_object(Bucket='boto-bucket', Key=k)['Body'].read().decode() for k in keys}
out['listed'] = [o['Key'] for o in c.list_objects_v2(Bucket='boto-bucket')['Contents']]
out['listedV1'] = [o['Key'] for o in c.list_objects(Bucket='boto-bucket')['Contents']]
top = c.list_objects_v2(Bucket='boto-bucket', Delimiter='/')
out['prefixes'] = [p['Prefix'] for p in top.get('CommonPrefixes', [])]
r = c.get_object(Bucket='boto-bucket', Key=keys[1], Range='bytes=5-9')
out['range'] = [r['ResponseMetadata']['HTTPStatusCode'], r['ContentRange'], r['Body'].read().decode()]
out['metadata'] = c.head_object(Bucket='boto-bucket', Key=keys[2])['Metadata']
c.copy_object(Bucket='boto-bucket', Key='copied ✓', CopySource={'Bucket': 'boto-bucket', 'Key': keys[4]})
out['copied'] = c.get_object(Bucket='boto-bucket', Key='copied ✓')['Body'].read().decode()
big = bytes(range(256)) * (6 * 1024 * 4)
from boto3.s3.transfer import TransferConfig
c.upload_fileobj(io.BytesIO(big), 'boto-bucket', 'multi part', Config=TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024))
down = io.BytesIO()
c.download_fileobj('boto-bucket', 'multi part', down, Config=TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=5*1024*1024))
out['multipart'] = [down.getvalue() == big, c.head_object(Bucket='boto-bucket', Key='multi part')['ETag']]
d = c.delete_objects(Bucket='boto-bucket', Delete={'Objects': [{'Key': k} for k in keys]})
out['deleted'] = sorted(x['Key'] for x in d.get('Deleted', []))
try:
    c.get_object(Bucket='boto-bucket', Key=keys[0])
except ClientError as e:
    out['missing'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
print(json.dumps(out))
`;

describe('conformance: boto3, and 100 MB transfers with the AWS CLI', () => {
  let s: S3TestServer;
  let work: string;
  before(async () => {
    s = await startS3Server();
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-s3-big-'));
  });
  after(async () => {
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('aws s3 cp: 100 MB up (multipart, 8 MB parts) and down, byte for byte', {
    timeout: 110_000,
  }, async () => {
    await aws(s.endpoint, ['s3', 'mb', 's3://big-bucket']);
    const up = path.join(work, 'up.bin');
    const etag = await writeRandomFile(up, 100 * MIB, 8 * MIB);
    await aws(
      s.endpoint,
      ['s3', 'cp', up, 's3://big-bucket/data/big file.bin', '--only-show-errors'],
      100_000,
    );
    const head = JSON.parse(
      (
        await aws(s.endpoint, [
          's3api',
          'head-object',
          '--bucket',
          'big-bucket',
          '--key',
          'data/big file.bin',
        ])
      ).toString(),
    ) as { ETag: string; ContentLength: number };
    assert.equal(head.ETag, `"${etag}"`);
    assert.equal(head.ContentLength, 100 * MIB);
    const downFile = path.join(work, 'down.bin');
    await aws(
      s.endpoint,
      ['s3', 'cp', 's3://big-bucket/data/big file.bin', downFile, '--only-show-errors'],
      100_000,
    );
    const expected = await sha256File(up);
    assert.equal(await sha256File(downFile), expected);
    rmSync(downFile);
    const piped = await aws(
      s.endpoint,
      ['s3', 'cp', 's3://big-bucket/data/big file.bin', '-'],
      100_000,
    );
    assert.equal(createHash('sha256').update(piped).digest('hex'), expected);
    rmSync(up);
    await aws(s.endpoint, ['s3', 'rb', 's3://big-bucket', '--force']);
  });

  test('boto3: keys, listings (url-encoded), ranges, metadata, copies, multipart and deletes', {
    timeout: 100_000,
  }, async () => {
    const out = (await python(BOTO3_SCRIPT, [s.endpoint, JSON.stringify(KEYS)])) as Record<
      string,
      unknown
    >;
    assert.equal(out.location, 'eu-central-1');
    assert.deepEqual(out.bodies, Object.fromEntries(KEYS.map((k) => [k, `body:${k}`])));
    assert.deepEqual(
      out.listed,
      [...KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    assert.deepEqual(out.listedV1, out.listed);
    assert.deepEqual(out.prefixes, ['a/', 'ünïcödé/']);
    assert.deepEqual(out.range, [206, 'bytes 5-9/19', 'with ']);
    assert.deepEqual(out.metadata, { origin: 'boto3' });
    assert.equal(out.copied, `body:${KEYS[4]}`);
    const [same, etag] = out.multipart as [boolean, string];
    assert.equal(same, true);
    assert.match(etag, /^"[0-9a-f]{32}-2"$/);
    assert.deepEqual(out.deleted, [...KEYS].sort());
    assert.deepEqual(out.missing, ['NoSuchKey', 404]);
  });
});
