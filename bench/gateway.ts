// The HTTP gateway beside its references, in one run, with one load generator (wrk):
// a warm hello function behind `GET /hello` on the Nimbus gateway, a plain node:http hello
// server (the limit), and serverless-offline (shared/bench). Requests/s and p50/p99 at 10
// and 50 connections; servers (Nimbus with its instances) pinned to CPU 0, wrk to CPU 1, as
// shared/bench/load.mjs does. Prints a table; writes bench/results/gateway-<timestamp>.json.
//
// Runs on its own: `npm run bench:gateway` (bench/run.ts was being changed by its owner).
// Env: SECS=10 (per level), CONNS=10,50, WARMUP_S=3 (at c=50, discarded), PEERS_DIR=/tmp/nimbus-peers
// (a copy of shared/bench after its install.sh; without it serverless-offline is skipped),
// PIN=1 (0: no pinning), BENCH_TIMEOUT_S=900.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startNimbusGateway,
  startNodeHttp,
  startSlsOffline,
  type Target,
} from './lib/gateway-targets.js';
import { loadAvg1 } from './lib/machine.js';
import { ensureBuilt } from './lib/nimbus-server.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number`);
  return v;
};
const settings = {
  secs: num('SECS', 10),
  conns: (process.env.CONNS ?? '10,50').split(',').map(Number),
  warmupS: num('WARMUP_S', 3),
  peersDir: process.env.PEERS_DIR ?? '/tmp/nimbus-peers',
  pin: process.env.PIN !== '0' && os.availableParallelism() >= 2,
  timeoutS: num('BENCH_TIMEOUT_S', 900),
};
const serverCpus = settings.pin ? '0' : undefined;
const clientCpus = settings.pin ? '1' : null;
const log = (msg: string) => process.stderr.write(`[bench:gateway] ${msg}\n`);

let current: Target | null = null;
const stopCurrent = async () => {
  const t = current;
  current = null;
  await t?.stop();
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => void stopCurrent().then(() => process.exit(130)));
}
setTimeout(() => {
  log(`timed out after ${settings.timeoutS} s`);
  void stopCurrent().then(() => process.exit(2));
}, settings.timeoutS * 1000).unref();

interface TargetResult {
  name: string;
  levels: WrkResult[];
  skipped?: string;
}

async function measure(
  start: () => Promise<Target | { missing: string }>,
  name: string,
): Promise<TargetResult> {
  let started: Target | { missing: string };
  try {
    started = await start();
  } catch (e) {
    log(`${name}: could not start: ${(e as Error).message}`);
    return { name, levels: [], skipped: `could not start: ${(e as Error).message.slice(0, 200)}` };
  }
  if ('missing' in started) {
    log(`${name}: skipped: ${started.missing}`);
    return { name, levels: [], skipped: started.missing };
  }
  current = started;
  try {
    const url = `http://127.0.0.1:${started.port}${started.path}`;
    if (settings.warmupS > 0) await runWrk(url, 50, settings.warmupS, clientCpus);
    const levels: WrkResult[] = [];
    for (const c of settings.conns) {
      const r = await runWrk(url, c, settings.secs, clientCpus);
      log(
        `${name} c=${c}: ${r.requestsPerS} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, cpu ${JSON.stringify(r.cpuBusyPct)}`,
      );
      levels.push(r);
    }
    return { name, levels };
  } finally {
    await stopCurrent();
  }
}

async function main(): Promise<void> {
  const loadBefore = loadAvg1();
  const build = ensureBuilt(ROOT);
  let health: unknown = null;
  const nodeHttp = await measure(() => startNodeHttp(serverCpus), 'node:http');
  const nimbus = await measure(async () => {
    const t = await startNimbusGateway(ROOT, serverCpus);
    health = t.health;
    return t;
  }, 'nimbus gateway');
  const sls = await measure(
    () => startSlsOffline(settings.peersDir, serverCpus),
    'serverless-offline',
  );

  const rows: string[][] = [];
  for (const c of settings.conns) {
    const base = nodeHttp.levels.find((l) => l.conns === c);
    for (const t of [nodeHttp, nimbus, sls]) {
      const l = t.levels.find((x) => x.conns === c);
      const ratio =
        l && base ? `${((100 * l.requestsPerS) / base.requestsPerS).toFixed(1)} %` : '—';
      rows.push([
        String(c),
        t.name,
        l ? String(l.requestsPerS) : t.skipped ? 'skipped' : '—',
        l ? l.p50Ms.toFixed(3) : '—',
        l ? l.p99Ms.toFixed(3) : '—',
        ratio,
        l ? String(l.non2xx) : '—',
      ]);
    }
  }
  const header = ['conns', 'server', 'req/s', 'p50 ms', 'p99 ms', 'of node:http', 'non-2xx'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const table = [line(header), ...rows.map(line)].join('\n');

  const nimbus10 = nimbus.levels.find((l) => l.conns === 10);
  const node10 = nodeHttp.levels.find((l) => l.conns === 10);
  const target =
    nimbus10 && node10
      ? {
          ratioPct: Math.round((1000 * nimbus10.requestsPerS) / node10.requestsPerS) / 10,
          p99Ms: nimbus10.p99Ms,
          met: nimbus10.requestsPerS >= 0.2 * node10.requestsPerS && nimbus10.p99Ms <= 5,
        }
      : null;
  const when = new Date().toISOString();
  const doc = {
    when,
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      loadAvg1Before: loadBefore,
      loadAvg1After: loadAvg1(),
    },
    settings: { ...settings, build, loadGenerator: 'wrk -t1', serverCpus, clientCpus },
    server: health,
    target: { text: 'DESIGN §6: ≥ 20 % of node:http req/s at 10 conns, p99 ≤ 5 ms', ...target },
    results: [nodeHttp, nimbus, sls],
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `gateway-${when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(path.join(dir, 'gateway-latest.json'), `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(
    `\nNimbus HTTP gateway bench — ${doc.machine.cpus} CPUs, node ${process.version}, wrk, ${settings.secs} s per level, ` +
      `${settings.pin ? 'servers on CPU 0, wrk on CPU 1' : 'unpinned'}\n\n${table}\n\n` +
      (target
        ? `target (≥ 20 % of node:http at 10 conns, p99 ≤ 5 ms): ${target.ratioPct} %, p99 ${target.p99Ms} ms — ${target.met ? 'met' : 'NOT met'}\n`
        : '') +
      `results: ${path.relative(ROOT, file)}\n`,
  );
  if (loadBefore > 0.5)
    log(`WARNING: load average was ${loadBefore} before the run: figures are noisy`);
}

try {
  await main();
} catch (e) {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  await stopCurrent();
}
