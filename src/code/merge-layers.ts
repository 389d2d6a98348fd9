import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Layers are mounted at /opt as one read-only tree: the layers' trees merged
 * in order, a later layer's file replacing an earlier one's (as Lambda extracts
 * them). Each combination is built once, from hard links, under
 * `<root>/merged/<hash>`, and never changes afterwards.
 */
export class LayerMerger {
  private readonly building = new Map<string, Promise<string>>();

  constructor(private readonly root: string) {}

  /** Where the merged tree of these layer trees (in order) lives. */
  dirFor(trees: string[]): string {
    const id = createHash('sha256').update(trees.join('\n')).digest('hex').slice(0, 32);
    return path.join(this.root, 'merged', id);
  }

  /** Builds the merged tree if it does not exist yet; returns its path. */
  ensure(trees: string[]): Promise<string> {
    const dir = this.dirFor(trees);
    if (existsSync(dir)) return Promise.resolve(dir);
    let job = this.building.get(dir);
    if (!job) {
      job = this.build(trees, dir).finally(() => this.building.delete(dir));
      this.building.set(dir, job);
    }
    return job;
  }

  private async build(trees: string[], dir: string): Promise<string> {
    const tmp = path.join(this.root, 'tmp', `merge-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    try {
      for (const tree of trees) await copyInto(tree, tmp);
      await mkdir(path.dirname(dir), { recursive: true });
      try {
        await rename(tmp, dir);
      } catch (e) {
        // Another build of the same combination won: it is identical.
        if (!existsSync(dir)) throw e;
      }
      return dir;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

async function copyInto(src: string, dst: string): Promise<void> {
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    if (entry.isDirectory()) {
      const existing = await lstat(to).catch(() => null);
      if (existing && !existing.isDirectory()) await rm(to, { force: true });
      await mkdir(to, { recursive: true });
      await copyInto(from, to);
      continue;
    }
    await rm(to, { recursive: true, force: true });
    if (entry.isSymbolicLink()) await symlink(await readlink(from), to);
    else await link(from, to);
  }
}
