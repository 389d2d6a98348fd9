import type { AwsRequest } from '../aws/request.js';
import type { UploadRecord } from '../store/index.js';
import { checksumResponseHeader, header } from './body-checks.js';
import { parseAlgorithm } from './checksums.js';
import { parseCopySource, readCopySource } from './copy-object.js';
import { copyRangeToFile } from './copy-range.js';
import { s3Error } from './errors.js';
import { intParam, owner } from './list-objects.js';
import { storedHeaders, userMetadata } from './object-headers.js';
import { type ReceivedFile, receiveToFile } from './receive-body.js';
import { isoTime, quoteEtag, sendEmpty, sendXml } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';
import { xmlDocument } from './xml.js';

/** S3's largest part. */
export const MAX_PART_BYTES = 5 * 1024 ** 3;
/** S3's highest part number. */
export const MAX_PART_NUMBER = 10_000;

/** CreateMultipartUpload: records what the object will be; the upload id names it from now on. */
export async function createUpload(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const upload: UploadRecord = {
    uploadId: svc.ids.hex(16),
    bucket: a.bucket,
    key: a.key,
    initiatedAtMs: svc.clock.now(),
    headers: storedHeaders(r.req.headers),
    userMetadata: userMetadata(r.req.headers),
  };
  if (!(await svc.store.createUpload(upload))) {
    throw s3Error('NoSuchBucket', undefined, { BucketName: a.bucket });
  }
  const algorithm = parseAlgorithm(header(r.req.headers, 'x-amz-checksum-algorithm'));
  sendXml(
    r,
    200,
    xmlDocument('InitiateMultipartUploadResult', {
      Bucket: a.bucket,
      Key: a.key,
      UploadId: upload.uploadId,
    }),
    algorithm ? { 'x-amz-checksum-algorithm': algorithm } : {},
  );
}

/** The upload named by `?uploadId`, if it belongs to this bucket and key; else NoSuchUpload. */
export async function requireUpload(svc: BucketService, a: S3Action): Promise<UploadRecord> {
  const uploadId = a.query.get('uploadId') ?? '';
  const upload = uploadId === '' ? undefined : await svc.store.getUpload(uploadId);
  if (!upload || upload.bucket !== a.bucket || upload.key !== a.key) {
    await svc.requireBucket(a.bucket);
    throw s3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  }
  return upload;
}

function partNumber(a: S3Action): number {
  const raw = a.query.get('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER) {
    throw s3Error(
      'InvalidArgument',
      'Part number must be an integer between 1 and 10000, inclusive',
      {
        ArgumentName: 'partNumber',
        ArgumentValue: raw,
      },
    );
  }
  return n;
}

/** UploadPart: the body, checked like a PutObject's, becomes part N (replacing an earlier part N). */
export async function uploadPart(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const n = partNumber(a);
  const upload = await requireUpload(svc, a);
  const body = await receiveToFile(r, svc.files, Math.min(svc.maxObjectBytes, MAX_PART_BYTES));
  const etag = await commitPart(svc, upload, n, body);
  sendEmpty(r, 200, {
    etag: quoteEtag(etag),
    ...(body.checksum ? Object.fromEntries([checksumResponseHeader(body.checksum)]) : {}),
  });
}

/** UploadPartCopy: part N is a byte range (`x-amz-copy-source-range`) of another object. */
export async function uploadPartCopy(
  svc: BucketService,
  r: AwsRequest,
  a: S3Action,
): Promise<void> {
  const n = partNumber(a);
  const upload = await requireUpload(svc, a);
  const src = await readCopySource(svc, r, parseCopySource(r));
  const body = await copyRangeToFile(svc, src, header(r.req.headers, 'x-amz-copy-source-range'));
  const etag = await commitPart(svc, upload, n, body);
  sendXml(
    r,
    200,
    xmlDocument('CopyPartResult', {
      LastModified: isoTime(svc.clock.now()),
      ETag: quoteEtag(etag),
    }),
  );
}

