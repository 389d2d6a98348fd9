import { readFileSync } from 'node:fs';
import os from 'node:os';
import { addRoute, waitFor200 } from './gateway-targets.js';
import type { BenchContext, BenchGroup, GroupResult } from './groups.js';
import { keepAliveAgent, request } from './http-load.js';
import { apiCall, createFunction, HTTP_HELLO_SOURCE, helloZip, invokePath } from './lambda-api.js';
import { type NimbusServer, withHelloServer } from './nimbus-server.js';
import { childTrees, flatten, procMemory } from './proc-memory.js';
import { pin } from './processes.js';
import { round, type Summary, summarize } from './stats.js';
import { type Row, row } from './table.js';
import { runWrk, withPostScript } from './wrk.js';

/** Per-request latency of one state of the server (1 function, 1,000, + idle instances). */
interface Probe {
  label: string;
  gateway: { p50Ms: number; p99Ms: number; requestsPerS: number };
  invoke: { p50Ms: number; p99Ms: number; requestsPerS: number };
  /** GET /health (counts every instance), sequential. */
  healthMs: Summary;
}

/** Runs `fn` over `items`, `limit` at a time; resolves each one's time in ms. */
async function timedEach<T>(items: T[], limit: number, fn: (x: T) => Promise<void>) {
  const ms: number[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const t0 = performance.now();
      await fn(items[i] as T);
      ms[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return ms;
}

const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 2);

/** MemAvailable of the host, MB. */
function memAvailableMb(): number {
  const m = /^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Every CPU, as a taskset list: set-up work is not pinned. */
const ALL_CPUS = `0-${os.availableParallelism() - 1}`;

/** Pins the server and every process under it (instances) to `cpus`. */
function pinTree(pid: number, cpus: string): void {
  pin(pid, cpus);
  for (const tree of childTrees(pid)) for (const p of flatten(tree)) pin(p.pid, cpus);
}

async function probe(
  ctx: BenchContext,
  s: NimbusServer,
  label: string,
  o: { secs: number; script: string },
): Promise<Probe> {
  if (ctx.serverCpus) pinTree(s.pid, ctx.serverCpus);
  const gwUrl = `http://127.0.0.1:${s.httpPort}/hello`;
  const invUrl = `http://127.0.0.1:${s.port}${invokePath('hello')}`;
  // Warm-ups: the server's and the instance's JIT (the first probe follows their start).
  await runWrk(gwUrl, 1, 3, ctx.clientCpus);
  const gw = await runWrk(gwUrl, 1, o.secs, ctx.clientCpus);
  await runWrk(invUrl, 1, 3, ctx.clientCpus, o.script);
  const inv = await runWrk(invUrl, 1, o.secs, ctx.clientCpus, o.script);
  const agent = keepAliveAgent(1);
  const health: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      health.push(
        (await request({ port: s.port, method: 'GET', path: '/health', agent })).elapsedMs,
      );
    }
  } finally {
    agent.destroy();
  }
  const pick = (r: typeof gw) => ({
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    requestsPerS: r.requestsPerS,
  });
  const p = { label, gateway: pick(gw), invoke: pick(inv), healthMs: summarize(health) };
  ctx.log(
    `scale ${label}: gateway p50 ${gw.p50Ms} p99 ${gw.p99Ms}, Invoke p50 ${inv.p50Ms} p99 ${inv.p99Ms}, /health p50 ${p.healthMs.p50} ms`,
  );
  return p;
}

/**
 * Per-request cost against the number of deployed functions (each with an HTTP route) and
 * of idle warm instances: c=1 latency of a gateway route and of the Invoke API with 1
 * function, with 1,000, and with 1,000 plus N idle warm instances (SCALE_IDLE, capped by the
 * host's free memory). Set-up runs on every CPU; each probe pins the server and its
 * instances to one CPU and wrk to the other. Everything stops with the server.
 */
