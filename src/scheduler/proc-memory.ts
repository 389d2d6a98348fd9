import { readFileSync } from 'node:fs';

function statusKb(pid: number, key: string): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const i = text.indexOf(`${key}:`);
    if (i < 0) return 0;
    return Number.parseInt(text.slice(i + key.length + 1).trim(), 10) || 0;
  } catch {
    return 0;
  }
}

/** The pids of a process's children. */
export function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .map(Number)
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/**
 * Peak resident memory of a process tree, from /proc (used when no cgroup
 * measures it): the largest VmHWM of the process and its descendants.
 */
export function processTreePeakBytes(pid: number): number {
  let peak = 0;
  const queue = [pid];
  for (let n = 0; queue.length && n < 64; n++) {
    const p = queue.shift()!;
    peak = Math.max(peak, statusKb(p, 'VmHWM') * 1024);
    queue.push(...children(p));
  }
  return peak;
}
