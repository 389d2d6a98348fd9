import type { z } from 'zod';
import { encodeRfc3986 } from '../shared/sigv4.js';
import { type ApiResponse, checkAnswer, type RequestOptions } from './client.js';
import type { CliContext } from './context.js';
import { CliError, rewordError } from './errors.js';
import { parseXml } from './xml.js';

/** What a request acts on, so its errors can name it. */
export interface S3Target {
  bucket: string;
  key?: string;
}

/** S3 error codes in the user's words. */
const WORDS: Record<string, (t: S3Target) => string> = {
  NoSuchBucket: (t) => `no such bucket: ${t.bucket}`,
  NoSuchKey: (t) => `no such key: ${t.key ?? ''} in bucket ${t.bucket}`,
  BucketNotEmpty: (t) =>
    `bucket ${t.bucket} is not empty: delete its objects first, or use \`nimbus bucket rm ${t.bucket} --force\``,
  BucketAlreadyOwnedByYou: (t) => `bucket ${t.bucket} already exists`,
  InvalidBucketName: (t) =>
    `invalid bucket name ${JSON.stringify(t.bucket)}: use 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit`,
  KeyTooLongError: (t) => `key too long (${t.key?.length} characters): at most 1024 bytes of UTF-8`,
};

/**
 * `/<bucket>[/<key>]`, path style, each segment percent-encoded once: S3
 * signs the path exactly as sent.
 * @example s3Path('photos', 'a b/ü.jpg') // '/photos/a%20b/%C3%BC.jpg'
 */
export function s3Path(bucket: string, key?: string): string {
  const path = `/${encodeRfc3986(bucket)}`;
  return key === undefined ? path : `${path}/${key.split('/').map(encodeRfc3986).join('/')}`;
}

/** Sends one S3 request (signed for `s3` when the CLI has credentials); errors name `target`. */
export async function s3Request(
  ctx: CliContext,
  path: string,
  target: S3Target,
  opts: RequestOptions = {},
): Promise<ApiResponse> {
  try {
    return await ctx.client.request(path, { ...opts, service: 's3' });
  } catch (e) {
    const words = e instanceof CliError && e.code && WORDS[e.code];
    throw words ? rewordError(e, words(target)) : e;
  }
}

/** Sends one S3 request and checks its XML answer against `schema`. */
export async function s3Xml<S extends z.ZodType>(
  ctx: CliContext,
  path: string,
  target: S3Target,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.output<S>> {
  const res = await s3Request(ctx, path, target, opts);
  return checkAnswer(path, schema, parseXml(res.body.toString('utf8')));
}

/**
 * `NAME` or `NAME/PREFIX` (as in `nimbus bucket ls photos/2024/`) → bucket and prefix.
 * @example splitBucketPath('photos/2024/') // { bucket: 'photos', prefix: '2024/' }
 */
export function splitBucketPath(text: string): { bucket: string; prefix: string } {
  const slash = text.indexOf('/');
  return slash < 0
    ? { bucket: text, prefix: '' }
    : { bucket: text.slice(0, slash), prefix: text.slice(slash + 1) };
}

/** Keys in listings asked for with `encoding-type=url`: form-encoded, `+` for a space. */
export function decodeListedKey(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}