export const scaleGroup: BenchGroup = {
  name: 'scale',
  title: 'scale: per-request latency (c=1) with 1 vs 1,000 functions and N idle warm instances',
  async run(ctx): Promise<GroupResult> {
    const functions = Math.max(2, ctx.int('SCALE_FUNCTIONS', 1000));
    // ~60 MB RSS each (USS ~15 MB): keep well inside what the host has free.
    const maxIdle = Math.floor(memAvailableMb() / 2 / 60);
    const idle = Math.min(ctx.int('SCALE_IDLE', 200), functions - 1, maxIdle);
    const secs = ctx.int('SCALE_SECS', 5);
    const start = {
      root: ctx.root,
      own: ctx.own,
      source: HTTP_HELLO_SOURCE,
      serverArgs: ['--max-concurrency', String(idle + 64), '--function-max-concurrency', '64'],
    };
    return withPostScript((script) =>
      withHelloServer(start, async (server) => {
        const o = { secs, script };
        const zip = await helloZip(HTTP_HELLO_SOURCE);
        await addRoute(server.port, 'GET /hello', 'hello');
        await waitFor200(server.proc, server.httpPort, '/hello', 30_000);
        // The first probe follows the server's start: JIT warm-up first, or the later probes
        // (with more functions) would look faster for having run longer.
        pinTree(server.pid, ctx.serverCpus ?? ALL_CPUS);
        await runWrk(`http://127.0.0.1:${server.httpPort}/hello`, 1, 8, ctx.clientCpus);
        const invUrl = `http://127.0.0.1:${server.port}${invokePath('hello')}`;
        await runWrk(invUrl, 1, 4, ctx.clientCpus, script);
        const probes: Probe[] = [await probe(ctx, server, '1 function', o)];
        pin(server.pid, ALL_CPUS); // set-up on every CPU
        const names = Array.from(
          { length: functions - 1 },
          (_, i) => `f${String(i + 1).padStart(4, '0')}`,
        );
        ctx.log(`scale: deploying ${names.length} more functions, each with a route`);
        const t0 = performance.now();
        const createMs = await timedEach(names, 8, (n) => createFunction(server.port, n, zip));
        const routeMs = await timedEach(names, 8, (n) => addRoute(server.port, `GET /f/${n}`, n));
        const deployS = round((performance.now() - t0) / 1000, 1);
        probes.push(await probe(ctx, server, `${functions} functions`, o));
        pin(server.pid, ALL_CPUS);
        ctx.log(`scale: starting ${idle} idle warm instances (one per function)`);
        const t1 = performance.now();
        const warmMs = await timedEach(names.slice(0, idle), 8, async (n) => {
          const a = await request({
            port: server.port,
            method: 'POST',
            path: invokePath(n),
            body: '{}',
            agent: false,
            timeoutMs: 60_000,
          });
          if (a.status !== 200) throw new Error(`Invoke ${n}: ${a.status} ${a.body.toString()}`);
        });
        const startS = round((performance.now() - t1) / 1000, 1);
        const instances = await apiCall(server.port, 'GET', '/health');
        ctx.log(`scale: /health instances ${JSON.stringify(instances.json?.instances)}`);
        probes.push(await probe(ctx, server, `${functions} functions + ${idle} idle instances`, o));
        const trees = childTrees(server.pid).filter((t) =>
          flatten(t).some((p) => p.comm === 'node'),
        );
        const mem = trees.flatMap((t) => flatten(t)).flatMap((p) => procMemory(p.pid) ?? []);
        const perInstance = (k: 'ussMb' | 'pssMb') =>
          round(mem.reduce((a, m) => a + m[k], 0) / Math.max(1, trees.length), 2);
        const results = {
          functions,
          idle,
          idleInstancesFound: trees.length,
          deployS,
          startIdleS: startS,
          createFunctionMs: {
            first100: mean(createMs.slice(0, 100)),
            last100: mean(createMs.slice(-100)),
          },
          addRouteMs: { first100: mean(routeMs.slice(0, 100)), last100: mean(routeMs.slice(-100)) },
          coldInvokeMs: summarize(warmMs),
          perIdleInstance: { ussMb: perInstance('ussMb'), pssMb: perInstance('pssMb') },
          serverRssMb: procMemory(server.pid)?.rssMb ?? null,
          probes,
        };
        return { rows: scaleRows(results), results };
      }),
    );
  },
};

function scaleRows(r: {
  functions: number;
  idle: number;
  idleInstancesFound: number;
  deployS: number;
  createFunctionMs: { first100: number; last100: number };
  addRouteMs: { first100: number; last100: number };
  perIdleInstance: { ussMb: number; pssMb: number };
  serverRssMb: number | null;
  probes: Probe[];
}): Row[] {
  const [one, ...more] = r.probes;
  if (!one) return [];
  const rows: Row[] = [];
  const ref = (v: number) => ({ value: v, name: '1 function' });
  for (const p of more) {
    rows.push(
      row(`gateway c=1 p50 ms, ${p.label}`, p.gateway.p50Ms, ref(one.gateway.p50Ms)),
      row(`gateway c=1 p99 ms, ${p.label}`, p.gateway.p99Ms, ref(one.gateway.p99Ms)),
      row(`Invoke c=1 p50 ms, ${p.label}`, p.invoke.p50Ms, ref(one.invoke.p50Ms)),
      row(`Invoke c=1 p99 ms, ${p.label}`, p.invoke.p99Ms, ref(one.invoke.p99Ms)),
      row(`GET /health p50 ms, ${p.label}`, p.healthMs.p50, ref(one.healthMs.p50)),
    );
  }
  const first = (v: number) => ({ value: v, name: 'first 100' });
  rows.push(
    row(
      `CreateFunction ms, last 100 of ${r.functions}`,
      r.createFunctionMs.last100,
      first(r.createFunctionMs.first100),
    ),
    row(
      `add route ms, last 100 of ${r.functions}`,
      r.addRouteMs.last100,
      first(r.addRouteMs.first100),
    ),
    row(`deploy ${r.functions - 1} functions + routes, s`, r.deployS, null),
    row(`idle instance USS MB each (${r.idleInstancesFound} idle)`, r.perIdleInstance.ussMb, null),
    row(`idle instance PSS MB each (${r.idleInstancesFound} idle)`, r.perIdleInstance.pssMb, null),
    row(
      `server RSS MB, ${r.functions} functions + ${r.idleInstancesFound} instances`,
      r.serverRssMb,
      null,
    ),
  );
  return rows;
}
