import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { BucketObjectsTable, BucketPartsTable, BucketUploadsTable } from '../bucket-schema.js';
import type {
  BucketRecord,
  BucketStore,
  NotificationRule,
  ObjectRecord,
  ObjectWrite,
  PartRecord,
  UploadRecord,
} from '../bucket-types.js';
import type { Database } from '../schema.js';

type ObjectConfig = Pick<ObjectRecord, 'headers' | 'userMetadata' | 'checksum' | 'partSizesBytes'>;
type UploadConfig = Pick<UploadRecord, 'headers' | 'userMetadata'>;

/** `BucketStore` on SQLite: `buckets`, `bucket_objects`, `bucket_uploads`, `bucket_parts`. */
export class SqliteBucketStore implements BucketStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createBucket(rec: BucketRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('buckets')
      .values({
        name: rec.name,
        region: rec.region,
        created_at_ms: rec.createdAtMs,
        notifications: JSON.stringify(rec.notifications),
      })
      .onConflict((c) => c.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const row = await this.db
      .selectFrom('buckets')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? bucketFromRow(row) : undefined;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const rows = await this.db.selectFrom('buckets').selectAll().orderBy('name').execute();
    return rows.map(bucketFromRow);
  }

  async deleteBucket(
    name: string,
  ): Promise<{ outcome: 'deleted' | 'missing' | 'not-empty'; fileIds: string[] }> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await bucketExists(tx, name))) return { outcome: 'missing', fileIds: [] };
      const anObject = await tx
        .selectFrom('bucket_objects')
        .select('object_key')
        .where('bucket', '=', name)
        .limit(1)
        .executeTakeFirst();
      if (anObject) return { outcome: 'not-empty', fileIds: [] };
      const uploads = tx
        .selectFrom('bucket_uploads')
        .select('upload_id')
        .where('bucket', '=', name);
      const parts = await tx
        .selectFrom('bucket_parts')
        .select('file_id')
        .where('upload_id', 'in', uploads)
        .execute();
      await tx.deleteFrom('bucket_parts').where('upload_id', 'in', uploads).execute();
      await tx.deleteFrom('bucket_uploads').where('bucket', '=', name).execute();
      await tx.deleteFrom('buckets').where('name', '=', name).execute();
      return { outcome: 'deleted', fileIds: parts.map((p) => p.file_id) };
    });
  }

  async setNotifications(name: string, rules: NotificationRule[]): Promise<boolean> {
    const r = await this.db
      .updateTable('buckets')
      .set({ notifications: JSON.stringify(rules) })
      .where('name', '=', name)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return selectObject(this.db, bucket, key);
  }

  async putObject(rec: ObjectRecord): Promise<ObjectWrite> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await bucketExists(tx, rec.bucket))) return { kind: 'no-bucket' };
      return { kind: 'stored', replaced: await upsertObject(tx, rec) };
    });
  }

  async deleteObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const old = await selectObject(tx, bucket, key);
      if (old) {
        await tx
          .deleteFrom('bucket_objects')
          .where('bucket', '=', bucket)
          .where('object_key', '=', key)
          .execute();
      }
      return old;
    });
  }

  async listObjects(
    bucket: string,
    q: { prefix: string; after: string | null; limit: number },
  ): Promise<ObjectRecord[]> {
    let query = this.db.selectFrom('bucket_objects').selectAll().where('bucket', '=', bucket);
    if (q.prefix !== '') {
      // `>=` lets the primary key narrow the scan; substr (in characters) does the match.
      const chars = [...q.prefix].length;
      query = query
        .where('object_key', '>=', q.prefix)
        .where(sql<string>`substr(object_key, 1, ${chars})`, '=', q.prefix);
    }
    if (q.after !== null) query = query.where('object_key', '>', q.after);
    const rows = await query.orderBy('object_key').limit(q.limit).execute();
    return rows.map(objectFromRow);
  }

  async createUpload(rec: UploadRecord): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await bucketExists(tx, rec.bucket))) return false;
      const config: UploadConfig = { headers: rec.headers, userMetadata: rec.userMetadata };
      await tx
        .insertInto('bucket_uploads')
        .values({
          upload_id: rec.uploadId,
          bucket: rec.bucket,
          object_key: rec.key,
          initiated_at_ms: rec.initiatedAtMs,
          config: JSON.stringify(config),
        })
        .execute();
      return true;
    });
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const row = await this.db
      .selectFrom('bucket_uploads')
      .selectAll()
      .where('upload_id', '=', uploadId)
      .executeTakeFirst();
    return row ? uploadFromRow(row) : undefined;
  }

  async listUploads(
    bucket: string,
    q: { prefix: string; afterKey: string | null; afterUploadId: string | null; limit: number },
  ): Promise<UploadRecord[]> {
    let query = this.db.selectFrom('bucket_uploads').selectAll().where('bucket', '=', bucket);
    if (q.prefix !== '') {
      const chars = [...q.prefix].length;
      query = query.where(sql<string>`substr(object_key, 1, ${chars})`, '=', q.prefix);
    }
    const { afterKey, afterUploadId } = q;
    if (afterKey !== null) {
      query = query.where((eb) =>
        afterUploadId === null
          ? eb('object_key', '>', afterKey)
          : eb.or([
              eb('object_key', '>', afterKey),
              eb.and([eb('object_key', '=', afterKey), eb('upload_id', '>', afterUploadId)]),
            ]),
      );
    }
    const rows = await query.orderBy('object_key').orderBy('upload_id').limit(q.limit).execute();
    return rows.map(uploadFromRow);
  }

  async putPart(
    rec: PartRecord,
  ): Promise<{ kind: 'stored'; replaced: PartRecord | undefined } | { kind: 'no-upload' }> {
    return this.db.transaction().execute(async (tx) => {
      const upload = await tx
        .selectFrom('bucket_uploads')
        .select('upload_id')
        .where('upload_id', '=', rec.uploadId)
        .executeTakeFirst();
      if (!upload) return { kind: 'no-upload' };
      const old = await tx
        .selectFrom('bucket_parts')
        .selectAll()
        .where('upload_id', '=', rec.uploadId)
        .where('part_number', '=', rec.partNumber)
        .executeTakeFirst();
      const row = partToRow(rec);
      await tx
        .insertInto('bucket_parts')
        .values(row)
        .onConflict((c) => c.columns(['upload_id', 'part_number']).doUpdateSet(row))
        .execute();
      return { kind: 'stored', replaced: old ? partFromRow(old) : undefined };
    });
  }

  async listParts(uploadId: string, q: { after: number; limit: number }): Promise<PartRecord[]> {
    const rows = await this.db
      .selectFrom('bucket_parts')
      .selectAll()
      .where('upload_id', '=', uploadId)
      .where('part_number', '>', q.after)
      .orderBy('part_number')
      .limit(q.limit)
      .execute();
    return rows.map(partFromRow);
  }

  async completeUpload(
    uploadId: string,
    object: ObjectRecord,
    used: Map<number, string>,
  ): Promise<
    { kind: 'stored'; replaced: ObjectRecord | undefined; fileIds: string[] } | { kind: 'changed' }
  > {
    return this.db.transaction().execute(async (tx) => {
      const upload = await tx
        .selectFrom('bucket_uploads')
        .select('upload_id')
        .where('upload_id', '=', uploadId)
        .executeTakeFirst();
      if (!upload || !(await bucketExists(tx, object.bucket))) return { kind: 'changed' };
      const parts = await tx
        .selectFrom('bucket_parts')
        .select(['part_number', 'file_id'])
        .where('upload_id', '=', uploadId)
        .execute();
      const now = new Map(parts.map((p) => [Number(p.part_number), p.file_id]));
      for (const [n, fileId] of used) if (now.get(n) !== fileId) return { kind: 'changed' };
      const replaced = await upsertObject(tx, object);
      await tx.deleteFrom('bucket_parts').where('upload_id', '=', uploadId).execute();
      await tx.deleteFrom('bucket_uploads').where('upload_id', '=', uploadId).execute();
      return { kind: 'stored', replaced, fileIds: parts.map((p) => p.file_id) };
    });
  }

  async abortUpload(uploadId: string): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .deleteFrom('bucket_uploads')
        .where('upload_id', '=', uploadId)
        .executeTakeFirst();
      if (r.numDeletedRows === 0n) return undefined;
      const parts = await tx
        .selectFrom('bucket_parts')
        .select('file_id')
        .where('upload_id', '=', uploadId)
        .execute();
      await tx.deleteFrom('bucket_parts').where('upload_id', '=', uploadId).execute();
      return parts.map((p) => p.file_id);
    });
  }

  async fileIds(): Promise<Set<string>> {
    const objects = await this.db.selectFrom('bucket_objects').select('file_id').execute();
    const parts = await this.db.selectFrom('bucket_parts').select('file_id').execute();
    return new Set([...objects, ...parts].map((r) => r.file_id));
  }
}

