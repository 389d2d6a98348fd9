import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { childTrees, flatten } from './proc-memory.js';

let ticksPerS: number | null = null;

function clockTicksPerS(): number {
  if (ticksPerS === null) {
    try {
      ticksPerS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerS = 100; // Linux's USER_HZ nearly everywhere
    }
  }
  return ticksPerS;
}

/** User + system CPU time a process has used so far, in ms (0 if it has gone). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "comm) ": state is field 3, utime field 14, stime field 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicksPerS();
  } catch {
    return 0;
  }
}

/** CPU ms used so far by every live descendant of `pid` (not `pid` itself). */
export function descendantsCpuMs(pid: number): number {
  let ms = 0;
  for (const tree of childTrees(pid)) for (const p of flatten(tree)) ms += processCpuMs(p.pid);
  return ms;
}

/** CPU ms this process (the load generator) has used so far. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * On-CPU time of every live thread of a process, in ms, from
 * /proc/<pid>/task/<tid>/schedstat (ns precision, unlike utime/stime's 10 ms ticks).
 */
export function processCpuPreciseMs(pid: number): number {
  let ns = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0; // gone
  }
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // thread exited meanwhile
    }
  }
  return ns / 1e6;
}

/** Pids of every live descendant of `pid`. */
export function descendantPids(pid: number): number[] {
  return childTrees(pid).flatMap((t) => flatten(t).map((p) => p.pid));
}

/**
 * CPU ms used so far by this process's exited, reaped children (cutime + cstime of
 * /proc/self/stat). Accumulated by the kernel in ns, shown in ticks: exact to 10 ms
 * over any number of children, so divide a difference by a count for a mean.
 */
export function reapedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17.
  return ((Number(f[13]) + Number(f[14])) * 1000) / clockTicksPerS();
}
