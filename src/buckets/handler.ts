import type { AwsRequest } from '../aws/request.js';
import { isNimbusError } from '../shared/errors.js';
import { header } from './body-checks.js';
import {
  createBucket,
  deleteBucket,
  getBucketConfig,
  headBucket,
  privateAcl,
  putBucketNotification,
} from './bucket-ops.js';
import { copyObject } from './copy-object.js';
import { deleteObjects } from './delete-objects.js';
import { s3Error } from './errors.js';
import { listBuckets, listObjects } from './list-objects.js';
import {
  abortUpload,
  createUpload,
  listParts,
  listUploads,
  uploadPart,
  uploadPartCopy,
} from './multipart.js';
import { completeUpload } from './multipart-complete.js';
import { getObject } from './object-read.js';
import { deleteObject, putObject } from './object-write.js';
import { sendS3Error, sendXml } from './reply.js';
import { routeS3, type S3Action, type S3Op } from './route.js';
import type { BucketService } from './service.js';
import { xmlDocument } from './xml.js';

type Operation = (svc: BucketService, r: AwsRequest, a: S3Action) => Promise<void>;

/** GET ?acl / ?tagging on an object: what S3 reports for an object that never set them. */
const getObjectConfig: Operation = async (svc, r, a) => {
  await svc.requireBucket(a.bucket);
  if (!(await svc.store.getObject(a.bucket, a.key))) {
    throw s3Error('NoSuchKey', undefined, { Key: a.key });
  }
  if (a.subresource === 'acl') return sendXml(r, 200, privateAcl(svc.accountId));
  sendXml(r, 200, xmlDocument('Tagging', { TagSet: '' }));
};

const OPERATIONS: Record<S3Op, Operation> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  DeleteBucket: deleteBucket,
  HeadBucket: headBucket,
  GetBucketConfig: getBucketConfig,
  PutBucketNotification: putBucketNotification,
  ListObjects: listObjects,
  ListMultipartUploads: listUploads,
  DeleteObjects: deleteObjects,
  PutObject: putObject,
  CopyObject: copyObject,
  GetObject: getObject,
  HeadObject: getObject,
  DeleteObject: deleteObject,
  GetObjectConfig: getObjectConfig,
  CreateMultipartUpload: createUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeUpload,
  AbortMultipartUpload: abortUpload,
  ListParts: listParts,
};

/**
 * Answers one S3 request; streams the body from r.req itself (the front door has NOT read it).
 * Never throws: writes S3 XML errors itself. When r.payloadSha256 is set, the body's sha256
 * must equal it, else XAmzContentSHA256Mismatch and nothing stored.
 *
 * @example
 * await handleS3Request(service, { req, res, requestId, region, accountId, baseUrl,
 *   accessKeyId: null, payloadSha256: null });
 */
export async function handleS3Request(service: BucketService, r: AwsRequest): Promise<void> {
  try {
    if (service.closed) throw s3Error('InternalError', 'The object storage is shutting down.');
    const copySource = header(r.req.headers, 'x-amz-copy-source') !== undefined;
    const action = routeS3(r.req.method ?? 'GET', r.req.url ?? '/', copySource);
    await OPERATIONS[action.op](service, r, action);
  } catch (e) {
    if (isNimbusError(e) && e.kind === 'user') {
      sendS3Error(r, e);
    } else {
      service.log(
        `s3: ${r.req.method} ${r.req.url} failed (request ${r.requestId}): ${
          e instanceof Error ? (e.stack ?? e.message) : String(e)
        }`,
      );
      sendS3Error(r, s3Error('InternalError'));
    }
  }
}
