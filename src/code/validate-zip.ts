import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { fail } from '../shared/error-codes.js';
import { parseEntryPath, quoteName } from './entry-path.js';
import { EntryInflater, NOT_A_ZIP, unzippedTooLarge } from './inflate-entry.js';
import { checkSymlink, type TreeNode } from './symlink-target.js';
import type { CodeLimits } from './types.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Linux's PATH_MAX less the terminating NUL: the longest target symlink(2) accepts. */
const MAX_SYMLINK_TARGET_BYTES = 4095;
const SPECIAL_KINDS = new Map<number, string>([
  [0o010000, 'a FIFO'],
  [0o020000, 'a character device'],
  [0o060000, 'a block device'],
  [0o140000, 'a socket'],
]);

export interface PlannedFile {
  path: string;
  entry: Entry;
  executable: boolean;
}

export interface PlannedSymlink {
  path: string;
  target: string;
}

/**
 * A zip whose structure passed every check, still open so its files can be
 * inflated. Call `close()` when done.
 */
export interface ZipPlan {
  /** Inflates this zip's entries against one shared budget, so lying headers cannot pass the limit. */
  inflater: EntryInflater;
  /** Every folder to create, implied ones included, parents before children. */
  directories: string[];
  files: PlannedFile[];
  symlinks: PlannedSymlink[];
  /** Sum of the declared uncompressed sizes; inflating enforces it. */
  unzippedBytes: number;
  close(): void;
}

/** Refuses a zip above the zipped-size limit, in Lambda's words (413). */
export function checkZipSize(zip: Buffer, limits: CodeLimits): void {
  if (zip.length > limits.maxZipBytes) {
    throw fail(
      'RequestEntityTooLargeException',
      `Zipped size must be smaller than ${limits.maxZipBytes} bytes`,
    );
  }
}

/**
 * Reads the central directory and checks everything that can be checked
 * without inflating file contents: it is a zip, entry count, declared sizes,
 * names (no absolute paths, `..`, backslashes, NUL, duplicates), entry kinds,
 * and symlink targets (inflated here, they are tiny) staying inside the root.
 * Writes nothing. File contents are inflated later by `extractZip`.
 */
export async function planZip(zip: Buffer, limits: CodeLimits): Promise<ZipPlan> {
  checkZipSize(zip, limits);
  let zipfile: ZipFile;
  try {
    zipfile = await yauzl.fromBufferPromise(zip, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      // Names are decoded and checked here, so every refusal can name the entry.
      decodeStrings: false,
      strictFileNames: true,
    });
  } catch (err) {
    throw fail('InvalidParameterValueException', NOT_A_ZIP, { cause: err });
  }
  try {
    return await readPlan(zip, zipfile, limits);
  } catch (err) {
    zipfile.close();
    throw err;
  }
}

async function readPlan(zip: Buffer, zipfile: ZipFile, limits: CodeLimits): Promise<ZipPlan> {
  if (zipfile.entryCount > limits.maxZipEntries) {
    throw invalid(
      `Zip has ${zipfile.entryCount} entries; at most ${limits.maxZipEntries} files and folders are allowed`,
    );
  }
  const inflater = new EntryInflater(zip, zipfile, limits.maxUnzippedBytes);
  const tree = new Map<string, TreeNode>();
  const files: PlannedFile[] = [];
  const symlinkPaths: string[] = [];
  let unzippedBytes = 0;

  const entries = zipfile.eachEntry();
  for (;;) {
    let next: IteratorResult<Entry>;
    try {
      next = await entries.next();
    } catch (err) {
      throw fail('InvalidParameterValueException', NOT_A_ZIP, { cause: err });
    }
    if (next.done) break;
    const entry = next.value;
    // decodeStrings is off: decode (UTF-8 flag, Info-ZIP unicode path) without yauzl's checks.
    const name = yauzl.getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      entry.fileNameRaw,
      entry.extraFields,
      true,
    );
    const { path, endsWithSlash } = parseEntryPath(name);
    unzippedBytes += entry.uncompressedSize;
    if (unzippedBytes > limits.maxUnzippedBytes) throw unzippedTooLarge(limits.maxUnzippedBytes);

    const kind = entryKind(entry, name, endsWithSlash);
    if (path === '') {
      if (kind === 'directory') continue;
      throw invalid(`Zip entry ${quoteName(name)} does not name a file`);
    }
    if (tree.has(path)) throw invalid(`Zip has two entries named ${quoteName(path)}`);
    if (kind !== 'directory') checkReadable(entry, name);

    if (kind === 'directory') {
      tree.set(path, { kind });
    } else if (kind === 'file') {
      tree.set(path, { kind });
      const unixMode = entry.externalFileAttributes >>> 16;
      files.push({ path, entry, executable: (unixMode & 0o111) !== 0 });
    } else {
      const target = await readSymlinkTarget(inflater, entry, name);
      tree.set(path, { kind, target });
      symlinkPaths.push(path);
    }
  }

  const directories = checkAncestors(tree);
  const symlinks = symlinkPaths.map((path) => checkedSymlink(tree, path));
  if (files.length === 0 && symlinks.length === 0) {
    throw invalid('Uploaded zip contains no files');
  }
  return { inflater, directories, files, symlinks, unzippedBytes, close: () => zipfile.close() };
}