async function bucketExists(db: Kysely<Database>, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('buckets')
    .select('name')
    .where('name', '=', name)
    .executeTakeFirst();
  return row !== undefined;
}

async function selectObject(
  db: Kysely<Database>,
  bucket: string,
  key: string,
): Promise<ObjectRecord | undefined> {
  const row = await db
    .selectFrom('bucket_objects')
    .selectAll()
    .where('bucket', '=', bucket)
    .where('object_key', '=', key)
    .executeTakeFirst();
  return row ? objectFromRow(row) : undefined;
}

/** Inserts or replaces (inside the caller's transaction); returns the replaced record. */
async function upsertObject(
  tx: Transaction<Database>,
  rec: ObjectRecord,
): Promise<ObjectRecord | undefined> {
  const old = await selectObject(tx, rec.bucket, rec.key);
  const row = objectToRow(rec);
  await tx
    .insertInto('bucket_objects')
    .values(row)
    .onConflict((c) => c.columns(['bucket', 'object_key']).doUpdateSet(row))
    .execute();
  return old;
}

function bucketFromRow(row: {
  name: string;
  region: string;
  created_at_ms: number;
  notifications: string;
}): BucketRecord {
  return {
    name: row.name,
    region: row.region,
    // bigint columns come back as strings from PostgreSQL.
    createdAtMs: Number(row.created_at_ms),
    notifications: JSON.parse(row.notifications) as NotificationRule[],
  };
}

