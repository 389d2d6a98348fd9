import { spawnSync } from 'node:child_process';
import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { mountsUnder } from './mounter.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what a server killed with SIGKILL left behind: entries of `dir`
 * named `<prefix><pid>...` whose pid is no longer running. `kind` says how to
 * remove them (cgroup folders only with rmdir, children first).
 */
export function removeStale(dir: string, prefix: string, kind: 'cgroup' | 'folder'): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (!(pid > 0) || pid === process.pid || alive(pid)) continue;
    const full = path.join(dir, name);
    try {
      if (kind === 'folder') {
        // Prewarmed sandboxes' code mounts (read-only) first, so the folder can go.
        for (const mp of mountsUnder(full)) spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
        rmSync(full, { recursive: true, force: true });
      } else {
        for (const child of readdirSync(full, { withFileTypes: true })) {
          if (child.isDirectory()) rmdirSync(path.join(full, child.name));
        }
        rmdirSync(full);
      }
      removed++;
    } catch {
      // still in use or not ours to remove: leave it
    }
  }
  return removed;
}
