import type { AwsRequest } from '../aws/request.js';
import type { ObjectRecord } from '../store/index.js';
import { header } from './body-checks.js';
import { evaluatePreconditions } from './conditions.js';
import { s3Error } from './errors.js';
import { checkKey } from './names.js';
import { storedHeaders, userMetadata } from './object-headers.js';
import { isoTime, quoteEtag, sendXml } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';
import { xmlDocument } from './xml.js';

/** Where `x-amz-copy-source` points. */
export interface CopySource {
  bucket: string;
  key: string;
}

/** Reads `x-amz-copy-source` (`/bucket/key` or `bucket/key`, URL-encoded, `?versionId=null` allowed). */
export function parseCopySource(r: AwsRequest): CopySource {
  const raw = header(r.req.headers, 'x-amz-copy-source') ?? '';
  const [path = '', query = ''] = raw.split('?', 2);
  const version = new URLSearchParams(query).get('versionId');
  if (version !== null && version !== 'null') {
    throw s3Error('NotImplemented', 'Versioned copy sources are not implemented.');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, '');
  } catch {
    throw s3Error('InvalidArgument', 'Invalid copy source encoding', {
      ArgumentName: 'x-amz-copy-source',
    });
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw s3Error('InvalidArgument', 'Invalid copy source object key', {
      ArgumentName: 'x-amz-copy-source',
      ArgumentValue: raw,
    });
  }
  const source = { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  checkKey(source.key);
  return source;
}

/** The copy source's record after its `x-amz-copy-source-if-*` conditions (412 when one fails). */
export async function readCopySource(
  svc: BucketService,
  r: AwsRequest,
  source: CopySource,
): Promise<ObjectRecord> {
  await svc.requireBucket(source.bucket);
  const rec = await svc.store.getObject(source.bucket, source.key);
  if (!rec) throw s3Error('NoSuchKey', undefined, { Key: source.key });
  const pre = evaluatePreconditions(
    r.req.headers,
    rec.etag,
    rec.lastModifiedMs,
    'x-amz-copy-source-',
  );
  if (pre !== 'proceed') {
    throw s3Error('PreconditionFailed', undefined, { Condition: 'x-amz-copy-source-If-Match' });
  }
  return rec;
}

/**
 * CopyObject: the new object shares the source's file through a hard link
 * (files never change once written), so a copy costs no bytes; metadata is
 * the source's (`COPY`) or the request's (`REPLACE`).
 */
export async function copyObject(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const source = parseCopySource(r);
  const directive = (header(r.req.headers, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw s3Error('InvalidArgument', 'Unknown metadata directive.', {
      ArgumentName: 'x-amz-metadata-directive',
      ArgumentValue: directive,
    });
  }
  if (source.bucket === a.bucket && source.key === a.key && directive === 'COPY') {
    throw s3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  await svc.requireBucket(a.bucket);
  const fileId = svc.files.newId();
  let src = await readCopySource(svc, r, source);
  // The source may be replaced between reading its record and linking its file: read again.
  for (let attempt = 1; !(await svc.files.linkCopy(src.fileId, fileId)); attempt++) {
    const again = await svc.store.getObject(source.bucket, source.key);
    if (!again) throw s3Error('NoSuchKey', undefined, { Key: source.key });
    if (attempt >= 3)
      throw s3Error('InternalError', `${source.key} changed too often to be copied.`);
    src = again;
  }
  const replace = directive === 'REPLACE';
  const rec: ObjectRecord = {
    ...src,
    bucket: a.bucket,
    key: a.key,
    fileId,
    lastModifiedMs: svc.clock.now(),
    headers: replace ? storedHeaders(r.req.headers) : src.headers,
    userMetadata: replace ? userMetadata(r.req.headers) : src.userMetadata,
  };
  await svc.commitObject(rec, 'ObjectCreated:Copy', r);
  sendXml(
    r,
    200,
    xmlDocument('CopyObjectResult', {
      LastModified: isoTime(rec.lastModifiedMs),
      ETag: quoteEtag(rec.etag),
    }),
  );
}
