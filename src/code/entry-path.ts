import { fail } from '../shared/error-codes.js';

/** Linux's NAME_MAX: longest single file or folder name. */
const MAX_SEGMENT_BYTES = 255;
/** Far above any real package path, and keeps extracted paths well under PATH_MAX. */
const MAX_PATH_BYTES = 2048;
/** Longest name shown in an error message, so a 64 KB name does not flood the answer. */
const MAX_SHOWN_CHARS = 200;
const WINDOWS_DRIVE = /^[a-zA-Z]:/;

/** A zip entry name checked and normalised to `a/b/c` (no `.`, empty or trailing segments). */
export interface EntryPath {
  /** Normalised path relative to the code root; `''` is the root itself. */
  path: string;
  /** The raw name ended with `/`, the zip convention for a folder. */
  endsWithSlash: boolean;
}

/**
 * Quotes an entry name for an error message: control characters and quotes
 * are escaped, backslashes kept as they are, long names shortened.
 */
export function quoteName(name: string): string {
  const shown = name.length > MAX_SHOWN_CHARS ? `${name.slice(0, MAX_SHOWN_CHARS)}…` : name;
  const escaped = shown.replace(/[\p{Cc}"]/gu, (c) =>
    c === '"' ? '\\"' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/**
 * Checks one zip entry name and returns it normalised. Refuses, naming the
 * entry: empty names, NUL, backslashes, absolute paths (`/x`, `C:x`), `..`
 * segments, over-long names.
 *
 * @example parseEntryPath('./src/app.js') // { path: 'src/app.js', endsWithSlash: false }
 */
export function parseEntryPath(name: string): EntryPath {
  const q = quoteName(name);
  if (name === '') throw invalid('Zip has an entry with an empty name');
  if (name.includes('\0')) throw invalid(`Zip entry ${q} contains a NUL character`);
  if (name.includes('\\')) {
    throw invalid(`Zip entry ${q} contains a backslash; folders in a zip are separated by "/"`);
  }
  if (name.startsWith('/') || WINDOWS_DRIVE.test(name)) {
    throw invalid(`Zip entry ${q} is an absolute path; entries must be relative to the code root`);
  }
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) {
    throw invalid(`Zip entry ${q} has a path longer than ${MAX_PATH_BYTES} bytes`);
  }
  const kept: string[] = [];
  let depth = 0;
  let hasDotDot = false;
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      hasDotDot = true;
      depth -= 1;
      if (depth < 0) throw invalid(`Zip entry ${q} escapes the code root`);
      continue;
    }
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw invalid(`Zip entry ${q} has a name longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
    depth += 1;
    kept.push(segment);
  }
  // Even when `a/../b` stays inside, a `..` in a zip is a trick, never a packaging habit.
  if (hasDotDot) throw invalid(`Zip entry ${q} contains a ".." segment`);
  return { path: kept.join('/'), endsWithSlash: name.endsWith('/') };
}

function invalid(message: string) {
  return fail('InvalidParameterValueException', message);
}
