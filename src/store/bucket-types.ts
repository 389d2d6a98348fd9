/**
 * What the built-in S3-compatible object storage keeps in the store: buckets
 * (with their notification rules), object metadata, and unfinished multipart
 * uploads with their parts. Object bytes live in files (src/buckets/); a record
 * names its file by `fileId`. See src/buckets/ and docs/s3.md.
 */

/** The flexible checksums S3 clients send (`x-amz-checksum-<name>`), in S3's spelling. */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';

/** A checksum a client sent and the server verified. */
export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 of the digest, as in the `x-amz-checksum-*` header. */
  value: string;
}

/** One filter rule of a notification rule, as the client spelled it (`prefix`, `Suffix`, ...). */
export interface NotificationFilterRule {
  name: string;
  value: string;
}

/** A bucket's Lambda notification (`CloudFunctionConfiguration`). */
export interface NotificationRule {
  id: string;
  functionArn: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, ... */
  events: string[];
  /** At most one `prefix` and one `suffix` rule (names compared case-insensitively). */
  filterRules: NotificationFilterRule[];
}

export interface BucketRecord {
  name: string;
  /** The LocationConstraint it was created with, else the server's region. */
  region: string;
  createdAtMs: number;
  notifications: NotificationRule[];
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  /** The content file's name (src/buckets/blob-files.ts). */
  fileId: string;
  sizeBytes: number;
  /** As S3 reports it, without quotes: MD5 hex, or MD5 of the parts' MD5s + `-<parts>`. */
  etag: string;
  lastModifiedMs: number;
  /** Stored representation headers, lower-case names: content-type, cache-control, expires, ... */
  headers: Record<string, string>;
  /** `x-amz-meta-*` values by lower-case name without the prefix. */
  userMetadata: Record<string, string>;
  /** The whole object's checksum when the client sent one (single PUT only). */
  checksum: ObjectChecksum | null;
  /** Sizes of a multipart object's parts in order; empty for other objects. */
  partSizesBytes: number[];
}

/** An unfinished multipart upload: what CreateMultipartUpload said the object will be. */
export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedAtMs: number;
  headers: Record<string, string>;
  userMetadata: Record<string, string>;
}

export interface PartRecord {
  uploadId: string;
  /** 1..10000 */
  partNumber: number;
  fileId: string;
  sizeBytes: number;
  /** MD5 hex of the part, without quotes. */
  etag: string;
  lastModifiedMs: number;
  checksum: ObjectChecksum | null;
}

/** What happened to a write: the record it replaced, or why nothing was stored. */
export type ObjectWrite =
  | { kind: 'stored'; replaced: ObjectRecord | undefined }
  | { kind: 'no-bucket' };

export interface BucketStore {
  /** false when a bucket of that name exists (nothing changed). */
  createBucket(rec: BucketRecord): Promise<boolean>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  /** By name. */
  listBuckets(): Promise<BucketRecord[]>;
  /**
   * Deletes an empty bucket and its unfinished uploads, in one transaction;
   * `fileIds` are the content files no record names any more.
   */
  deleteBucket(
    name: string,
  ): Promise<{ outcome: 'deleted' | 'missing' | 'not-empty'; fileIds: string[] }>;
  /** Replaces the notification rules; false when there is no such bucket. */
  setNotifications(name: string, rules: NotificationRule[]): Promise<boolean>;

  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Inserts or replaces an object, if its bucket exists, in one transaction. */
  putObject(rec: ObjectRecord): Promise<ObjectWrite>;
  /** Removes an object; the record it had, or undefined when there was none. */
  deleteObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /**
   * Up to `limit` objects whose keys start with `prefix` and sort after `after`,
   * in UTF-8 byte order (as S3 lists them).
   */
  listObjects(
    bucket: string,
    q: { prefix: string; after: string | null; limit: number },
  ): Promise<ObjectRecord[]>;

  /** false when the bucket does not exist (nothing stored). */
  createUpload(rec: UploadRecord): Promise<boolean>;
  getUpload(uploadId: string): Promise<UploadRecord | undefined>;
  /** The bucket's uploads with keys starting with `prefix`, by key then upload id, after the marker. */
  listUploads(
    bucket: string,
    q: { prefix: string; afterKey: string | null; afterUploadId: string | null; limit: number },
  ): Promise<UploadRecord[]>;
  /** Inserts or replaces a part; `no-upload` when the upload is gone (nothing stored). */
  putPart(
    rec: PartRecord,
  ): Promise<{ kind: 'stored'; replaced: PartRecord | undefined } | { kind: 'no-upload' }>;
  /** Parts by number, those numbered above `after`. */
  listParts(uploadId: string, q: { after: number; limit: number }): Promise<PartRecord[]>;
  /**
   * Finishes an upload in one transaction: stores `object`, drops the upload and
   * its parts. Refused (`changed`) when the upload is gone or a part in `used`
   * (part number → file id) was replaced meanwhile. `fileIds`: every part file.
   */
  completeUpload(
    uploadId: string,
    object: ObjectRecord,
    used: Map<number, string>,
  ): Promise<
    { kind: 'stored'; replaced: ObjectRecord | undefined; fileIds: string[] } | { kind: 'changed' }
  >;
  /** Drops an upload and its parts; their file ids, or undefined when there was no such upload. */
  abortUpload(uploadId: string): Promise<string[] | undefined>;
  /** Every content file id a record names (objects and parts): the rest is garbage. */
  fileIds(): Promise<Set<string>>;
}