function entryKind(entry: Entry, name: string, endsWithSlash: boolean): TreeNode['kind'] {
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) {
    if (endsWithSlash) {
      throw invalid(`Zip entry ${quoteName(name)} is a symlink named like a folder`);
    }
    return 'symlink';
  }
  if (endsWithSlash || type === S_IFDIR) return 'directory';
  // Zips made outside unix carry no type bits (0): plain files.
  if (type === 0 || type === S_IFREG) return 'file';
  const what = SPECIAL_KINDS.get(type) ?? `of unknown file type 0o${type.toString(8)}`;
  throw invalid(
    `Zip entry ${quoteName(name)} is ${what}; only files, folders and symlinks are allowed`,
  );
}

function checkReadable(entry: Entry, name: string): void {
  if (entry.isEncrypted()) {
    throw invalid(`Zip entry ${quoteName(name)} is encrypted; upload an unencrypted zip`);
  }
  if (!entry.canDecodeFileData()) {
    throw invalid(
      `Zip entry ${quoteName(name)} uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are supported`,
    );
  }
}

async function readSymlinkTarget(
  inflater: EntryInflater,
  entry: Entry,
  name: string,
): Promise<string> {
  if (entry.uncompressedSize === 0) {
    throw invalid(`Zip entry ${quoteName(name)} is a symlink with an empty target`);
  }
  if (entry.uncompressedSize > MAX_SYMLINK_TARGET_BYTES) {
    throw invalid(
      `Zip entry ${quoteName(name)} is a symlink whose target is longer than ${MAX_SYMLINK_TARGET_BYTES} bytes`,
    );
  }
  const target = (await inflater.readWhole(entry, name)).toString('utf8');
  if (target.includes('\0')) {
    throw invalid(
      `Zip entry ${quoteName(name)} is a symlink whose target contains a NUL character`,
    );
  }
  return target;
}

/**
 * Refuses entries under a file or a symlink (writing through a symlink is how
 * extraction escapes), and returns every folder to create, implied ones too.
 */
function checkAncestors(tree: Map<string, TreeNode>): string[] {
  const directories = new Set<string>();
  for (const [path, node] of tree) {
    if (node.kind === 'directory') directories.add(path);
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i += 1) {
      const ancestor = segments.slice(0, i).join('/');
      const above = tree.get(ancestor);
      if (above?.kind === 'file') {
        throw invalid(
          `Zip entry ${quoteName(path)} lies under ${quoteName(ancestor)}, which is a file`,
        );
      }
      if (above?.kind === 'symlink') {
        throw invalid(
          `Zip entry ${quoteName(path)} lies under the symlink ${quoteName(ancestor)}; entries may not be placed through a symlink`,
        );
      }
      directories.add(ancestor);
    }
  }
  // A parent is a prefix of its children, so plain sorting puts parents first.
  return [...directories].sort();
}

function checkedSymlink(tree: Map<string, TreeNode>, path: string): PlannedSymlink {
  const node = tree.get(path);
  if (node?.kind !== 'symlink') throw new Error(`${path} is not a symlink`);
  const q = quoteName(path);
  const t = quoteName(node.target);
  switch (checkSymlink(tree, path)) {
    case 'inside':
      return { path, target: node.target };
    case 'absolute':
      throw invalid(
        `Zip entry ${q} is a symlink to the absolute path ${t}; symlink targets must be relative and stay inside the code root`,
      );
    case 'escapes':
      throw invalid(`Zip entry ${q} is a symlink to ${t}, which escapes the code root`);
    case 'loop':
      throw invalid(`Zip entry ${q} is a symlink to ${t}, which never resolves (a symlink loop)`);
  }
}

function invalid(message: string) {
  return fail('InvalidParameterValueException', message);
}
