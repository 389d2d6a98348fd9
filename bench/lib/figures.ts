import type { ColdStartResult } from './cold-start.js';
import type { LoadResult } from './http-load.js';
import type { InstanceMemoryResult } from './instance-memory.js';
import type { ProcMemory } from './proc-memory.js';
import { round } from './stats.js';
import { type Row, row } from './table.js';
import type { WarmBreakdown, WarmLevel } from './warm-invoke.js';

/** Everything one run measured, as written to the results file. */
export interface CoreResults {
  cold: ColdStartResult;
  warm: { levels: WarmLevel[]; breakdown: WarmBreakdown };
  memory: InstanceMemoryResult;
  bareNode: ProcMemory | null;
  /** The server's process after the warm load (RSS grows with 32 instances' worth of state). */
  serverAfterLoad: ProcMemory | null;
}

const cpu = (l: LoadResult, who: string) => l.cpuMsPerRequest[who] ?? Number.NaN;
const atMost = (limit: number) => (v: number) => v <= limit;
const ratioAtMost = (limit: number) => (_v: number, ratio: number | null) =>
  ratio !== null && ratio <= limit;

/** The table's rows (DESIGN.md §6 targets where one applies). */
export function figureRows(r: CoreResults): Row[] {
  const rows: Row[] = [];
  const nodeExit = r.cold.nodeSpawnExitMs;
  const cold130 = { text: '≤ 1.3× node -e 0', meets: ratioAtMost(1.3) };
  rows.push(
    row(
      'cold Invoke p50 ms',
      r.cold.invokeMs.p50,
      { value: nodeExit.p50, name: 'node -e 0' },
      cold130,
    ),
    row('cold Invoke p95 ms', r.cold.invokeMs.p95, { value: nodeExit.p95, name: 'node -e 0' }),
    row(
      'cold Init Duration p50 ms',
      r.cold.initDurationMs.p50,
      { value: nodeExit.p50, name: 'node -e 0' },
      cold130,
    ),
    row('cold Init Duration p95 ms', r.cold.initDurationMs.p95, {
      value: nodeExit.p95,
      name: 'node -e 0',
    }),
    row('cold Invoke minus Init Duration p50 ms', r.cold.invokeMinusInitMs.p50, null),
    // CPU, not wall time: a noisy machine stretches wall times but hardly CPU.
    row(
      'cold start CPU ms, mean (instance+server)',
      round(r.cold.meanCpuMs.instance + r.cold.meanCpuMs.server, 1),
      { value: r.cold.meanCpuMs.nodeSpawnExit, name: 'node -e 0' },
    ),
    row('  of which instance processes CPU ms', r.cold.meanCpuMs.instance, null),
    row('  of which server CPU ms', r.cold.meanCpuMs.server, null),
  );
  const handlerP50 = Number.isNaN(r.warm.breakdown.handlerMs.p50)
    ? 0
    : r.warm.breakdown.handlerMs.p50;
  for (const l of r.warm.levels) {
    const c = l.concurrency;
    const ref = (value: number) => ({ value, name: 'node:http' });
    rows.push(
      row(`warm Invoke c=${c} p50 ms`, l.nimbus.latencyMs.p50, ref(l.nodeHttp.latencyMs.p50)),
      row(`warm Invoke c=${c} p99 ms`, l.nimbus.latencyMs.p99, ref(l.nodeHttp.latencyMs.p99)),
    );
    if (c === 1) {
      // What the platform adds on top of the handler (DESIGN §6: ≤ 1 ms / ≤ 5 ms).
      rows.push(
        row('added latency c=1 p50 ms', round(l.nimbus.latencyMs.p50 - handlerP50), null, {
          text: '≤ 1 ms',
          meets: atMost(1),
        }),
        row('added latency c=1 p99 ms', round(l.nimbus.latencyMs.p99 - handlerP50), null, {
          text: '≤ 5 ms',
          meets: atMost(5),
        }),
      );
    }
    rows.push(
      row(`warm Invoke c=${c} invocations/s`, l.nimbus.requestsPerS, ref(l.nodeHttp.requestsPerS)),
      row(
        `warm Invoke c=${c} CPU ms/invoke (server+instances)`,
        round(cpu(l.nimbus, 'server') + cpu(l.nimbus, 'instances')),
        ref(cpu(l.nodeHttp, 'server')),
      ),
      row('  of which server CPU ms/invoke', cpu(l.nimbus, 'server'), null),
      row('  of which instance CPU ms/invoke', cpu(l.nimbus, 'instances'), null),
    );
    if (c === 1) {
      // Shows the load generator is not what limits either server.
      rows.push(
        row('client CPU ms/request c=1', cpu(l.nimbus, 'client'), ref(cpu(l.nodeHttp, 'client'))),
      );
    }
  }
  const b = r.warm.breakdown;
  rows.push(
    row('warm Invoke sequential+Tail p50 ms', b.invokeMs.p50, null),
    row('  of which REPORT Duration p50 ms', b.reportDurationMs.p50, null),
    row('  of which in-handler p50 ms', b.handlerMs.p50, null),
  );
  const m = r.memory;
  const bare = r.bareNode;
  const bareRef = (v: number | undefined) => ({ value: v ?? null, name: 'bare node' });
  rows.push(
    row('idle instance node USS MB', m.node.ussMb, bareRef(bare?.ussMb), {
      text: '≤ 10 MB',
      meets: atMost(10),
    }),
    row('idle instance node PSS MB', m.node.pssMb, bareRef(bare?.pssMb)),
    row('idle instance node RSS MB', m.node.rssMb, bareRef(bare?.rssMb)),
    row(
      `idle instance tree USS MB (${m.processes.length} procs)`,
      m.treeUssMb,
      bareRef(bare?.ussMb),
    ),
    row(
      `idle instance tree PSS MB (${m.processes.length} procs)`,
      m.treePssMb,
      bareRef(bare?.pssMb),
    ),
    row('server RSS MB, 1 idle instance', m.server.rssMb, null),
    row('server USS MB, 1 idle instance', m.server.ussMb, null),
  );
  if (r.serverAfterLoad) rows.push(row('server RSS MB, after load', r.serverAfterLoad.rssMb, null));
  return rows;
}
