import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
