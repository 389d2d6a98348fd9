import { createHash } from 'node:crypto';
import type { AwsRequest } from '../aws/request.js';
import type { ObjectRecord, PartRecord } from '../store/index.js';
import { writeSegments } from './copy-range.js';
import { s3Error } from './errors.js';
import { MAX_PART_NUMBER, requireUpload } from './multipart.js';
import { receiveSmall } from './receive-body.js';
import { quoteEtag, sendXml } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';
import { children, childText, childTree, parseXml, xmlDocument } from './xml.js';

/** S3's smallest part, except the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/** A part as the client lists it in CompleteMultipartUpload. */
interface ListedPart {
  partNumber: number;
  etag: string;
}

/**
 * CompleteMultipartUpload: checks the listed parts (ascending, uploaded, ETags
 * matching, all but the last ≥ 5 MiB, total within the object limit), joins
 * their files into one, and commits the object and the end of the upload in
 * one transaction. The ETag is S3's: MD5 of the parts' binary MD5s, `-<count>`.
 */
export async function completeUpload(
  svc: BucketService,
  r: AwsRequest,
  a: S3Action,
): Promise<void> {
  const upload = await requireUpload(svc, a);
  const listed = parsePartList(parseXml(await receiveSmall(r)));
  const stored = new Map(
    (await svc.store.listParts(upload.uploadId, { after: 0, limit: MAX_PART_NUMBER })).map((p) => [
      p.partNumber,
      p,
    ]),
  );
  const parts = listed.map((l, i) =>
    checkPart(l, stored.get(l.partNumber), i === listed.length - 1),
  );
  const sizeBytes = parts.reduce((sum, p) => sum + p.sizeBytes, 0);
  if (sizeBytes > svc.maxObjectBytes) {
    throw s3Error('EntityTooLarge', undefined, {
      ProposedSize: sizeBytes,
      MaxSizeAllowed: svc.maxObjectBytes,
    });
  }
  const joined = await writeSegments(
    svc,
    parts.map((p) => ({ fileId: p.fileId, start: 0, end: p.sizeBytes - 1 })),
    a.key,
  );
  const fileId = svc.files.newId();
  await svc.files.commit(joined.tmpPath, fileId).catch(async (e: unknown) => {
    await svc.files.removeTmp(joined.tmpPath);
    throw e;
  });
  const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag, 'hex')));
  const rec: ObjectRecord = {
    bucket: a.bucket,
    key: a.key,
    fileId,
    sizeBytes,
    etag: `${createHash('md5').update(md5s).digest('hex')}-${parts.length}`,
    lastModifiedMs: svc.clock.now(),
    headers: upload.headers,
    userMetadata: upload.userMetadata,
    checksum: null,
    partSizesBytes: parts.map((p) => p.sizeBytes),
  };
  const used = new Map(parts.map((p) => [p.partNumber, p.fileId]));
  const done = await svc.store
    .completeUpload(upload.uploadId, rec, used)
    .catch(async (e: unknown) => {
      await svc.files.remove([fileId]);
      throw e;
    });
  if (done.kind === 'changed') {
    await svc.files.remove([fileId]);
    throw s3Error(
      'NoSuchUpload',
      'The upload was aborted, completed or changed while completing.',
      {
        UploadId: upload.uploadId,
      },
    );
  }
  await svc.files.remove(done.fileIds);
  if (done.replaced) await svc.files.remove([done.replaced.fileId]);
  await svc.announce(
    a.bucket,
    {
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      key: a.key,
      object: { sizeBytes, etag: rec.etag },
    },
    r,
  );
  sendXml(
    r,
    200,
    xmlDocument('CompleteMultipartUploadResult', {
      Location: `${r.baseUrl}/${encodeURIComponent(a.bucket)}/${a.key.split('/').map(encodeURIComponent).join('/')}`,
      Bucket: a.bucket,
      Key: a.key,
      ETag: quoteEtag(rec.etag),
    }),
  );
}

function parsePartList(doc: Record<string, unknown>): ListedPart[] {
  const root = childTree(doc, 'CompleteMultipartUpload');
  if (!root) throw s3Error('MalformedXML');
  const listed = children(root, 'Part').map((p) => {
    const n = Number(childText(p, 'PartNumber')?.trim());
    const etag = childText(p, 'ETag');
    if (!Number.isInteger(n) || etag === undefined) throw s3Error('MalformedXML');
    return { partNumber: n, etag: etag.trim().replace(/^"|"$/g, '') };
  });
  if (listed.length === 0) throw s3Error('MalformedXML');
  for (let i = 1; i < listed.length; i++) {
    if (listed[i]!.partNumber <= listed[i - 1]!.partNumber) throw s3Error('InvalidPartOrder');
  }
  return listed;
}

function checkPart(listed: ListedPart, stored: PartRecord | undefined, last: boolean): PartRecord {
  if (!stored || stored.etag !== listed.etag) {
    throw s3Error('InvalidPart', undefined, { PartNumber: listed.partNumber, ETag: listed.etag });
  }
  if (!last && stored.sizeBytes < MIN_PART_BYTES) {
    throw s3Error('EntityTooSmall', undefined, {
      ProposedSize: stored.sizeBytes,
      MinSizeAllowed: MIN_PART_BYTES,
      PartNumber: listed.partNumber,
      ETag: listed.etag,
    });
  }
  return stored;
}
