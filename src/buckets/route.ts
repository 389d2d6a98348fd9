import { s3Error } from './errors.js';
import { checkKey } from './names.js';

/** Every operation the object storage carries out. */
export type S3Op =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'HeadBucket'
  | 'GetBucketConfig'
  | 'PutBucketNotification'
  | 'ListObjects'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'GetObjectConfig'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts';

/** One parsed request: the operation and what it acts on. */
export interface S3Action {
  op: S3Op;
  /** Empty for ListBuckets. */
  bucket: string;
  /** Empty for bucket operations. */
  key: string;
  query: URLSearchParams;
  /** The sub-resource of GetBucketConfig / GetObjectConfig (`location`, `acl`, ...). */
  subresource: string;
}

/** Bucket sub-resources answered on GET (with stored state or S3's defaults). */
const BUCKET_GET_CONFIG = new Set([
  'location',
  'notification',
  'versioning',
  'acl',
  'tagging',
  'policy',
  'policyStatus',
  'cors',
  'lifecycle',
  'website',
  'encryption',
  'object-lock',
  'ownershipControls',
  'publicAccessBlock',
  'logging',
  'requestPayment',
  'accelerate',
  'replication',
]);
const OBJECT_GET_CONFIG = new Set(['acl', 'tagging']);
/** Query keys that name a sub-resource we do not implement (anything else is a parameter). */
const UNSUPPORTED = new Set([
  'analytics',
  'attributes',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'metrics',
  'restore',
  'retention',
  'select',
  'torrent',
  'versionId',
  'versions',
]);

/**
 * Tells the operation from method, path (`/<bucket>/<key>`, path style),
 * sub-resource and whether an `x-amz-copy-source` header came along; throws
 * InvalidURI, KeyTooLongError, MethodNotAllowed or NotImplemented.
 */
export function routeS3(method: string, rawUrl: string, copySource: boolean): S3Action {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const slash = rawPath.indexOf('/', 1);
  const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const key = slash < 0 ? '' : decode(rawPath.slice(slash + 1));
  const action = (op: S3Op, subresource = ''): S3Action => ({
    op,
    bucket,
    key,
    query,
    subresource,
  });
  const unsupported = [...query.keys()].find((k) => UNSUPPORTED.has(k));
  if (unsupported && !(unsupported === 'versionId' && query.get('versionId') === 'null')) {
    throw s3Error('NotImplemented', `The ${unsupported} sub-resource is not implemented.`);
  }
  if (bucket === '') {
    if (method === 'GET') return action('ListBuckets');
    throw s3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'SERVICE' });
  }
  if (key === '') return bucketAction(method, query, action);
  checkKey(key);
  return objectAction(method, query, copySource, action);
}

type Make = (op: S3Op, subresource?: string) => S3Action;

function bucketAction(method: string, query: URLSearchParams, action: Make): S3Action {
  const sub = [...BUCKET_GET_CONFIG].find((s) => query.has(s));
  switch (method) {
    case 'GET':
      if (sub) return action('GetBucketConfig', sub);
      if (query.has('uploads')) return action('ListMultipartUploads');
      return action('ListObjects');
    case 'HEAD':
      return action('HeadBucket');
    case 'PUT':
      if (query.has('notification')) return action('PutBucketNotification');
      if (sub) throw notImplemented(`PUT ?${sub}`);
      return action('CreateBucket');
    case 'DELETE':
      if (sub) throw notImplemented(`DELETE ?${sub}`);
      return action('DeleteBucket');
    case 'POST':
      if (query.has('delete')) return action('DeleteObjects');
      throw notImplemented('POST object uploads (HTML forms)');
    default:
      throw s3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'BUCKET' });
  }
}

function objectAction(
  method: string,
  query: URLSearchParams,
  copySource: boolean,
  action: Make,
): S3Action {
  const sub = [...OBJECT_GET_CONFIG].find((s) => query.has(s));
  const uploadId = query.has('uploadId');
  switch (method) {
    case 'GET':
      if (sub) return action('GetObjectConfig', sub);
      return action(uploadId ? 'ListParts' : 'GetObject');
    case 'HEAD':
      return action('HeadObject');
    case 'PUT':
      if (sub) throw notImplemented(`PUT ?${sub}`);
      if (uploadId || query.has('partNumber'))
        return action(copySource ? 'UploadPartCopy' : 'UploadPart');
      return action(copySource ? 'CopyObject' : 'PutObject');
    case 'POST':
      if (query.has('uploads')) return action('CreateMultipartUpload');
      if (uploadId) return action('CompleteMultipartUpload');
      throw notImplemented('POST on an object without ?uploads or ?uploadId');
    case 'DELETE':
      if (sub) throw notImplemented(`DELETE ?${sub}`);
      return action(uploadId ? 'AbortMultipartUpload' : 'DeleteObject');
    default:
      throw s3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'OBJECT' });
  }
}

function notImplemented(what: string) {
  return s3Error('NotImplemented', `${what} is not implemented.`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw s3Error('InvalidURI', undefined, { URI: s });
  }
}
