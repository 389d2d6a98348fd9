import { descendantPids, processCpuPreciseMs } from './proc-cpu.js';
import { round } from './stats.js';

/** CPU ms used so far by a server process and, apart, by all its live descendants (instances). */
export interface CpuSplit {
  server: number;
  descendants: number;
}

export function cpuSplit(pid: number): CpuSplit {
  const descendants = descendantPids(pid).reduce((ms, p) => ms + processCpuPreciseMs(p), 0);
  return { server: processCpuPreciseMs(pid), descendants };
}

/** CPU ms per request between two splits: the server's own, and its instances'. */
export function cpuPerRequest(
  a: CpuSplit,
  b: CpuSplit,
  requests: number,
): { serverMs: number; instancesMs: number } {
  const n = Math.max(1, requests);
  return {
    serverMs: round((b.server - a.server) / n, 4),
    instancesMs: round(Math.max(0, b.descendants - a.descendants) / n, 4),
  };
}
