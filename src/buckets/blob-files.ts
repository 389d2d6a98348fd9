import { type FileHandle, link, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { IdGenerator } from '../shared/ids.js';

const FILE_ID = /^[0-9a-f]{32}$/;

/**
 * The content files of objects and multipart parts: `files/<2 hex>/<file id>`,
 * each written once and never changed (so a hard link is a safe copy), and
 * `tmp/` for bodies still arriving. A file enters `files/` by one rename only
 * after its body was received whole and checked; the store's records name the
 * files that count, and `collectGarbage` removes the rest (left by a crash
 * between rename and commit, or between commit and removing a replaced file).
 */
export class BlobFiles {
  readonly #filesDir: string;
  readonly #tmpDir: string;
  readonly #shards = new Set<string>();

  constructor(
    rootDir: string,
    private readonly ids: IdGenerator,
  ) {
    this.#filesDir = path.join(rootDir, 'files');
    this.#tmpDir = path.join(rootDir, 'tmp');
  }

  /** Creates the folders and drops every temp file (bodies a crash cut short). */
  async open(): Promise<void> {
    await rm(this.#tmpDir, { recursive: true, force: true });
    await mkdir(this.#tmpDir, { recursive: true });
    await mkdir(this.#filesDir, { recursive: true });
  }

  /** A new file id (32 hex digits). */
  newId(): string {
    return this.ids.hex(16);
  }

  /** A fresh path in `tmp/` for a body being received. */
  tmpPath(): string {
    return path.join(this.#tmpDir, `${this.ids.hex(16)}.tmp`);
  }

  /** Where file `fileId` lives (whether or not it exists). */
  pathOf(fileId: string): string {
    if (!FILE_ID.test(fileId)) throw new Error(`not a file id: ${fileId}`);
    return path.join(this.#filesDir, fileId.slice(0, 2), fileId);
  }

  /** Moves a finished temp file into place as `fileId` (one rename: never half there). */
  async commit(tmpPath: string, fileId: string): Promise<void> {
    await this.#shardFor(fileId);
    await rename(tmpPath, this.pathOf(fileId));
  }

  /** Makes `newId` name the same bytes as `sourceId` (a hard link); false when the source is gone. */
  async linkCopy(sourceId: string, newId: string): Promise<boolean> {
    await this.#shardFor(newId);
    try {
      await link(this.pathOf(sourceId), this.pathOf(newId));
      return true;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      throw e;
    }
  }

  /** Opens a file for reading; undefined when it is gone (replaced or deleted meanwhile). */
  async openRead(fileId: string): Promise<FileHandle | undefined> {
    try {
      return await open(this.pathOf(fileId), 'r');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Removes files no record names any more; missing ones are fine. */
  async remove(fileIds: Iterable<string>): Promise<void> {
    for (const id of fileIds) await removeQuietly(this.pathOf(id));
  }

  /** Removes a temp file, if it is still there. */
  async removeTmp(tmpPath: string): Promise<void> {
    await removeQuietly(tmpPath);
  }

  /** Removes every file not in `keep`; returns how many. Run before serving requests. */
  async collectGarbage(keep: Set<string>): Promise<number> {
    let removed = 0;
    for (const shard of await readdir(this.#filesDir)) {
      const dir = path.join(this.#filesDir, shard);
      for (const name of await readdir(dir)) {
        if (keep.has(name)) continue;
        await rm(path.join(dir, name), { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async #shardFor(fileId: string): Promise<void> {
    const shard = fileId.slice(0, 2);
    if (this.#shards.has(shard)) return;
    await mkdir(path.join(this.#filesDir, shard), { recursive: true });
    this.#shards.add(shard);
  }
}

/** Flushes a file's data to disk, so a committed object survives a power loss too. */
export async function syncFile(p: string): Promise<void> {
  const fh = await open(p, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

async function removeQuietly(p: string): Promise<void> {
  try {
    await unlink(p);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
}

/** The errno code of a Node.js system error, if it is one. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined;
}
