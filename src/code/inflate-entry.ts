import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';
import { fail } from '../shared/error-codes.js';
import { isNimbusError } from '../shared/errors.js';
import { quoteName } from './entry-path.js';

/** Lambda's answer to anything that is not a readable zip. */
export const NOT_A_ZIP =
  'Could not unzip uploaded file. Please check your file, then try to upload again.';

/** Bytes still allowed to come out of the inflater, shared by every entry of one zip. */
export interface InflateBudget {
  readonly limitBytes: number;
  remainingBytes: number;
}

type Crc32 = (data: Buffer, value?: number) => number;
// zlib.crc32 arrived in Node 20.15 / 22.2; on older Nodes the CRC check is skipped
// (sizes are still enforced), so the lookup must tolerate its absence.
const crc32 = (zlib as { crc32?: Crc32 }).crc32;

/** The error for an uncompressed total above the limit, in Lambda's words. */
export function unzippedTooLarge(limitBytes: number) {
  return fail(
    'InvalidParameterValueException',
    `Unzipped size must be smaller than ${limitBytes} bytes`,
  );
}

/**
 * Streams one entry's inflated bytes into `sink`, counting them against the
 * budget as they come (headers are not trusted) and checking the CRC-32.
 * A damaged entry becomes an InvalidParameterValueException that names it.
 */
export async function inflateEntry(
  zipfile: ZipFile,
  entry: Entry,
  name: string,
  budget: InflateBudget,
  sink: Writable,
): Promise<void> {
  let source: NodeJS.ReadableStream;
  try {
    source = await zipfile.openReadStreamPromise(entry);
  } catch (err) {
    throw damaged(entry, name, err);
  }
  let sourceError: unknown;
  source.on('error', (err) => {
    sourceError = err;
  });
  let crc = 0;
  async function* meter(chunks: AsyncIterable<Buffer | string>) {
    for await (const data of chunks) {
      // No encoding is set on the inflater, so chunks are Buffers; the type allows strings.
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      budget.remainingBytes -= chunk.length;
      if (budget.remainingBytes < 0) throw unzippedTooLarge(budget.limitBytes);
      if (crc32) crc = crc32(chunk, crc);
      yield chunk;
    }
  }
  try {
    await pipeline(source, meter, sink);
  } catch (err) {
    if (isNimbusError(err) || err !== sourceError) throw err;
    throw damaged(entry, name, err);
  }
  if (crc32 && crc !== entry.crc32) {
    throw damaged(entry, name, new Error('CRC-32 does not match the zip header'));
  }
}

/** A sink that drops everything: inflating only to validate. */
export function discardSink(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/** A sink that keeps everything in memory, for small entries such as symlink targets. */
export function collectSink(): { sink: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

function damaged(entry: Entry, name: string, cause: unknown) {
  const reason = cause instanceof Error ? cause.message : String(cause);
  // yauzl's validateEntrySizes check: the header lied about the size (zip bomb shape).
  if (reason.startsWith('too many bytes in the stream')) {
    return fail(
      'InvalidParameterValueException',
      `Zip entry ${quoteName(name)} inflates to more than the ${entry.uncompressedSize} bytes its header declares`,
      { cause },
    );
  }
  return fail(
    'InvalidParameterValueException',
    `${NOT_A_ZIP} Zip entry ${quoteName(name)} is damaged: ${reason}`,
    { cause },
  );
}
