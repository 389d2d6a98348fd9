import { pipeline } from 'node:stream/promises';
import type { AwsRequest } from '../aws/request.js';
import type { ObjectRecord } from '../store/index.js';
import { header } from './body-checks.js';
import { checksumHeader } from './checksums.js';
import { type ByteRange, evaluatePreconditions, parseRange } from './conditions.js';
import { s3Error } from './errors.js';
import { objectResponseHeaders, validatorHeaders } from './object-headers.js';
import { baseHeaders, sendEmpty } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';

/**
 * GetObject and HeadObject: preconditions (304 / 412), `Range` or
 * `partNumber` (206, or 416 InvalidRange), `response-*` overrides. The body
 * is streamed from the file opened before the answer starts, so a concurrent
 * overwrite or delete never mixes two versions.
 */
export async function getObject(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  await svc.requireBucket(a.bucket);
  const { rec, fh } = await svc.openObject(a.bucket, a.key);
  let streaming = false;
  try {
    const pre = evaluatePreconditions(r.req.headers, rec.etag, rec.lastModifiedMs);
    if (pre === 'not-modified') return sendEmpty(r, 304, validatorHeaders(rec));
    if (pre === 'failed') throw s3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });

    const headers = objectResponseHeaders(rec, a.query);
    const part = partRange(rec, a.query.get('partNumber'));
    const range = part?.range ?? parseRange(header(r.req.headers, 'range'), rec.sizeBytes);
    if (range === 'unsatisfiable') {
      throw s3Error(
        'InvalidRange',
        undefined,
        { RangeRequested: header(r.req.headers, 'range') ?? '', ActualObjectSize: rec.sizeBytes },
        { 'content-range': `bytes */${rec.sizeBytes}` },
      );
    }
    if (part && rec.partSizesBytes.length > 0) {
      headers['x-amz-mp-parts-count'] = String(part.partsCount);
    }
    const whole = range === null || (range.start === 0 && range.end === rec.sizeBytes - 1);
    if (rec.checksum && whole && header(r.req.headers, 'x-amz-checksum-mode') === 'ENABLED') {
      headers[checksumHeader(rec.checksum.algorithm)] = rec.checksum.value;
    }
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${rec.sizeBytes}`;
    const lengthBytes = range ? range.end - range.start + 1 : rec.sizeBytes;
    r.res.writeHead(range ? 206 : 200, {
      ...baseHeaders(r),
      ...headers,
      'content-length': lengthBytes,
    });
    if (r.req.method === 'HEAD' || lengthBytes === 0) {
      r.res.end();
      return;
    }
    streaming = true;
    const body = fh.createReadStream({
      start: range?.start ?? 0,
      end: range?.end ?? rec.sizeBytes - 1,
      autoClose: true,
    });
    // A client that goes away mid-download is not an error of ours; the stream closes the file.
    await pipeline(body, r.res).catch(() => undefined);
  } finally {
    if (!streaming) await fh.close();
  }
}

/**
 * The bytes of part `partNumber` of a multipart object (a plain object has
 * one part); null without the parameter; InvalidPartNumber past the last part.
 */
function partRange(
  rec: ObjectRecord,
  partNumber: string | null,
): { range: ByteRange | null; partsCount: number } | null {
  if (partNumber === null) return null;
  const n = Number(partNumber);
  const sizes = rec.partSizesBytes.length > 0 ? rec.partSizesBytes : [rec.sizeBytes];
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw s3Error(
      'InvalidArgument',
      'Part number must be an integer between 1 and 10000, inclusive',
      {
        ArgumentName: 'partNumber',
        ArgumentValue: partNumber,
      },
    );
  }
  if (n > sizes.length) throw s3Error('InvalidPartNumber');
  if (rec.partSizesBytes.length === 0) return { range: null, partsCount: 1 };
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  const size = sizes[n - 1] ?? 0;
  return { range: { start, end: start + size - 1 }, partsCount: sizes.length };
}