async function commitPart(
  svc: BucketService,
  upload: UploadRecord,
  n: number,
  body: ReceivedFile,
): Promise<string> {
  const fileId = svc.files.newId();
  await svc.files.commit(body.tmpPath, fileId).catch(async (e: unknown) => {
    await svc.files.removeTmp(body.tmpPath);
    throw e;
  });
  const etag = body.md5.toString('hex');
  const write = await svc.store.putPart({
    uploadId: upload.uploadId,
    partNumber: n,
    fileId,
    sizeBytes: body.sizeBytes,
    etag,
    lastModifiedMs: svc.clock.now(),
    checksum: body.checksum,
  });
  if (write.kind === 'no-upload') {
    await svc.files.remove([fileId]);
    throw s3Error('NoSuchUpload', undefined, { UploadId: upload.uploadId });
  }
  if (write.replaced) await svc.files.remove([write.replaced.fileId]);
  return etag;
}

/** AbortMultipartUpload: drops the upload and its parts' files. */
export async function abortUpload(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const upload = await requireUpload(svc, a);
  const fileIds = await svc.store.abortUpload(upload.uploadId);
  if (!fileIds) throw s3Error('NoSuchUpload', undefined, { UploadId: upload.uploadId });
  await svc.files.remove(fileIds);
  sendEmpty(r, 204);
}

/** ListParts: the upload's parts by number, `max-parts` / `part-number-marker` paging. */
export async function listParts(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const upload = await requireUpload(svc, a);
  const maxParts = intParam(a.query, 'max-parts', 1000);
  const marker = intParam(a.query, 'part-number-marker', MAX_PART_NUMBER);
  const after = a.query.has('part-number-marker') ? marker : 0;
  const parts = await svc.store.listParts(upload.uploadId, { after, limit: maxParts + 1 });
  const page = parts.slice(0, maxParts);
  const me = owner(svc.accountId);
  sendXml(
    r,
    200,
    xmlDocument('ListPartsResult', {
      Bucket: a.bucket,
      Key: a.key,
      UploadId: upload.uploadId,
      PartNumberMarker: after,
      NextPartNumberMarker: page.at(-1)?.partNumber ?? after,
      MaxParts: maxParts,
      IsTruncated: parts.length > maxParts,
      Part: page.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: isoTime(p.lastModifiedMs),
        ETag: quoteEtag(p.etag),
        Size: p.sizeBytes,
      })),
      Initiator: me,
      Owner: me,
      StorageClass: 'STANDARD',
    }),
  );
}

/** ListMultipartUploads: the bucket's unfinished uploads by key, `prefix` and marker paging. */
export async function listUploads(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  await svc.requireBucket(a.bucket);
  const maxUploads = intParam(a.query, 'max-uploads', 1000);
  const keyMarker = a.query.get('key-marker') || null;
  const uploadIdMarker = keyMarker ? a.query.get('upload-id-marker') || null : null;
  const uploads = await svc.store.listUploads(a.bucket, {
    prefix: a.query.get('prefix') ?? '',
    afterKey: keyMarker,
    afterUploadId: uploadIdMarker,
    limit: maxUploads + 1,
  });
  const page = uploads.slice(0, maxUploads);
  const truncated = uploads.length > maxUploads;
  const me = owner(svc.accountId);
  sendXml(
    r,
    200,
    xmlDocument('ListMultipartUploadsResult', {
      Bucket: a.bucket,
      KeyMarker: keyMarker ?? '',
      UploadIdMarker: uploadIdMarker ?? '',
      NextKeyMarker: truncated ? page.at(-1)?.key : undefined,
      NextUploadIdMarker: truncated ? page.at(-1)?.uploadId : undefined,
      Prefix: a.query.get('prefix') ?? undefined,
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      Upload: page.map((u) => ({
        Key: u.key,
        UploadId: u.uploadId,
        Initiator: me,
        Owner: me,
        StorageClass: 'STANDARD',
        Initiated: isoTime(u.initiatedAtMs),
      })),
    }),
  );
}
