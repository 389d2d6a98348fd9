import type { OwnedChild } from './processes.js';
import { round, summarize } from './stats.js';
import { type Row, row } from './table.js';

/**
 * The start phases a server prints with NIMBUS_TRACE_STARTS=1, one stderr line per cold
 * start: `nimbus: start FUNCTION TYPE mark=ms ...` (src/scheduler/start-phases.ts).
 */
export function collectStartPhases(proc: OwnedChild): () => Array<Record<string, number>> {
  const starts: Array<Record<string, number>> = [];
  let partial = '';
  proc.child.stderr?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^nimbus: start \S+ \S+ (.*)$/.exec(line);
      if (!m?.[1]) continue;
      const marks: Record<string, number> = {};
      for (const kv of m[1].split(' ')) {
        const [k, v] = kv.split('=');
        if (k && v) marks[k] = Number(v);
      }
      starts.push(marks);
    }
  });
  return () => starts;
}

/** p50 of each phase (time from the previous mark) of the last `n` starts, as rows. */
export function phaseRows(label: string, starts: Array<Record<string, number>>, n: number): Row[] {
  const recent = starts.slice(-n);
  const byPhase = new Map<string, number[]>();
  for (const marks of recent) {
    let prev = 'start';
    let prevMs = 0;
    for (const [name, ms] of Object.entries(marks).sort((a, b) => a[1] - b[1])) {
      const key = `${prev} → ${name}`;
      byPhase.set(key, [...(byPhase.get(key) ?? []), ms - prevMs]);
      prev = name;
      prevMs = ms;
    }
  }
  return [...byPhase].map(([phase, values]) =>
    row(`  phase p50 ms, ${label}: ${phase}`, round(summarize(values).p50, 2), null),
  );
}
