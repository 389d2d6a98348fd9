import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { zipDirectory } from '../code/index.js';

/** A function's code, ready to upload. */
export interface PackagedCode {
  zip: Buffer;
  /** Base64 sha256 of the zip bytes: what the server reports as CodeSha256. */
  sha256: string;
  sizeBytes: number;
}

/**
 * Zips a folder (fixed timestamps, sorted entries: the same files give the
 * same bytes, so the same CodeSha256) or reads a `.zip` as is. `code` is
 * relative to `baseDir`.
 * @example const { sha256 } = await packageCode('/project', './hello');
 */
export async function packageCode(baseDir: string, code: string): Promise<PackagedCode> {
  const abs = path.resolve(baseDir, code);
  const info = await stat(abs).catch(() => undefined);
  if (!info) throw new Error(`${code}: no such file or folder (relative to ${baseDir})`);
  let zip: Buffer;
  if (info.isDirectory()) zip = await zipDirectory(abs);
  else if (info.isFile() && abs.toLowerCase().endsWith('.zip')) zip = await readFile(abs);
  else throw new Error(`${code} must be a folder or a .zip file`);
  return {
    zip,
    sha256: createHash('sha256').update(zip).digest('base64'),
    sizeBytes: zip.length,
  };
}
