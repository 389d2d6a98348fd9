import { createHash } from 'node:crypto';
import type { AwsRequest } from '../aws/request.js';
import type { ObjectRecord } from '../store/index.js';
import { s3Error } from './errors.js';
import { type ListPage, listPage } from './list-page.js';
import { s3UrlEncode } from './names.js';
import { isoTime, quoteEtag, sendXml } from './reply.js';
import type { S3Action } from './route.js';
import type { BucketService } from './service.js';
import { type XmlTree, xmlDocument } from './xml.js';

/** S3's page size cap (and default) for listings. */
export const MAX_LIST_KEYS = 1000;

/** The owner every bucket and object reports: a canonical id derived from the account. */
export function owner(accountId: string): XmlTree {
  return { ID: createHash('sha256').update(accountId).digest('hex'), DisplayName: 'nimbus' };
}

/** An integer query parameter in 0..cap (default `cap`); InvalidArgument otherwise. */
export function intParam(query: URLSearchParams, name: string, cap: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return cap;
  if (!/^\d+$/.test(raw)) {
    throw s3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  }
  return Math.min(Number(raw), cap);
}

/**
 * ListObjectsV2 (`?list-type=2`) and ListObjects (v1, `marker`): prefix,
 * delimiter → CommonPrefixes, max-keys, continuation-token / start-after /
 * marker, and `encoding-type=url` (keys form-encoded, as clients that ask for
 * it decode them).
 */
export async function listObjects(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  await svc.requireBucket(a.bucket);
  const q = a.query;
  const v2 = q.get('list-type') === '2';
  const encodingType = q.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') {
    throw s3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
      ArgumentValue: encodingType,
    });
  }
  const enc = encodingType === 'url' ? s3UrlEncode : (s: string) => s;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = intParam(q, 'max-keys', MAX_LIST_KEYS);
  const token = q.get('continuation-token');
  const after = v2 ? (token !== null ? decodeToken(token) : q.get('start-after')) : q.get('marker');
  const page = await listPage(svc.store, a.bucket, { prefix, delimiter, maxKeys, after });
  const withOwner = !v2 || q.get('fetch-owner') === 'true';
  const common: XmlTree = {
    Name: a.bucket,
    Prefix: enc(prefix),
    Delimiter: delimiter === '' ? undefined : enc(delimiter),
    MaxKeys: maxKeys,
    EncodingType: encodingType ?? undefined,
    IsTruncated: page.truncated,
  };
  const items = {
    Contents: page.contents.map((o) => contentsEntry(o, enc, withOwner ? svc.accountId : null)),
    CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  };
  const body: XmlTree = v2
    ? {
        ...common,
        KeyCount: page.contents.length + page.commonPrefixes.length,
        ContinuationToken: token ?? undefined,
        NextContinuationToken: nextToken(page),
        StartAfter:
          token === null && q.has('start-after') ? enc(q.get('start-after') ?? '') : undefined,
        ...items,
      }
    : {
        ...common,
        Marker: enc(q.get('marker') ?? ''),
        NextMarker: page.truncated && delimiter !== '' && page.last ? enc(page.last) : undefined,
        ...items,
      };
  sendXml(r, 200, xmlDocument('ListBucketResult', body));
}

function contentsEntry(
  o: ObjectRecord,
  enc: (s: string) => string,
  accountId: string | null,
): XmlTree {
  return {
    Key: enc(o.key),
    LastModified: isoTime(o.lastModifiedMs),
    ETag: quoteEtag(o.etag),
    ...(o.checksum ? { ChecksumAlgorithm: o.checksum.algorithm } : {}),
    Size: o.sizeBytes,
    Owner: accountId === null ? undefined : owner(accountId),
    StorageClass: 'STANDARD',
  };
}

/** Continuation tokens are opaque to clients: the base64url of where the page ended. */
function nextToken(page: ListPage): string | undefined {
  if (!page.truncated || page.last === null) return undefined;
  return Buffer.from(page.last, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const after = Buffer.from(token, 'base64url').toString('utf8');
  if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== token) {
    throw s3Error('InvalidArgument', 'The continuation token provided is incorrect', {
      ArgumentName: 'continuation-token',
    });
  }
  return after;
}

/** ListBuckets (`GET /`): every bucket, by name, with its owner; `prefix` filters. */
export async function listBuckets(svc: BucketService, r: AwsRequest, a: S3Action): Promise<void> {
  const prefix = a.query.get('prefix') ?? '';
  const buckets = (await svc.store.listBuckets()).filter((b) => b.name.startsWith(prefix));
  sendXml(
    r,
    200,
    xmlDocument('ListAllMyBucketsResult', {
      Owner: owner(svc.accountId),
      Buckets: {
        Bucket: buckets.map((b) => ({
          Name: b.name,
          CreationDate: isoTime(b.createdAtMs),
          BucketRegion: b.region,
        })),
      },
    }),
  );
}
