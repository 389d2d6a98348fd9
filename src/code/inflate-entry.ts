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

/**
 * Entries up to this size are inflated in one synchronous call into memory:
 * a zlib stream per entry costs ~0.4 ms, which dominates a node_modules of
 * 10,000 small files. Bigger entries stream.
 */
const WHOLE_ENTRY_MAX_BYTES = 1024 * 1024;
const STORED = 0;

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
 * Inflates the entries of one zip, counting every byte that comes out
 * against one budget (headers are not trusted: a lying entry is stopped at
 * its declared size, and the total at `limitBytes`) and checking CRC-32s.
 * A damaged entry becomes an InvalidParameterValueException naming it.
 */
export class EntryInflater {
  readonly #zip: Buffer;
  readonly #zipfile: ZipFile;
  readonly #limitBytes: number;
  #remainingBytes: number;

  constructor(zip: Buffer, zipfile: ZipFile, limitBytes: number) {
    this.#zip = zip;
    this.#zipfile = zipfile;
    this.#limitBytes = limitBytes;
    this.#remainingBytes = limitBytes;
  }

  /** Small entries are read whole with `readWhole`; others must go through `pipe`. */
  isSmall(entry: Entry): boolean {
    return entry.uncompressedSize <= WHOLE_ENTRY_MAX_BYTES;
  }

  /** Inflates a small entry into memory. */
  async readWhole(entry: Entry, name: string): Promise<Buffer> {
    if (!this.isSmall(entry)) throw new Error(`${name} is too big to read whole; pipe it`);
    let dataStart: number;
    try {
      dataStart = (await this.#zipfile.readLocalFileHeaderPromise(entry, { minimal: true }))
        .fileDataStart;
    } catch (err) {
      throw damaged(name, err);
    }
    const dataEnd = dataStart + entry.compressedSize;
    if (dataEnd > this.#zip.length) throw damaged(name, 'its data runs past the end of the zip');
    const raw = this.#zip.subarray(dataStart, dataEnd);
    let data = raw;
    if (entry.compressionMethod !== STORED) {
      try {
        // maxOutputLength stops a lying header after its declared size, not after the bomb.
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
      } catch (err) {
        if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') throw inflatesTooMuch(entry, name);
        throw damaged(name, err);
      }
    }
    if (data.length > entry.uncompressedSize) throw inflatesTooMuch(entry, name);
    if (data.length < entry.uncompressedSize) {
      throw damaged(
        name,
        `it inflates to ${data.length} of the ${entry.uncompressedSize} bytes its header declares`,
      );
    }
    this.#spend(data.length);
    if (crc32 && crc32(data) !== entry.crc32) throw damaged(name, 'its CRC-32 does not match');
    return data;
  }

  /** Streams an entry of any size into `sink`. */
  async pipe(entry: Entry, name: string, sink: Writable): Promise<void> {
    let source: NodeJS.ReadableStream;
    try {
      source = await this.#zipfile.openReadStreamPromise(entry);
    } catch (err) {
      throw damaged(name, err);
    }
    let sourceError: unknown;
    source.on('error', (err) => {
      sourceError = err;
    });
    let crc = 0;
    const spend = (bytes: number) => this.#spend(bytes);
    async function* meter(chunks: AsyncIterable<Buffer | string>) {
      for await (const data of chunks) {
        // No encoding is set on the inflater, so chunks are Buffers; the type allows strings.
        const chunk = typeof data === 'string' ? Buffer.from(data) : data;
        spend(chunk.length);
        if (crc32) crc = crc32(chunk, crc);
        yield chunk;
      }
    }
    try {
      await pipeline(source, meter, sink);
    } catch (err) {
      if (isNimbusError(err) || err !== sourceError) throw err;
      // yauzl's validateEntrySizes check: the header lied about the size (zip bomb shape).
      if (errorMessage(err).startsWith('too many bytes')) throw inflatesTooMuch(entry, name);
      throw damaged(name, err);
    }
    if (crc32 && crc !== entry.crc32) throw damaged(name, 'its CRC-32 does not match');
  }

  #spend(bytes: number): void {
    this.#remainingBytes -= bytes;
    if (this.#remainingBytes < 0) throw unzippedTooLarge(this.#limitBytes);
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

function inflatesTooMuch(entry: Entry, name: string) {
  return fail(
    'InvalidParameterValueException',
    `Zip entry ${quoteName(name)} inflates to more than the ${entry.uncompressedSize} bytes its header declares`,
  );
}

function damaged(name: string, cause: unknown) {
  return fail(
    'InvalidParameterValueException',
    `${NOT_A_ZIP} Zip entry ${quoteName(name)} is damaged: ${errorMessage(cause)}`,
    { cause },
  );
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}
