import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectRecord } from '../store/index.js';
import { header } from './body-checks.js';
import { s3Error } from './errors.js';
import { httpDate, quoteEtag } from './reply.js';

/** Representation headers stored with an object and returned on GET/HEAD. */
const STORED = [
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'x-amz-website-redirect-location',
] as const;

/** S3's content type when a PUT sends none. */
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** S3's limit on user metadata: names and values together, in bytes. */
const MAX_USER_METADATA_BYTES = 2048;
const META_PREFIX = 'x-amz-meta-';

/** `response-*` query overrides of GetObject, by the header each replaces. */
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** The headers a PUT / CreateMultipartUpload / CopyObject (REPLACE) stores, from the request. */
export function storedHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of STORED) {
    let v = header(h, name);
    if (name === 'content-encoding' && v !== undefined) {
      // aws-chunked frames the upload; it is not how the object is encoded.
      v = v
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '' && e.toLowerCase() !== 'aws-chunked')
        .join(',');
    }
    if (v !== undefined && v !== '') out[name] = v;
  }
  out['content-type'] ??= DEFAULT_CONTENT_TYPE;
  return out;
}

/** `x-amz-meta-*` headers by name without the prefix; MetadataTooLarge past 2 KB. */
export function userMetadata(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith(META_PREFIX) || value === undefined) continue;
    const v = Array.isArray(value) ? value.join(',') : value;
    const short = name.slice(META_PREFIX.length);
    out[short] = v;
    bytes += Buffer.byteLength(short) + Buffer.byteLength(v);
  }
  if (bytes > MAX_USER_METADATA_BYTES) {
    throw s3Error('MetadataTooLarge', undefined, {
      Size: bytes,
      MaxSizeAllowed: MAX_USER_METADATA_BYTES,
    });
  }
  return out;
}

/** The headers GetObject / HeadObject answer with, `response-*` overrides applied. */
export function objectResponseHeaders(
  rec: ObjectRecord,
  query: URLSearchParams,
): Record<string, string> {
  const out: Record<string, string> = {
    'last-modified': httpDate(rec.lastModifiedMs),
    etag: quoteEtag(rec.etag),
    'accept-ranges': 'bytes',
    ...rec.headers,
  };
  for (const [name, value] of Object.entries(rec.userMetadata))
    out[`${META_PREFIX}${name}`] = value;
  for (const [param, name] of Object.entries(OVERRIDES)) {
    const v = query.get(param);
    if (v !== null) out[name] = v;
  }
  return out;
}

/** ETag and Last-Modified only (for 304 Not Modified). */
export function validatorHeaders(rec: ObjectRecord): Record<string, string> {
  return { etag: quoteEtag(rec.etag), 'last-modified': httpDate(rec.lastModifiedMs) };
}
