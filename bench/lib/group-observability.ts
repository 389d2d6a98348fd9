import { createServer, type Server } from 'node:http';
import { cpuSplit } from './cpu-split.js';
import { startNimbusGateway } from './gateway-targets.js';
import type { BenchGroup, GroupResult } from './groups.js';
import type { NimbusServer } from './nimbus-server.js';
import { percentile, round } from './stats.js';
import { noteRow, type Row, row } from './table.js';
import { runWrk } from './wrk.js';

/** A server variant: what it sets. */
interface Variant {
  name: 'base' | 'tracing' | 'no-metrics';
  env: Record<string, string>;
}

interface Measured {
  requestsPerS: number[];
  p99Ms: number[];
  /** The server process's own CPU (not its instances') per request, µs. */
  serverCpuUs: number[];
}

/** An OTLP/HTTP sink on 127.0.0.1: answers 200 and counts the spans it was sent. */
async function startSink(): Promise<{ url: string; spans(): number; close(): Promise<void> }> {
  let spans = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
      } catch {
        // not JSON: counted as nothing
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => spans,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * What tracing and metric collection cost a warm gateway request: three servers in one
 * run — metrics on and tracing off (the default), tracing on (spans to an OTLP sink in
 * this process), metrics off (NIMBUS_METRICS=off) — measured in turns with wrk at c=10,
 * OBS_ROUNDS rounds of OBS_SECS each; medians. Server CPU is the server process's own
 * (/proc/<pid>/task/<tid>/schedstat), without its instances'.
 */
export const observabilityGroup: BenchGroup = {
  name: 'observability',
  title: 'tracing and metrics cost: warm HTTP hello, wrk c=10, servers on one CPU, wrk on another',
  async run(ctx): Promise<GroupResult> {
    const o = {
      secs: ctx.int('OBS_SECS', 2),
      warmupS: ctx.int('OBS_WARMUP_S', 3),
      rounds: Math.max(1, ctx.int('OBS_ROUNDS', 5)),
      conns: 10,
    };
    const sink = await startSink();
    ctx.own(sink.close);
    const variants: Variant[] = [
      { name: 'base', env: {} },
      { name: 'tracing', env: { NIMBUS_OTLP_ENDPOINT: sink.url } },
      { name: 'no-metrics', env: { NIMBUS_METRICS: 'off' } },
    ];
    const servers = new Map<string, NimbusServer>();
    const measured = new Map<string, Measured>();
    try {
      for (const v of variants) {
        servers.set(
          v.name,
          (await startNimbusGateway(ctx.root, ctx.serverCpus, ctx.own, v.env)).server,
        );
        measured.set(v.name, { requestsPerS: [], p99Ms: [], serverCpuUs: [] });
      }
      for (const v of variants) {
        const s = servers.get(v.name)!;
        await runWrk(`http://127.0.0.1:${s.httpPort}/hello`, o.conns, o.warmupS, ctx.clientCpus);
      }
      // In turns, so drift in the machine's load falls on every variant alike.
      for (let r = 0; r < o.rounds; r++) {
        for (const v of variants) {
          const s = servers.get(v.name)!;
          const before = cpuSplit(s.pid);
          const w = await runWrk(
            `http://127.0.0.1:${s.httpPort}/hello`,
            o.conns,
            o.secs,
            ctx.clientCpus,
          );
          const cpuUs = ((cpuSplit(s.pid).server - before.server) * 1000) / Math.max(1, w.requests);
          const m = measured.get(v.name)!;
          m.requestsPerS.push(w.requestsPerS);
          m.p99Ms.push(w.p99Ms);
          m.serverCpuUs.push(round(cpuUs, 1));
          ctx.log(
            `${v.name} round ${r + 1}: ${w.requestsPerS} req/s, p99 ${w.p99Ms} ms, ` +
              `server CPU ${round(cpuUs, 1)} µs/req, non-2xx ${w.non2xx}`,
          );
        }
      }
    } finally {
      for (const s of servers.values()) await s.stop();
    }
    // Spans of the last requests leave within OTel's 5 s batch delay or at shutdown.
    const spans = sink.spans();
    await sink.close();
    const med = (name: string, k: keyof Measured) => percentile(measured.get(name)?.[k] ?? [], 0.5);
    const rows: Row[] = [
      row('gateway hello c=10 req/s, tracing off (default)', med('base', 'requestsPerS'), null),
      row(
        'gateway hello c=10 req/s, tracing on (OTLP to a local sink)',
        med('tracing', 'requestsPerS'),
        { value: med('base', 'requestsPerS'), name: 'tracing off' },
      ),
      row('gateway hello c=10 p99 ms, tracing on', med('tracing', 'p99Ms'), {
        value: med('base', 'p99Ms'),
        name: 'tracing off',
      }),
      row(
        'server CPU µs/request, metrics on (default)',
        med('base', 'serverCpuUs'),
        { value: med('no-metrics', 'serverCpuUs'), name: 'NIMBUS_METRICS=off' },
        { text: '≤ 1.05× metrics off', meets: (_v, ratio) => ratio !== null && ratio <= 1.05 },
      ),
      row('server CPU µs/request, tracing on', med('tracing', 'serverCpuUs'), {
        value: med('base', 'serverCpuUs'),
        name: 'tracing off',
      }),
      noteRow(
        'spans the sink received',
        `${spans} (3 per request: gateway, handler, and more on cold starts)`,
      ),
    ];
    return { rows, results: { settings: o, measured: Object.fromEntries(measured), spans } };
  },
};
