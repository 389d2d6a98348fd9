import type { FileHandle } from 'node:fs/promises';
import type { AwsRequest } from '../aws/request.js';
import type { Clock } from '../shared/clock.js';
import type { IdGenerator } from '../shared/ids.js';
import type { BucketRecord, BucketStore, ObjectRecord, Store } from '../store/index.js';
import { BlobFiles } from './blob-files.js';
import { s3Error } from './errors.js';
import { type ChangeEventName, Notifier, type ObjectChange } from './notify.js';

/** What the object storage needs from the platform. */
export interface BucketServiceOptions {
  store: Store;
  /** Its own folder (`<dataDir>/buckets`): content files and temp files. */
  dir: string;
  clock: Clock;
  ids: IdGenerator;
  /** The server's region and account (ARNs, default bucket region, owner ids). */
  arn: { region: string; accountId: string };
  /** Largest object: a single PUT body or a completed multipart upload. */
  maxObjectBytes: number;
  /** Whether a notification's target exists (PutBucketNotificationConfiguration checks it). */
  functionExists: (functionArn: string) => Promise<boolean>;
  /** Hands an S3 event (`{"Records":[...]}`) to a function; failures are only logged. */
  deliver: (functionArn: string, payload: Buffer) => Promise<void>;
  log?: (line: string) => void;
}

/** How many times a read retries when the object's file was replaced under it. */
const READ_ATTEMPTS = 3;

/**
 * The built-in S3-compatible object storage: metadata in the store, bytes in
 * files under `dir` (see BlobFiles). `handleS3Request` answers the wire
 * protocol; the platform itself reads objects with `readObject`.
 *
 * @example
 * const s3 = new BucketService({ store, dir: path.join(dataDir, 'buckets'), ... });
 * await s3.open();
 * server.on('request', (req, res) => handleS3Request(s3, toAwsRequest(req, res)));
 */
export class BucketService {
  readonly store: BucketStore;
  readonly files: BlobFiles;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly region: string;
  readonly accountId: string;
  readonly maxObjectBytes: number;
  readonly functionExists: (functionArn: string) => Promise<boolean>;
  readonly log: (line: string) => void;
  #closed = false;

  constructor(opts: BucketServiceOptions) {
    this.store = opts.store.buckets;
    this.files = new BlobFiles(opts.dir, opts.ids);
    this.clock = opts.clock;
    this.ids = opts.ids;
    this.region = opts.arn.region;
    this.accountId = opts.arn.accountId;
    this.maxObjectBytes = opts.maxObjectBytes;
    this.functionExists = opts.functionExists;
    this.log = opts.log ?? (() => {});
    this.notifier = new Notifier({
      clock: opts.clock,
      accountId: opts.arn.accountId,
      deliver: opts.deliver,
      log: this.log,
    });
  }

  /**
   * Recovers after a crash: removes temp files and anything not committed.
   * Call once, before the first request is served (it removes every file no
   * record names, which includes bodies a request is writing right now).
   */
  async open(): Promise<void> {
    await this.files.open();
    const removed = await this.files.collectGarbage(await this.store.fileIds());
    if (removed > 0) this.log(`s3: removed ${removed} uncommitted or replaced object files`);
  }

  /** Whole object as bytes (for CreateFunction Code.S3Bucket/S3Key); throws a NoSuchBucket/NoSuchKey-coded error. */
  async readObject(bucket: string, key: string): Promise<Buffer> {
    await this.requireBucket(bucket);
    const { fh } = await this.openObject(bucket, key);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  /** Stops taking requests (in-flight ones finish; nothing is left half-written on disk). */
  close(): void {
    this.#closed = true;
  }

  /** True once `close()` was called: new requests are refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The bucket, or NoSuchBucket. */
  async requireBucket(name: string): Promise<BucketRecord> {
    const bucket = await this.store.getBucket(name);
    if (!bucket) throw s3Error('NoSuchBucket', undefined, { BucketName: name });
    return bucket;
  }

  /**
   * The object's record and an open handle on its file, or NoSuchKey. A file
   * replaced between reading the record and opening it is retried, so a
   * reader sees either the old or the new object, whole.
   */
  async openObject(bucket: string, key: string): Promise<{ rec: ObjectRecord; fh: FileHandle }> {
    for (let i = 0; i < READ_ATTEMPTS; i++) {
      const rec = await this.store.getObject(bucket, key);
      if (!rec) throw s3Error('NoSuchKey', undefined, { Key: key });
      const fh = await this.files.openRead(rec.fileId);
      if (fh) return { rec, fh };
    }
    throw s3Error('InternalError', `The object ${key} changed too often to be read.`);
  }

  /**
   * Makes `rec` the object at its key: its file (`rec.fileId`, already in
   * place) becomes visible with the metadata commit; the file it replaced is
   * removed afterwards; notifications go out for `eventName`.
   */
  async commitObject(rec: ObjectRecord, eventName: ChangeEventName, r: AwsRequest): Promise<void> {
    const write = await this.store.putObject(rec).catch(async (e: unknown) => {
      await this.files.remove([rec.fileId]);
      throw e;
    });
    if (write.kind === 'no-bucket') {
      await this.files.remove([rec.fileId]);
      throw s3Error('NoSuchBucket', undefined, { BucketName: rec.bucket });
    }
    if (write.replaced && write.replaced.fileId !== rec.fileId) {
      await this.files.remove([write.replaced.fileId]);
    }
    await this.announce(
      rec.bucket,
      {
        eventName,
        key: rec.key,
        object: { sizeBytes: rec.sizeBytes, etag: rec.etag },
      },
      r,
    );
  }

  /** Removes an object (committed first, then its file); true when it existed. */
  async removeObject(bucket: string, key: string, r: AwsRequest): Promise<boolean> {
    const old = await this.store.deleteObject(bucket, key);
    if (!old) return false;
    await this.files.remove([old.fileId]);
    await this.announce(bucket, { eventName: 'ObjectRemoved:Delete', key }, r);
    return true;
  }

  /** Sends notifications for a committed change, reading the bucket's rules as they are now. */
  async announce(bucketName: string, change: ObjectChange, r: AwsRequest): Promise<void> {
    try {
      const bucket = await this.store.getBucket(bucketName);
      if (bucket) this.notifier.notify(bucket, change, r);
    } catch (e) {
      this.log(`s3: notifications for ${bucketName}/${change.key} not sent: ${String(e)}`);
    }
  }
}
