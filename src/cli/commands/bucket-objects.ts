import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { CliError } from '../errors.js';
import { formatBytes, out, printJson } from '../output.js';
import { s3Path, s3Request, s3Xml } from '../s3.js';
import { buildXml } from '../xml.js';

/** S3's limit on keys per DeleteObjects request. */
const MAX_KEYS_PER_DELETE = 1000;

const DeleteResult = z.object({
  DeleteResult: z.union([
    z.literal(''),
    z
      .object({
        Error: z
          .array(z.object({ Key: z.string(), Code: z.string(), Message: z.string().optional() }))
          .optional(),
      })
      .loose(),
  ]),
});

/** Where an upload comes from: a file (its size known) or stdin. */
async function uploadSource(file: string): Promise<{ name: string; sizeBytes?: number }> {
  if (file === '-') {
    if (process.stdin.isTTY)
      throw new CliError('stdin is a terminal: pipe the object in, or give a FILE');
    return { name: 'stdin' };
  }
  const s = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  if (!s.isFile()) throw new CliError(`cannot read ${file}: not a file`);
  return { name: file, sizeBytes: s.size };
}

/**
 * PutObject, streaming the file (or stdin) as it is read. The payload is
 * signed as UNSIGNED-PAYLOAD; the ETag S3 answers (the MD5 of what it
 * stored) is checked against the MD5 of what was sent.
 */
async function put(
  ctx: CliContext,
  bucket: string,
  key: string,
  file: string,
  contentType: string | undefined,
): Promise<void> {
  const source = await uploadSource(file);
  const md5 = createHash('md5');
  let sentBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      md5.update(chunk);
      sentBytes += chunk.length;
      cb(null, chunk);
    },
  });
  const input = file === '-' ? process.stdin : createReadStream(file);
  input.on('error', (e: Error) => meter.destroy(e));
  const res = await s3Request(
    ctx,
    s3Path(bucket, key),
    { bucket, key },
    {
      method: 'PUT',
      headers: {
        ...(source.sizeBytes !== undefined ? { 'content-length': String(source.sizeBytes) } : {}),
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      stream: input.pipe(meter),
    },
  );
  const etag = (res.headers.get('etag') ?? '').replace(/"/g, '');
  const sent = md5.digest('hex');
  if (etag && etag !== sent) {
    throw new CliError(
      `the server stored other bytes than were sent (ETag ${etag}, sent MD5 ${sent})`,
    );
  }
  if (ctx.json) return printJson({ Bucket: bucket, Key: key, ETag: etag, SizeBytes: sentBytes });
  out(`uploaded ${source.name} to ${bucket}/${key} (${formatBytes(sentBytes)})`);
}

/** GetObject, streamed to stdout or to a temp file renamed to FILE once whole. */
async function get(ctx: CliContext, bucket: string, key: string, file: string): Promise<void> {
  const target = { bucket, key };
  if (file === '-') {
    await s3Request(ctx, s3Path(bucket, key), target, { sink: () => process.stdout });
    return;
  }
  // Opened first, so a file that cannot be written fails before the download.
  const tmp = `${file}.nimbus-${process.pid}.tmp`;
  const sink = createWriteStream(tmp);
  try {
    await once(sink, 'open');
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let sizeBytes: number;
  try {
    const res = await s3Request(ctx, s3Path(bucket, key), target, { sink: () => sink });
    sizeBytes = Number(res.headers.get('content-length') ?? 0);
    await rename(tmp, file);
  } catch (e) {
    sink.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
  if (ctx.json) return printJson({ Bucket: bucket, Key: key, File: file, SizeBytes: sizeBytes });
  out(`downloaded ${bucket}/${key} to ${file} (${formatBytes(sizeBytes)})`);
}

/**
 * Deletes keys with DeleteObjects, 1000 a request; returns how many went. A
 * key that does not exist counts as deleted, as in S3.
 */
export async function deleteKeys(ctx: CliContext, bucket: string, keys: string[]): Promise<number> {
  const failures: string[] = [];
  for (let i = 0; i < keys.length; i += MAX_KEYS_PER_DELETE) {
    const batch = keys.slice(i, i + MAX_KEYS_PER_DELETE);
    const answer = await s3Xml(ctx, s3Path(bucket), { bucket }, DeleteResult, {
      method: 'POST',
      query: { delete: '' },
      headers: { 'content-type': 'application/xml' },
      body: Buffer.from(
        buildXml('Delete', { Object: batch.map((Key) => ({ Key })), Quiet: 'true' }),
        'utf8',
      ),
    });
    const errors = answer.DeleteResult === '' ? [] : (answer.DeleteResult.Error ?? []);
    failures.push(...errors.map((e) => `${e.Key}: ${e.Code}${e.Message ? ` (${e.Message})` : ''}`));
  }
  if (failures.length > 0) {
    throw new CliError(
      `could not delete ${failures.length} of ${keys.length} objects: ${failures.join('; ')}`,
    );
  }
  return keys.length;
}

/** `nimbus bucket put | get | delete`: objects. */
export function addObjectCommands(bucket: Command): void {
  bucket
    .command('put')
    .description('upload a file (or stdin) as an object')
    .argument('<name>', 'bucket name')
    .argument('<key>', 'object key')
    .argument('[file]', 'file to upload, or - for stdin (the default)', '-')
    .option('--content-type <type>', 'Content-Type to store with it')
    .action(
      async (
        name: string,
        key: string,
        file: string,
        flags: { contentType?: string },
        cmd: Command,
      ) => put(contextFrom(cmd), name, key, file, flags.contentType),
    );
  bucket
    .command('get')
    .description('download an object to a file (or stdout)')
    .argument('<name>', 'bucket name')
    .argument('<key>', 'object key')
    .argument('[file]', 'file to write, or - for stdout (the default)', '-')
    .action(async (name: string, key: string, file: string, _flags: unknown, cmd: Command) =>
      get(contextFrom(cmd), name, key, file),
    );
  bucket
    .command('delete')
    .description('delete objects')
    .argument('<name>', 'bucket name')
    .argument('<keys...>', 'object keys')
    .action(async (name: string, keys: string[], _flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const deleted = await deleteKeys(ctx, name, keys);
      if (ctx.json) return printJson({ Bucket: name, Deleted: keys });
      out(`deleted ${deleted} object${deleted === 1 ? '' : 's'} from ${name}`);
    });
}
