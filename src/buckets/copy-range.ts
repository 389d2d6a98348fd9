import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { ObjectRecord } from '../store/index.js';
import { syncFile } from './blob-files.js';
import { s3Error } from './errors.js';
import type { ReceivedFile } from './receive-body.js';
import type { BucketService } from './service.js';

/** A byte range of a content file (inclusive end; `end < start` for none of it). */
export interface Segment {
  fileId: string;
  start: number;
  end: number;
}

/**
 * Writes the segments, in order, into one new temp file (flushed to disk) and
 * returns it with its MD5. NoSuchKey when a file vanished meanwhile; the temp
 * file is removed on any failure.
 */
export async function writeSegments(
  svc: BucketService,
  segments: Segment[],
  missingKey: string,
): Promise<ReceivedFile> {
  const tmpPath = svc.files.tmpPath();
  const md5 = createHash('md5');
  let sizeBytes = 0;
  const out = createWriteStream(tmpPath, { flags: 'wx' });
  // Write errors surface through 'drain' and finished(); this keeps them from going unhandled.
  out.on('error', () => undefined);
  try {
    for (const s of segments) {
      const fh = await svc.files.openRead(s.fileId);
      if (!fh) throw s3Error('NoSuchKey', undefined, { Key: missingKey });
      if (s.end < s.start) {
        await fh.close();
        continue;
      }
      for await (const chunk of fh.createReadStream({ start: s.start, end: s.end })) {
        const bytes = chunk as Buffer;
        md5.update(bytes);
        sizeBytes += bytes.length;
        if (!out.write(bytes)) await once(out, 'drain');
      }
    }
    out.end();
    await finished(out);
    await syncFile(tmpPath);
    return { tmpPath, sizeBytes, md5: md5.digest(), checksum: null };
  } catch (e) {
    out.destroy();
    await svc.files.removeTmp(tmpPath);
    throw e;
  }
}

const COPY_RANGE = /^bytes=(\d+)-(\d+)$/;

/** UploadPartCopy's source bytes: all of `src`, or `x-amz-copy-source-range: bytes=a-b`. */
export async function copyRangeToFile(
  svc: BucketService,
  src: ObjectRecord,
  rangeHeader: string | undefined,
): Promise<ReceivedFile> {
  let start = 0;
  let end = src.sizeBytes - 1;
  if (rangeHeader !== undefined) {
    const m = COPY_RANGE.exec(rangeHeader.trim());
    if (!m) {
      throw s3Error(
        'InvalidArgument',
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
        {
          ArgumentName: 'x-amz-copy-source-range',
          ArgumentValue: rangeHeader,
        },
      );
    }
    start = Number(m[1]);
    end = Number(m[2]);
    if (end < start || end >= src.sizeBytes) {
      throw s3Error('InvalidRange', undefined, { ActualObjectSize: src.sizeBytes });
    }
  }
  return writeSegments(svc, [{ fileId: src.fileId, start, end }], src.key);
}
