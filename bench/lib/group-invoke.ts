import { cpuPerRequest, cpuSplit } from './cpu-split.js';
import { startNodeHttp, type Target } from './gateway-targets.js';
import type { BenchContext, BenchGroup, GroupResult } from './groups.js';
import { invokePath } from './lambda-api.js';
import { withHelloServer } from './nimbus-server.js';
import { round } from './stats.js';
import { type Row, row } from './table.js';
import { runWrk, type WrkResult, withPostScript } from './wrk.js';

interface InvokeLevel {
  conns: number;
  nimbus: WrkResult & { cpu: { serverMs: number; instancesMs: number } };
  nodeHttp: WrkResult;
}

async function load(
  ctx: BenchContext,
  t: Pick<Target, 'port' | 'path' | 'pid'>,
  conns: number,
  o: { secs: number; warmupS: number; script: string },
) {
  const url = `http://127.0.0.1:${t.port}${t.path}`;
  if (o.warmupS > 0) await runWrk(url, conns, o.warmupS, ctx.clientCpus, o.script);
  const before = cpuSplit(t.pid);
  const r = await runWrk(url, conns, o.secs, ctx.clientCpus, o.script);
  return { ...r, cpu: cpuPerRequest(before, cpuSplit(t.pid), r.requests) };
}

/**
 * Warm synchronous Invoke (`POST /2015-03-31/functions/hello/invocations`, `{}`) against
 * a plain node:http server answering the same POST, same client (wrk), same pinning. What
 * Nimbus adds is the difference: the client, loopback TCP and HTTP parsing are in both.
 */
export const invokeGroup: BenchGroup = {
  name: 'invoke',
  title: 'warm Invoke API (wrk, POST {}), added latency against node:http',
  run: (ctx) =>
    withPostScript(async (script): Promise<GroupResult> => {
      const conns = (process.env.INVOKE_CONNS ?? '1').split(',').map(Number);
      const o = { secs: ctx.int('SECS', 8), warmupS: ctx.int('WARMUP_S', 3), script };
      const nimbusLevels = await withHelloServer(
        { root: ctx.root, own: ctx.own, cpus: ctx.serverCpus },
        async (server) => {
          const t = { port: server.port, path: invokePath('hello'), pid: server.pid };
          const levels: InvokeLevel['nimbus'][] = [];
          for (const c of conns) levels.push(await load(ctx, t, c, o));
          return levels;
        },
      );
      const node = await startNodeHttp(ctx.serverCpus);
      const levels: InvokeLevel[] = [];
      try {
        for (const [i, c] of conns.entries()) {
          const nodeHttp = await load(ctx, node, c, o);
          const nimbus = nimbusLevels[i];
          if (nimbus) levels.push({ conns: c, nimbus, nodeHttp });
          ctx.log(
            `Invoke c=${c}: p50 ${nimbus?.p50Ms} ms, p99 ${nimbus?.p99Ms} ms (node:http ${nodeHttp.p50Ms} / ${nodeHttp.p99Ms})`,
          );
        }
      } finally {
        await node.stop();
      }
      return { rows: invokeRows(levels), results: { settings: { conns, ...o }, levels } };
    }),
};

function invokeRows(levels: InvokeLevel[]): Row[] {
  const rows: Row[] = [];
  for (const l of levels) {
    const c = l.conns;
    const ref = (v: number) => ({ value: v, name: 'node:http' });
    const fig = (what: string) => `warm Invoke c=${c} ${what}`;
    rows.push(
      row(fig('p50 ms'), l.nimbus.p50Ms, ref(l.nodeHttp.p50Ms)),
      row(fig('p99 ms'), l.nimbus.p99Ms, ref(l.nodeHttp.p99Ms)),
      // Against node:http's median: its p99 is the machine's noise, not a floor to subtract.
      row(
        fig('added p50 ms (Invoke p50 − node:http p50)'),
        round(l.nimbus.p50Ms - l.nodeHttp.p50Ms),
        null,
        c === 1 ? { text: '≤ 1 ms', meets: (v) => v <= 1 } : undefined,
      ),
      row(
        fig('added p99 ms (Invoke p99 − node:http p50)'),
        round(l.nimbus.p99Ms - l.nodeHttp.p50Ms),
        null,
        c === 1 ? { text: '≤ 5 ms', meets: (v) => v <= 5 } : undefined,
      ),
      row(fig('invocations/s'), l.nimbus.requestsPerS, ref(l.nodeHttp.requestsPerS)),
      row(fig('  server CPU ms/invoke'), l.nimbus.cpu.serverMs, null),
      row(fig('  instance CPU ms/invoke'), l.nimbus.cpu.instancesMs, null),
    );
  }
  return rows;
}
