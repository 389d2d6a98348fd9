import type { BucketStore, ObjectRecord } from '../store/index.js';

/** Sorts after every key that starts with a given prefix (the largest code point). */
const AFTER_ALL = '\u{10FFFF}';
/** Rows fetched per store query while a page fills. */
const BATCH = 1000;

export interface ListQuery {
  prefix: string;
  /** '' for none. */
  delimiter: string;
  maxKeys: number;
  /** List what sorts after this key (exclusive); a common prefix skips its whole group. */
  after: string | null;
}

/** One page: objects and common prefixes, in key order, at most `maxKeys` of both together. */
export interface ListPage {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix of the page: where the next page starts after. */
  last: string | null;
}

/**
 * The common prefix `key` rolls up into (prefix + up to and including the
 * first delimiter after it), or null when it is listed as itself.
 */
export function commonPrefixOf(key: string, prefix: string, delimiter: string): string | null {
  if (delimiter === '' || !key.startsWith(prefix)) return null;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? null : key.slice(0, i + delimiter.length);
}

/**
 * Fills one page of ListObjects(V2). Keys under a common prefix are skipped
 * with one query (past every key starting with it), so a folder of a million
 * objects costs one row, not a million.
 */
export async function listPage(
  store: BucketStore,
  bucket: string,
  q: ListQuery,
): Promise<ListPage> {
  const page: ListPage = { contents: [], commonPrefixes: [], truncated: false, last: null };
  let cursor = q.after;
  // A marker that is itself a common prefix continues after its whole group.
  if (cursor !== null && commonPrefixOf(cursor, q.prefix, q.delimiter) === cursor) {
    cursor += AFTER_ALL;
  }
  const count = () => page.contents.length + page.commonPrefixes.length;
  if (q.maxKeys === 0) return page;
  for (;;) {
    if (count() >= q.maxKeys) {
      const more = await store.listObjects(bucket, { prefix: q.prefix, after: cursor, limit: 1 });
      page.truncated = more.length > 0;
      return page;
    }
    const batch = await store.listObjects(bucket, {
      prefix: q.prefix,
      after: cursor,
      limit: BATCH,
    });
    let skipped = false;
    for (const obj of batch) {
      if (count() >= q.maxKeys) break;
      const cp = commonPrefixOf(obj.key, q.prefix, q.delimiter);
      if (cp === null) {
        page.contents.push(obj);
        page.last = obj.key;
        cursor = obj.key;
        continue;
      }
      if (cp !== page.last) {
        page.commonPrefixes.push(cp);
        page.last = cp;
        cursor = cp + AFTER_ALL;
        skipped = true;
        break;
      }
      // A key sorting after cp + AFTER_ALL that still starts with cp: step over it.
      cursor = obj.key;
    }
    if (!skipped && batch.length < BATCH && count() < q.maxKeys) return page;
  }
}
