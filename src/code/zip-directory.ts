import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import yazl from 'yazl';
import { checkSymlink, type TreeNode } from './symlink-target.js';

/**
 * A fixed timestamp makes the zip of unchanged code byte-identical, so its
 * CodeSha256 is too and a redeploy is a no-op. Built from local fields
 * because DOS timestamps are local time.
 */
const FIXED_MTIME = new Date(1980, 0, 2);
const DIRECTORY_MODE = 0o040755;
const FILE_MODE = 0o100644;
const EXECUTABLE_MODE = 0o100755;
const SYMLINK_MODE = 0o120777;

type Item =
  | { kind: 'directory'; rel: string }
  | { kind: 'file'; rel: string; abs: string; executable: boolean }
  | { kind: 'symlink'; rel: string; target: string };

/**
 * Zips a folder for `nimbus deploy DIR`. Entries come in a fixed order with a
 * fixed timestamp, so the same files give the same bytes. Keeps the
 * executable bit (a custom runtime's `bootstrap`), stores symlinks that stay
 * inside the folder as symlinks and refuses ones that escape, skips nothing.
 * Errors are plain Errors with messages meant for the terminal.
 *
 * @example const zip = await zipDirectory('./hello'); // then CreateFunction with ZipFile: zip
 */
export async function zipDirectory(dir: string): Promise<Buffer> {
  const root = await openRoot(dir);
  const items: Item[] = [];
  await walk(dir, root, '', items);
  checkSymlinks(dir, items);
  if (!items.some((item) => item.kind !== 'directory')) {
    throw new Error(`Cannot zip "${dir}": the folder has no files`);
  }
  return writeZip(dir, items);
}

async function openRoot(dir: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? 'no such folder' : describe(err);
    throw new Error(`Cannot zip "${dir}": ${why}`, { cause: err });
  }
  if (!(await lstat(root)).isDirectory()) {
    throw new Error(`Cannot zip "${dir}": it is not a folder`);
  }
  return root;
}

async function walk(dir: string, root: string, rel: string, items: Item[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(path.join(root, rel));
  } catch (err) {
    throw new Error(`Cannot zip "${dir}": cannot read folder "${rel || '.'}": ${describe(err)}`, {
      cause: err,
    });
  }
  // Default sort compares UTF-16 code units: the same order on every machine.
  for (const name of names.sort()) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (name.includes('\\')) {
      throw new Error(
        `Cannot zip "${dir}": "${childRel}" has a backslash in its name, which a zip reads as a folder separator`,
      );
    }
    const abs = path.join(root, childRel);
    const stats = await lstat(abs);
    if (stats.isDirectory()) {
      items.push({ kind: 'directory', rel: childRel });
      await walk(dir, root, childRel, items);
    } else if (stats.isFile()) {
      items.push({ kind: 'file', rel: childRel, abs, executable: (stats.mode & 0o111) !== 0 });
    } else if (stats.isSymbolicLink()) {
      items.push({ kind: 'symlink', rel: childRel, target: await readlink(abs) });
    } else {
      throw new Error(
        `Cannot zip "${dir}": "${childRel}" is not a file, folder or symlink (a socket, FIFO or device)`,
      );
    }
  }
}

/** The same rule the code store applies on upload, so a refused link fails here, not at deploy. */
function checkSymlinks(dir: string, items: Item[]): void {
  const tree = new Map<string, TreeNode>(
    items.map((item) => [
      item.rel,
      item.kind === 'symlink' ? { kind: 'symlink', target: item.target } : { kind: item.kind },
    ]),
  );
  for (const item of items) {
    if (item.kind !== 'symlink') continue;
    const verdict = checkSymlink(tree, item.rel);
    if (verdict === 'inside') continue;
    const why =
      verdict === 'absolute'
        ? 'an absolute path; use a relative target inside the folder'
        : verdict === 'loop'
          ? 'a symlink loop'
          : 'outside the folder';
    throw new Error(
      `Cannot zip "${dir}": symlink "${item.rel}" points to "${item.target}", which is ${why}`,
    );
  }
}

async function writeZip(dir: string, items: Item[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const common = { mtime: FIXED_MTIME, forceDosTimestamp: true };
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const fail = (err: unknown) =>
      reject(new Error(`Cannot zip "${dir}": ${describe(err)}`, { cause: err }));
    zip.on('error', fail);
    zip.outputStream.on('error', fail);
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
  for (const item of items) {
    if (item.kind === 'directory') {
      zip.addEmptyDirectory(item.rel, { ...common, mode: DIRECTORY_MODE });
    } else if (item.kind === 'file') {
      const mode = item.executable ? EXECUTABLE_MODE : FILE_MODE;
      zip.addFile(item.abs, item.rel, { ...common, mode });
    } else {
      zip.addBuffer(Buffer.from(item.target), item.rel, {
        ...common,
        mode: SYMLINK_MODE,
        compress: false,
      });
    }
  }
  zip.end();
  return done;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errnoCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}
