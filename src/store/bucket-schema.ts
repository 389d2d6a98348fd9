/** The object storage's tables (migration 0010-buckets); part of `Database` in schema.ts. */

export interface BucketTables {
  buckets: BucketsTable;
  bucket_objects: BucketObjectsTable;
  bucket_uploads: BucketUploadsTable;
  bucket_parts: BucketPartsTable;
}

export interface BucketsTable {
  name: string;
  region: string;
  created_at_ms: number;
  /** JSON: NotificationRule[]. */
  notifications: string;
}

/** Keys compare as UTF-8 bytes (SQLite's BINARY collation; `COLLATE "C"` on PostgreSQL). */
export interface BucketObjectsTable {
  bucket: string;
  object_key: string;
  file_id: string;
  size_bytes: number;
  etag: string;
  last_modified_ms: number;
  /** JSON: headers, user metadata, checksum, part sizes. */
  config: string;
}

export interface BucketUploadsTable {
  upload_id: string;
  bucket: string;
  object_key: string;
  initiated_at_ms: number;
  /** JSON: headers and user metadata of the object to be. */
  config: string;
}

export interface BucketPartsTable {
  upload_id: string;
  part_number: number;
  file_id: string;
  size_bytes: number;
  etag: string;
  last_modified_ms: number;
  /** JSON ObjectChecksum, or null. */
  checksum: string | null;
}
