/**
 * The built-in S3-compatible object storage (docs/s3.md): buckets and objects
 * over the S3 REST protocol (path style), multipart uploads, and bucket
 * notifications that invoke Lambda functions.
 */
export { S3_ERRORS, type S3ErrorCode, s3Error } from './errors.js';
export { handleS3Request } from './handler.js';
export { sendS3Error } from './reply.js';
export { BucketService, type BucketServiceOptions } from './service.js';
export { type StandaloneS3, s3Listener, startStandaloneS3 } from './standalone.js';
