import type { IncomingHttpHeaders } from 'node:http';
import { header } from './body-checks.js';

/** The outcome of a request's preconditions (RFC 9110 §13.2.2 order). */
export type Precondition = 'proceed' | 'not-modified' | 'failed';

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since
 * against an object (or, with `prefix` `x-amz-copy-source-`, a copy source).
 * If-Match decides over If-Unmodified-Since and If-None-Match over
 * If-Modified-Since, as S3 documents.
 */
export function evaluatePreconditions(
  h: IncomingHttpHeaders,
  etag: string,
  lastModifiedMs: number,
  prefix = '',
): Precondition {
  // HTTP dates have whole seconds.
  const modifiedS = Math.floor(lastModifiedMs / 1000);
  const ifMatch = header(h, `${prefix}if-match`);
  const ifUnmodified = dateS(header(h, `${prefix}if-unmodified-since`));
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, etag)) return 'failed';
  } else if (ifUnmodified !== null && modifiedS > ifUnmodified) {
    return 'failed';
  }
  const ifNoneMatch = header(h, `${prefix}if-none-match`);
  const ifModified = dateS(header(h, `${prefix}if-modified-since`));
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, etag)) return 'not-modified';
  } else if (ifModified !== null && modifiedS <= ifModified) {
    return 'not-modified';
  }
  return 'proceed';
}

function etagListMatches(list: string, etag: string): boolean {
  return list
    .split(',')
    .map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
    .some((t) => t === '*' || t === etag);
}

function dateS(v: string | undefined): number | null {
  if (v === undefined) return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** An inclusive byte range of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

const RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Reads a `Range: bytes=a-b | a- | -n` header against an object of
 * `sizeBytes`: the range, `unsatisfiable` (416), or null to send the whole
 * object (no header, a syntax S3 ignores, or several ranges).
 */
export function parseRange(
  value: string | undefined,
  sizeBytes: number,
): ByteRange | 'unsatisfiable' | null {
  const m = value === undefined ? null : RANGE.exec(value.trim());
  if (!m) return null;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffixBytes = Number(last);
    if (suffixBytes === 0 || sizeBytes === 0) return 'unsatisfiable';
    return { start: Math.max(0, sizeBytes - suffixBytes), end: sizeBytes - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= sizeBytes) return 'unsatisfiable';
  const end = last === '' ? sizeBytes - 1 : Math.min(Number(last), sizeBytes - 1);
  return { start, end };
}
