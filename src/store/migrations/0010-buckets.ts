import type { Kysely, Migration } from 'kysely';

/**
 * The built-in object storage: buckets, object metadata, multipart uploads and
 * their parts. Content lives in files named by `file_id`; a file no row names
 * is garbage (removed when the service opens).
 */
export const bucketsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('buckets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('region', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('notifications', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('bucket_objects')
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('object_key', 'text', (c) => c.notNull())
      .addColumn('file_id', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('last_modified_ms', 'bigint', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('bucket_objects_pk', ['bucket', 'object_key'])
      .execute();
    await db.schema
      .createTable('bucket_uploads')
      .addColumn('upload_id', 'text', (c) => c.primaryKey())
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('object_key', 'text', (c) => c.notNull())
      .addColumn('initiated_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('bucket_uploads_by_key')
      .on('bucket_uploads')
      .columns(['bucket', 'object_key', 'upload_id'])
      .execute();
    await db.schema
      .createTable('bucket_parts')
      .addColumn('upload_id', 'text', (c) => c.notNull())
      .addColumn('part_number', 'integer', (c) => c.notNull())
      .addColumn('file_id', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('last_modified_ms', 'bigint', (c) => c.notNull())
      .addColumn('checksum', 'text')
      .addPrimaryKeyConstraint('bucket_parts_pk', ['upload_id', 'part_number'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('bucket_parts').execute();
    await db.schema.dropTable('bucket_uploads').execute();
    await db.schema.dropTable('bucket_objects').execute();
    await db.schema.dropTable('buckets').execute();
  },
};
