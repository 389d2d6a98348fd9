import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { formatBytes, formatTable, out, printJson } from '../output.js';
import { decodeListedKey, s3Path, s3Request, s3Xml, splitBucketPath } from '../s3.js';
import { addNotifyCommands } from './bucket-notify.js';
import { addObjectCommands, deleteKeys } from './bucket-objects.js';

/** An element the parser gives as '' when empty. */
const text = z.string().optional();

const BucketList = z.object({
  ListAllMyBucketsResult: z.object({
    Buckets: z
      .union([
        z.literal(''),
        z.object({ Bucket: z.array(z.object({ Name: z.string(), CreationDate: text }).loose()) }),
      ])
      .optional(),
  }),
});

const ObjectPage = z.object({
  ListBucketResult: z
    .object({
      Contents: z
        .array(z.object({ Key: z.string(), Size: z.string(), LastModified: text }).loose())
        .optional(),
      CommonPrefixes: z.array(z.object({ Prefix: z.string() }).loose()).optional(),
      IsTruncated: text,
      NextContinuationToken: text,
    })
    .loose(),
});

/** One object of a listing, keys decoded. */
export interface ListedObject {
  key: string;
  sizeBytes: number;
  lastModified: string;
}

/**
 * Every object under `prefix` (ListObjectsV2, page by page), and with
 * `delimiter` the "folders" one level down.
 */
export async function listObjects(
  ctx: CliContext,
  bucket: string,
  prefix: string,
  delimiter: string | undefined,
): Promise<{ objects: ListedObject[]; prefixes: string[] }> {
  const objects: ListedObject[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = (
      await s3Xml(ctx, s3Path(bucket), { bucket }, ObjectPage, {
        query: {
          'list-type': 2,
          'encoding-type': 'url',
          prefix: prefix || undefined,
          delimiter,
          'continuation-token': token,
        },
      })
    ).ListBucketResult;
    for (const o of page.Contents ?? []) {
      objects.push({
        key: decodeListedKey(o.Key),
        sizeBytes: Number(o.Size),
        lastModified: o.LastModified ?? '',
      });
    }
    prefixes.push(...(page.CommonPrefixes ?? []).map((p) => decodeListedKey(p.Prefix)));
    token = page.IsTruncated === 'true' ? page.NextContinuationToken || undefined : undefined;
  } while (token);
  return { objects, prefixes };
}

/** `2024-05-01T10:00:00.000Z` → `2024-05-01 10:00:00 UTC`. */
function formatIsoTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso || '-';
}

async function listBuckets(ctx: CliContext): Promise<void> {
  const answer = await s3Xml(ctx, '/', { bucket: '' }, BucketList);
  const b = answer.ListAllMyBucketsResult.Buckets;
  const buckets = b === undefined || b === '' ? [] : b.Bucket;
  if (ctx.json) return printJson({ Buckets: buckets });
  if (buckets.length === 0) return out('no buckets (create one with `nimbus bucket create`)');
  out(
    formatTable(
      ['NAME', 'CREATED'],
      buckets.map((x) => [x.Name, formatIsoTime(x.CreationDate ?? '')]),
    ),
  );
}

async function listBucket(ctx: CliContext, where: string, recursive: boolean): Promise<void> {
  const { bucket, prefix } = splitBucketPath(where);
  const { objects, prefixes } = await listObjects(ctx, bucket, prefix, recursive ? undefined : '/');
  if (ctx.json)
    return printJson({ Bucket: bucket, Prefix: prefix, Objects: objects, Prefixes: prefixes });
  if (objects.length === 0 && prefixes.length === 0) {
    return out(prefix ? `no objects under ${prefix} in ${bucket}` : `bucket ${bucket} is empty`);
  }
  const rows = [
    ...prefixes.map((p) => ['', 'DIR', p]),
    ...objects.map((o) => [formatIsoTime(o.lastModified), formatBytes(o.sizeBytes), o.key]),
  ];
  out(formatTable(['LAST MODIFIED', 'SIZE', 'KEY'], rows));
}

async function removeBucket(ctx: CliContext, bucket: string, force: boolean): Promise<void> {
  let emptied = 0;
  if (force) {
    const { objects } = await listObjects(ctx, bucket, '', undefined);
    emptied = await deleteKeys(
      ctx,
      bucket,
      objects.map((o) => o.key),
    );
  }
  await s3Request(ctx, s3Path(bucket), { bucket }, { method: 'DELETE' });
  if (ctx.json) return printJson({ Bucket: bucket, DeletedObjects: emptied });
  out(
    `deleted bucket ${bucket}${force ? ` and its ${emptied} object${emptied === 1 ? '' : 's'}` : ''}`,
  );
}

/** `nimbus bucket create | ls | put | get | delete | rm | notify | notifications | unnotify`: S3 buckets. */
export function bucketCommand(): Command {
  const bucket = new Command('bucket').description(
    'S3-compatible buckets: store and fetch objects, and invoke functions when they change',
  );
  bucket
    .command('create')
    .description('create a bucket')
    .argument('<name>', 'bucket name (3-63 of a-z 0-9 . -)')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await s3Request(ctx, s3Path(name), { bucket: name }, { method: 'PUT' });
      if (ctx.json) return printJson({ Bucket: name, Location: `/${name}` });
      out(`created bucket ${name}`);
    });
  bucket
    .command('ls')
    .alias('list')
    .description('list buckets, or the objects of one (NAME/PREFIX: only keys under PREFIX)')
    .argument('[name]', 'bucket, optionally followed by /PREFIX')
    .option('--recursive', 'every key under the prefix, not one folder level')
    .action(async (name: string | undefined, flags: { recursive?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      if (name === undefined) await listBuckets(ctx);
      else await listBucket(ctx, name, flags.recursive === true);
    });
  addObjectCommands(bucket);
  bucket
    .command('rm')
    .description('delete a bucket (it must be empty unless --force)')
    .argument('<name>', 'bucket name')
    .option('--force', 'delete every object in it first')
    .action(async (name: string, flags: { force?: boolean }, cmd: Command) =>
      removeBucket(contextFrom(cmd), name, flags.force === true),
    );
  addNotifyCommands(bucket);
  return bucket;
}