function objectToRow(rec: ObjectRecord): BucketObjectsTable {
  const config: ObjectConfig = {
    headers: rec.headers,
    userMetadata: rec.userMetadata,
    checksum: rec.checksum,
    partSizesBytes: rec.partSizesBytes,
  };
  return {
    bucket: rec.bucket,
    object_key: rec.key,
    file_id: rec.fileId,
    size_bytes: rec.sizeBytes,
    etag: rec.etag,
    last_modified_ms: rec.lastModifiedMs,
    config: JSON.stringify(config),
  };
}

function objectFromRow(row: Selectable<BucketObjectsTable>): ObjectRecord {
  const config = JSON.parse(row.config) as ObjectConfig;
  return {
    bucket: row.bucket,
    key: row.object_key,
    fileId: row.file_id,
    sizeBytes: Number(row.size_bytes),
    etag: row.etag,
    lastModifiedMs: Number(row.last_modified_ms),
    ...config,
  };
}

function uploadFromRow(row: Selectable<BucketUploadsTable>): UploadRecord {
  const config = JSON.parse(row.config) as UploadConfig;
  return {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.object_key,
    initiatedAtMs: Number(row.initiated_at_ms),
    ...config,
  };
}

function partToRow(rec: PartRecord): BucketPartsTable {
  return {
    upload_id: rec.uploadId,
    part_number: rec.partNumber,
    file_id: rec.fileId,
    size_bytes: rec.sizeBytes,
    etag: rec.etag,
    last_modified_ms: rec.lastModifiedMs,
    checksum: rec.checksum ? JSON.stringify(rec.checksum) : null,
  };
}

function partFromRow(row: Selectable<BucketPartsTable>): PartRecord {
  return {
    uploadId: row.upload_id,
    partNumber: Number(row.part_number),
    fileId: row.file_id,
    sizeBytes: Number(row.size_bytes),
    etag: row.etag,
    lastModifiedMs: Number(row.last_modified_ms),
    checksum: row.checksum === null ? null : (JSON.parse(row.checksum) as PartRecord['checksum']),
  };
}
