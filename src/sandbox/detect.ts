import { spawnSync } from 'node:child_process';
import type { IsolationMode } from '../shared/config.js';
import { type CgroupDriver, detectCgroup } from './cgroup.js';

export interface IsolationInfo {
  /** `bwrap` when every instance runs under bubblewrap, `none` for plain child processes. */
  kind: 'bwrap' | 'none';
  bwrapPath: string;
  cgroup: CgroupDriver | null;
  /** Human-readable lines for the server's start banner, warnings first. */
  notes: string[];
  /** True when something the user should know about is missing. */
  degraded: boolean;
}

function findBwrap(): string | null {
  for (const p of ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap']) {
    const r = spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 5000 });
    if (r.status === 0) return p;
  }
  return null;
}

/** Whether bubblewrap can actually build the namespaces we ask for on this host. */
function bwrapWorks(bwrapPath: string): string | null {
  const r = spawnSync(
    bwrapPath,
    ['--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '/bin/true'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return r.status === 0 ? null : (r.stderr || `exit ${r.status}`).trim();
}

/**
 * Decides how instances are isolated. `auto` uses bubblewrap when it works and
 * says loudly when it falls back; `bwrap` refuses to start without it.
 */
export function detectIsolation(mode: IsolationMode): IsolationInfo {
  const notes: string[] = [];
  let degraded = false;
  let kind: 'bwrap' | 'none' = 'none';
  let bwrapPath = '';
  if (mode !== 'none') {
    const found = findBwrap();
    const problem = found ? bwrapWorks(found) : 'bubblewrap (bwrap) is not installed';
    if (found && !problem) {
      kind = 'bwrap';
      bwrapPath = found;
    } else if (mode === 'bwrap') {
      throw new Error(`isolation "bwrap" was asked for but cannot be used: ${problem}`);
    } else {
      degraded = true;
      notes.push(
        `WARNING: ${problem}. Functions run as plain child processes WITHOUT a sandbox (development only). Install bubblewrap: apt-get install -y bubblewrap`,
      );
    }
  } else {
    degraded = true;
    notes.push(
      'WARNING: isolation "none": functions run as plain child processes WITHOUT a sandbox (development only).',
    );
  }
  const cg = detectCgroup();
  if (!cg.driver) {
    degraded = true;
    notes.push(`WARNING: ${cg.reason}: function memory limits are NOT enforced.`);
  }
  if (kind === 'bwrap') notes.unshift(`isolation: bubblewrap (${bwrapPath})`);
  if (cg.driver) notes.unshift(`memory limits: ${cg.reason}`);
  return { kind, bwrapPath, cgroup: cg.driver, notes, degraded };
}
