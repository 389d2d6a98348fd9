import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fail } from '../shared/error-codes.js';
import { extractZip } from './extract-zip.js';
import type { CodeLimits, StoredCode } from './types.js';
import { checkZipSize, planZip } from './validate-zip.js';

const HEX_SHA = /^[0-9a-f]{64}$/;

type CodeShas = Pick<StoredCode, 'codeSha256' | 'hexSha'>;

/**
 * Content-addressed store of code zips and their extracted trees:
 * `zips/<hexSha>.zip`, `trees/<hexSha>/`, work in `tmp/`. A tree appears
 * under `trees/` by one rename, so a half-written extraction is never
 * visible; leftovers of a crash are removed from `tmp/` on construction,
 * which is why one store instance owns its root directory.
 *
 * @example
 * const store = new CodeStore(path.join(cfg.dataDir, 'code'), cfg);
 * const code = await store.put(zipBytes); // code.dir is ready to mount at /var/task
 */
export class CodeStore {
  readonly #zipsDir: string;
  readonly #treesDir: string;
  readonly #tmpDir: string;
  readonly #limits: CodeLimits;
  /** Puts under way, by hexSha: a second put of the same bytes joins the first. */
  readonly #inflight = new Map<string, Promise<StoredCode>>();

  constructor(rootDir: string, limits: CodeLimits) {
    const root = path.resolve(rootDir);
    this.#zipsDir = path.join(root, 'zips');
    this.#treesDir = path.join(root, 'trees');
    this.#tmpDir = path.join(root, 'tmp');
    this.#limits = limits;
    // Synchronous: the constructor runs once at start-up, before any put.
    rmSync(this.#tmpDir, { recursive: true, force: true });
    for (const dir of [this.#zipsDir, this.#treesDir, this.#tmpDir]) {
      mkdirSync(dir, { recursive: true });
    }
  }

  /**
   * Validates the zip (structure before any write; contents while inflating
   * into `tmp/`, removed on failure), then stores zip and tree atomically.
   * The same bytes again return the same StoredCode without re-extracting.
   */
  async put(zip: Buffer): Promise<StoredCode> {
    checkZipSize(zip, this.#limits);
    const shas = digest(zip);
    const running = this.#inflight.get(shas.hexSha);
    if (running) return running;
    const putting = this.#store(zip, shas).finally(() => this.#inflight.delete(shas.hexSha));
    this.#inflight.set(shas.hexSha, putting);
    return putting;
  }

  /** Validates the whole zip, inflating every entry, and writes nothing. */
  async inspect(zip: Buffer): Promise<Omit<StoredCode, 'dir'>> {
    checkZipSize(zip, this.#limits);
    const shas = digest(zip);
    const plan = await planZip(zip, this.#limits);
    try {
      await extractZip(plan);
    } finally {
      plan.close();
    }
    return { ...shas, codeSizeBytes: zip.length, unzippedBytes: plan.unzippedBytes };
  }

  /** True when both the zip and its extracted tree are stored. */
  has(hexSha: string): boolean {
    if (!HEX_SHA.test(hexSha)) return false;
    return existsSync(this.zipPathFor(hexSha)) && existsSync(this.dirFor(hexSha));
  }

  /** Absolute path of the extracted tree for `hexSha` (which may not be stored). */
  dirFor(hexSha: string): string {
    return path.join(this.#treesDir, checkHex(hexSha));
  }

  /** Absolute path of the stored zip for `hexSha` (which may not be stored). */
  zipPathFor(hexSha: string): string {
    return path.join(this.#zipsDir, `${checkHex(hexSha)}.zip`);
  }

  /** The stored zip's bytes; a ServiceException if it is not stored. */
  async readZip(hexSha: string): Promise<Buffer> {
    try {
      return await readFile(this.zipPathFor(hexSha));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      throw fail('ServiceException', `Code ${hexSha} is missing from the code store`, {
        cause: err,
      });
    }
  }

  /**
   * Removes stored code whose hexSha is not in `keep` (code being put right
   * now is spared); returns how many were removed. A tree leaves `trees/`
   * by one rename before it is deleted, so it is never seen half-deleted.
   */
  async gc(keep: Set<string>): Promise<number> {
    const stored = new Set<string>();
    for (const name of await readdir(this.#zipsDir)) stored.add(name.replace(/\.zip$/, ''));
    for (const name of await readdir(this.#treesDir)) stored.add(name);
    let removed = 0;
    for (const hexSha of stored) {
      if (!HEX_SHA.test(hexSha) || keep.has(hexSha) || this.#inflight.has(hexSha)) continue;
      // The zip goes first: has() turns false before the tree starts to go.
      await rm(this.zipPathFor(hexSha), { force: true });
      const doomed = await mkdtemp(path.join(this.#tmpDir, `gc-${hexSha.slice(0, 12)}-`));
      try {
        await rename(this.dirFor(hexSha), path.join(doomed, 'tree'));
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      } finally {
        await rm(doomed, { recursive: true, force: true });
      }
      removed += 1;
    }
    return removed;
  }

  async #store(zip: Buffer, shas: CodeShas): Promise<StoredCode> {
    const plan = await planZip(zip, this.#limits);
    try {
      const stored: StoredCode = {
        ...shas,
        codeSizeBytes: zip.length,
        unzippedBytes: plan.unzippedBytes,
        dir: this.dirFor(shas.hexSha),
      };
      if (this.has(shas.hexSha)) return stored;
      const work = await mkdtemp(path.join(this.#tmpDir, `put-${shas.hexSha.slice(0, 12)}-`));
      try {
        const tree = path.join(work, 'tree');
        const zipCopy = path.join(work, 'code.zip');
        await extractZip(plan, tree);
        await writeFile(zipCopy, zip, { flag: 'wx', mode: 0o644 });
        await commitTree(tree, stored.dir);
        // The zip lands last: has() needs both, so it is true only once the tree is in place.
        await rename(zipCopy, this.zipPathFor(shas.hexSha));
        return stored;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    } finally {
      plan.close();
    }
  }
}

/** One pass over the bytes gives both spellings of the sha256. */
function digest(zip: Buffer): CodeShas {
  const sha = createHash('sha256').update(zip).digest();
  return { codeSha256: sha.toString('base64'), hexSha: sha.toString('hex') };
}

/** Moves a finished tree into place; losing a race to an identical tree is success. */
async function commitTree(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
  }
}

function checkHex(hexSha: string): string {
  // Callers pass hexSha from StoredCode or the store; anything else is a bug, and must not reach a path.
  if (!HEX_SHA.test(hexSha)) throw new Error(`Not a hex sha256: ${JSON.stringify(hexSha)}`);
  return hexSha;
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
