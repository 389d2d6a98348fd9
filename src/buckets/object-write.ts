import type { AwsRequest } from '../aws/request.js';
import type { ObjectRecord } from '../store/index.js';
import { checksumResponseHeader, header } from './body-checks.js';
import { s3Error } from './errors.js';
import { storedHeaders, userMetadata } from './object-headers.js';
import { receiveToFile } from './receive-body.js';
import { quoteEtag, sendEmpty } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';

/**
 * PutObject: the body goes to a temp file (checked whole: length, MD5,
 * SHA-256, flexible checksum, size limit), is renamed into place, and only
 * then does the metadata commit make it the object. `If-None-Match: *` and
 * `If-Match` (conditional writes) are checked just before the commit.
 */
export async function putObject(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  await svc.requireBucket(a.bucket);
  const headers = storedHeaders(r.req.headers);
  const meta = userMetadata(r.req.headers);
  const body = await receiveToFile(r, svc.files, svc.maxObjectBytes);
  const fileId = svc.files.newId();
  try {
    await checkWriteConditions(svc, r, a);
    await svc.files.commit(body.tmpPath, fileId);
  } catch (e) {
    await svc.files.removeTmp(body.tmpPath);
    throw e;
  }
  const rec: ObjectRecord = {
    bucket: a.bucket,
    key: a.key,
    fileId,
    sizeBytes: body.sizeBytes,
    etag: body.md5.toString('hex'),
    lastModifiedMs: svc.clock.now(),
    headers,
    userMetadata: meta,
    checksum: body.checksum,
    partSizesBytes: [],
  };
  await svc.commitObject(rec, 'ObjectCreated:Put', r);
  sendEmpty(r, 200, {
    etag: quoteEtag(rec.etag),
    ...(body.checksum ? Object.fromEntries([checksumResponseHeader(body.checksum)]) : {}),
  });
}

/** DeleteObject: 204 whether or not the key existed (notifications only when it did). */
export async function deleteObject(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  await svc.requireBucket(a.bucket);
  await svc.removeObject(a.bucket, a.key, r);
  sendEmpty(r, 204);
}

/** S3's conditional writes: `If-None-Match: *` (only create) and `If-Match: "<etag>"`. */
async function checkWriteConditions(svc: BucketService, r: AwsRequest, a: S3Action) {
  const ifNoneMatch = header(r.req.headers, 'if-none-match');
  const ifMatch = header(r.req.headers, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return;
  const current = await svc.store.getObject(a.bucket, a.key);
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*' && current) {
    throw s3Error('PreconditionFailed', undefined, { Condition: 'If-None-Match' });
  }
  if (ifMatch !== undefined) {
    if (!current) throw s3Error('NoSuchKey', undefined, { Key: a.key });
    if (ifMatch.trim().replace(/^"|"$/g, '') !== current.etag) {
      throw s3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
    }
  }
}
