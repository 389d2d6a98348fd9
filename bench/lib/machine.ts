import { readFileSync } from 'node:fs';
import os from 'node:os';

interface CpuTimes {
  idle: number;
  total: number;
}

/** Per-CPU jiffies from /proc/stat (`cpu0`, `cpu1`, …). */
export function cpuSnapshot(): Record<string, CpuTimes> {
  const out: Record<string, CpuTimes> = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    out[m[1]] = { idle: (v[3] ?? 0) + (v[4] ?? 0), total: v.reduce((a, b) => a + b, 0) };
  }
  return out;
}

/** Busy % of each CPU between two snapshots (to see whether the machine was otherwise busy). */
export function cpuBusyPct(
  a: Record<string, CpuTimes>,
  b: Record<string, CpuTimes>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cpu, end] of Object.entries(b)) {
    const start = a[cpu];
    if (!start || end.total === start.total) continue;
    out[cpu] = Math.round(100 * (1 - (end.idle - start.idle) / (end.total - start.total)));
  }
  return out;
}

/** 1-minute load average, rounded. */
export const loadAvg1 = () => Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
