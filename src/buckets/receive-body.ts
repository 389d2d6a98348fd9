import { createWriteStream } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AwsRequest } from '../aws/request.js';
import { isNimbusError } from '../shared/errors.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { type BlobFiles, syncFile } from './blob-files.js';
import { BodyChecks, type BodyDigests } from './body-checks.js';
import { s3Error } from './errors.js';

/** A body received whole and checked, waiting in `tmp/` to be committed. */
export interface ReceivedFile extends BodyDigests {
  tmpPath: string;
  sizeBytes: number;
}

/** Largest XML request body (DeleteObjects with 1000 long keys is ~1.1 MB). */
export const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Streams the request body into a new temp file, decoding aws-chunked and
 * checking length, Content-MD5, the payload SHA-256 and any flexible checksum
 * on the way; the file is flushed to disk before this resolves. On any failure
 * the temp file is removed and the S3 error thrown, so nothing is stored.
 */
export async function receiveToFile(
  r: AwsRequest,
  files: BlobFiles,
  maxBytes: number,
): Promise<ReceivedFile> {
  const checks = new BodyChecks(r);
  refuseOversize(checks.declaredBytes, maxBytes);
  const tmpPath = files.tmpPath();
  try {
    const trailers = await streamBody(
      r,
      checks,
      maxBytes,
      createWriteStream(tmpPath, { flags: 'wx' }),
    );
    const digests = checks.finish(trailers);
    await syncFile(tmpPath);
    return { tmpPath, sizeBytes: checks.sizeBytes, ...digests };
  } catch (e) {
    await files.removeTmp(tmpPath);
    throw e;
  }
}

/** Reads a small (XML) body into memory with the same checks; MalformedXML past the limit. */
export async function receiveSmall(r: AwsRequest, maxBytes = MAX_XML_BODY_BYTES): Promise<Buffer> {
  const checks = new BodyChecks(r);
  if (checks.declaredBytes !== null && checks.declaredBytes > maxBytes) {
    throw s3Error('MalformedXML', 'The XML you provided was larger than the maximum allowed.');
  }
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const trailers = await streamBody(r, checks, maxBytes, sink);
  checks.finish(trailers);
  return Buffer.concat(chunks);
}

/** EntityTooLarge when the announced size is over the limit (before reading a byte). */
export function refuseOversize(declaredBytes: number | null, maxBytes: number): void {
  if (declaredBytes !== null && declaredBytes > maxBytes) throw tooLarge(declaredBytes, maxBytes);
}

function tooLarge(proposedBytes: number, maxBytes: number) {
  return s3Error('EntityTooLarge', undefined, {
    ProposedSize: proposedBytes,
    MaxSizeAllowed: maxBytes,
  });
}

/** Pumps the body through the decoder and checks into `sink`; the aws-chunked trailers, if any. */
async function streamBody(
  r: AwsRequest,
  checks: BodyChecks,
  maxBytes: number,
  sink: Writable,
): Promise<ReadonlyMap<string, string> | undefined> {
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (checks.sizeBytes + chunk.length > maxBytes) {
        cb(tooLarge(checks.sizeBytes + chunk.length, maxBytes));
        return;
      }
      checks.update(chunk);
      cb(null, chunk);
    },
  });
  // Not destroyed on failure: the rest is drained below so the error answer still arrives.
  const source = r.req.iterator({ destroyOnReturn: false });
  const decoder = checks.chunked ? new AwsChunkedDecoder() : null;
  try {
    if (decoder) await pipeline(source, decoder, meter, sink);
    else await pipeline(source, meter, sink);
  } catch (e) {
    r.req.resume();
    if (isNimbusError(e)) throw e;
    if (r.req.destroyed || r.req.readableAborted) {
      throw s3Error('IncompleteBody', 'The client closed the connection before the body ended.');
    }
    throw e;
  }
  return decoder?.trailers;
}
