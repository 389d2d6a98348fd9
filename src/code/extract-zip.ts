import { createWriteStream } from 'node:fs';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { discardSink } from './inflate-entry.js';
import type { PlannedFile, ZipPlan } from './validate-zip.js';

const DIRECTORY_MODE = 0o755;
const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;
/** Entries inflated at once: enough to overlap inflating with file-system latency. */
const CONCURRENT_ENTRIES = 8;

/**
 * Inflates every file of a planned zip, enforcing sizes and CRCs as bytes
 * come out. With `destDir` the tree is written there (the folder must not
 * exist yet; folders 0755, files 0644 or 0755 when the zip marks them
 * executable, symlinks as symlinks); without it the bytes are only checked.
 * On failure `destDir` may hold a partial tree: the caller owns its removal.
 */
export async function extractZip(plan: ZipPlan, destDir?: string): Promise<void> {
  if (destDir === undefined) {
    await forEachLimit(plan.files, CONCURRENT_ENTRIES, async ({ entry, path }) => {
      if (plan.inflater.isSmall(entry)) await plan.inflater.readWhole(entry, path);
      else await plan.inflater.pipe(entry, path, discardSink());
    });
    return;
  }
  await makeDirectory(destDir);
  for (const dir of plan.directories) await makeDirectory(path.join(destDir, dir));
  await forEachLimit(plan.files, CONCURRENT_ENTRIES, (file) => writeEntry(plan, destDir, file));
  // Symlinks last, although no entry may lie under one: nothing is ever written through them.
  for (const link of plan.symlinks) await symlink(link.target, path.join(destDir, link.path));
}

async function makeDirectory(dir: string): Promise<void> {
  await mkdir(dir, { mode: DIRECTORY_MODE });
  // mkdir's mode passes through the umask; the tree's modes must not depend on it.
  await chmod(dir, DIRECTORY_MODE);
}

async function writeEntry(plan: ZipPlan, destDir: string, file: PlannedFile): Promise<void> {
  const target = path.join(destDir, file.path);
  const mode = file.executable ? EXECUTABLE_MODE : FILE_MODE;
  // 'wx' never follows or reuses an existing path.
  if (plan.inflater.isSmall(file.entry)) {
    const data = await plan.inflater.readWhole(file.entry, file.path);
    await writeFile(target, data, { flag: 'wx', mode });
  } else {
    const out = createWriteStream(target, { flags: 'wx', mode });
    await plan.inflater.pipe(file.entry, file.path, out);
  }
  // The open mode passes through the umask; the tree's modes must not depend on it.
  await chmod(target, mode);
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. After the first
 * failure no new item starts; it waits for those in flight, then throws.
 */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let nextIndex = 0;
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (failure === undefined && nextIndex < items.length) {
      const item = items[nextIndex] as T; // nextIndex < items.length was just checked
      nextIndex += 1;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  if (failure !== undefined) throw failure.error;
}
