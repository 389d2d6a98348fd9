import { s3Error } from './errors.js';

/** S3's longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4_LIKE = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Throws InvalidBucketName unless `name` follows S3's general-purpose bucket
 * rules: 3–63 lower-case letters, digits, dots and hyphens, starting and ending
 * with a letter or digit, no `..`, not an IP address, no reserved prefix or suffix.
 */
export function checkBucketName(name: string): void {
  const ok =
    BUCKET_NAME.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !IPV4_LIKE.test(name) &&
    !name.startsWith('xn--') &&
    !name.startsWith('sthree-') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3');
  if (!ok) throw s3Error('InvalidBucketName', undefined, { BucketName: name });
}

/** Throws KeyTooLongError for keys over 1024 UTF-8 bytes. */
export function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw s3Error('KeyTooLongError', undefined, {
      Size: Buffer.byteLength(key, 'utf8'),
      MaxSizeAllowed: MAX_KEY_BYTES,
    });
  }
}

const FORM_EXTRA: Record<string, string> = {
  '!': '%21',
  "'": '%27',
  '(': '%28',
  ')': '%29',
  '~': '%7E',
};

/**
 * Encodes a key the way S3 does in event notifications and `encoding-type=url`
 * listings: form encoding (space as `+`, like Java's URLEncoder) with `/` kept.
 * Clients decode it with `unquote_plus` (botocore) or the equivalent.
 *
 * @example
 * s3UrlEncode('photos/Happy Face (1).jpg') // 'photos/Happy+Face+%281%29.jpg'
 */
export function s3UrlEncode(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()~]/g, (c) => FORM_EXTRA[c] ?? c);
}
