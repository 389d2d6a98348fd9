import { type CpuSplit, cpuPerRequest, cpuSplit } from './cpu-split.js';
import {
  type Missing,
  startNimbusGateway,
  startNodeHttp,
  startSlsOffline,
  startWorkerd,
  type Target,
} from './gateway-targets.js';
import type { BenchContext, BenchGroup, GroupResult } from './groups.js';
import { keepAliveAgent, request } from './http-load.js';
import { noteRow, type Row, row } from './table.js';
import { runWrk, type WrkResult } from './wrk.js';

/** One concurrency level of one server: wrk's figures and where the CPU went. */
export interface HttpLevel extends WrkResult {
  /** CPU ms per request of the server process, and of its descendants (Nimbus's instances). */
  cpu: { serverMs: number; instancesMs: number };
}

export interface HttpTargetResult {
  name: string;
  levels: HttpLevel[];
  /** Why it was not measured (not installed, failed to start). */
  skipped?: string;
}

/** Starts `count` requests at once so that every one gets its own warm instance. */
async function prestart(t: Target, count: number): Promise<void> {
  const agent = keepAliveAgent(count);
  try {
    const get = () =>
      request({ port: t.port, method: 'GET', path: t.path, agent, timeoutMs: 60_000 });
    await Promise.all(Array.from({ length: count }, get));
  } finally {
    agent.destroy();
  }
}

async function measureTarget(
  ctx: BenchContext,
  name: string,
  start: () => Promise<Target | Missing>,
  o: { conns: number[]; secs: number; warmupS: number; prestart: boolean },
): Promise<HttpTargetResult> {
  let t: Target | Missing;
  try {
    t = await start();
  } catch (e) {
    const why = `failed to start: ${(e as Error).message.slice(0, 200)}`;
    ctx.log(`${name}: ${why}`);
    return { name, levels: [], skipped: why };
  }
  if ('missing' in t) {
    ctx.log(`${name}: ${t.missing}`);
    return { name, levels: [], skipped: t.missing };
  }
  const target = t;
  try {
    const url = `http://127.0.0.1:${target.port}${target.path}`;
    // Nimbus serves one request per instance: start as many as the highest level needs.
    if (o.prestart) await prestart(target, Math.max(...o.conns));
    const levels: HttpLevel[] = [];
    for (const c of o.conns) {
      // Each level gets its own warm-up at its own concurrency (JIT, instances, pools).
      if (o.warmupS > 0) await runWrk(url, c, o.warmupS, ctx.clientCpus);
      const before: CpuSplit = cpuSplit(target.pid);
      const r = await runWrk(url, c, o.secs, ctx.clientCpus);
      const cpu = cpuPerRequest(before, cpuSplit(target.pid), r.requests);
      ctx.log(
        `${name} c=${c}: ${r.requestsPerS} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
          `non-2xx ${r.non2xx}, cpu ms/req server ${cpu.serverMs} instances ${cpu.instancesMs}, ` +
          `cpus busy ${JSON.stringify(r.cpuBusyPct)}`,
      );
      levels.push({ ...r, cpu });
    }
    return { name, levels };
  } finally {
    await target.stop();
  }
}

/**
 * Warm HTTP-trigger hello: Nimbus's gateway (a warm hello function behind `GET /hello`)
 * beside a plain node:http hello (the limit), workerd and serverless-offline, each driven
 * by wrk at each concurrency, servers on one CPU and wrk on the other (shared/bench's
 * load.mjs). Nimbus's instances inherit the server's CPU: the whole platform gets one core.
 */
export const httpGroup: BenchGroup = {
  name: 'http',
  title:
    'warm HTTP-trigger hello, wrk; servers (Nimbus + its instances) on one CPU, wrk on another',
  async run(ctx): Promise<GroupResult> {
    const o = {
      conns: (process.env.CONNS ?? '10,50,200').split(',').map(Number),
      secs: ctx.int('SECS', 8),
      warmupS: ctx.int('WARMUP_S', 3),
    };
    if (!o.conns.every((c) => Number.isInteger(c) && c >= 1 && c <= 256)) {
      throw new Error(`CONNS must be a list like 10,50 (got ${process.env.CONNS})`);
    }
    const cpus = ctx.serverCpus;
    const targets: [string, () => Promise<Target | Missing>][] = [
      ['node:http', () => startNodeHttp(cpus)],
      ['nimbus', () => startNimbusGateway(ctx.root, cpus, ctx.own)],
      ['workerd', () => startWorkerd(ctx.peersDir, cpus)],
      ['serverless-offline', () => startSlsOffline(ctx.peersDir, cpus)],
    ];
    const results: HttpTargetResult[] = [];
    for (const [name, start] of targets) {
      results.push(await measureTarget(ctx, name, start, { ...o, prestart: name === 'nimbus' }));
    }
    return { rows: httpRows(results, o.conns), results: { settings: o, targets: results } };
  },
};

/** Requests/s, p50 and p99 per server and level (ratios against node:http), and Nimbus's CPU split. */
export function httpRows(results: HttpTargetResult[], conns: number[]): Row[] {
  const rows: Row[] = [];
  const base = results.find((r) => r.name === 'node:http');
  for (const c of conns) {
    const ref = base?.levels.find((l) => l.conns === c);
    const refOf = (v: number | undefined) => ({ value: v ?? null, name: 'node:http' });
    for (const t of results) {
      const subject = t.name;
      const l = t.levels.find((x) => x.conns === c);
      const fig = (what: string) => `warm HTTP hello c=${c} ${what}`;
      if (!l) {
        rows.push(noteRow(fig('req/s'), t.skipped ?? 'not measured', subject));
        continue;
      }
      const isNimbus = t.name === 'nimbus';
      const more = { subject };
      rows.push(
        row(
          fig('req/s'),
          l.requestsPerS,
          refOf(ref?.requestsPerS),
          isNimbus && c === 10
            ? { text: '≥ 0.20× node:http', meets: (_v, ratio) => ratio !== null && ratio >= 0.2 }
            : undefined,
          more,
        ),
        row(fig('p50 ms'), l.p50Ms, refOf(ref?.p50Ms), undefined, more),
        row(
          fig('p99 ms'),
          l.p99Ms,
          refOf(ref?.p99Ms),
          isNimbus && c === 10 ? { text: '≤ 5 ms', meets: (v) => v <= 5 } : undefined,
          more,
        ),
      );
      if (l.non2xx > 0 || l.socketErrors !== 'none') {
        rows.push(noteRow(fig('errors'), `non-2xx ${l.non2xx}, socket ${l.socketErrors}`, subject));
      }
      if (isNimbus) {
        const refCpu = { value: ref?.cpu.serverMs ?? null, name: 'node:http' };
        rows.push(
          row(
            fig('CPU ms/request, server+instances'),
            l.cpu.serverMs + l.cpu.instancesMs,
            refCpu,
            undefined,
            more,
          ),
          row(fig('  of which server CPU ms/request'), l.cpu.serverMs, null, undefined, more),
          row(fig('  of which instances CPU ms/request'), l.cpu.instancesMs, null, undefined, more),
        );
      }
    }
  }
  return rows;
}
