// `npm run bench`: Nimbus beside its references, every comparison in the same run (ratios,
// because these machines are noisy). Row groups: cold start, warm HTTP trigger, warm Invoke
// API, idle instance memory, scale. Prints one table; writes bench/results/bench-<time>.json
// (and bench-latest.json). bench/README.md lists every row and every knob.
// Env: BENCH_GROUPS=cold,http,invoke,memory,scale (a subset, in this order), PIN=1 (0: no
// pinning), PEERS_DIR=/tmp/nimbus-peers, BENCH_TIMEOUT_S=900, and each group's own knobs.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncGroup } from './lib/group-async.js';
import { coldGroup } from './lib/group-cold.js';
import { httpGroup } from './lib/group-http.js';
import { invokeGroup } from './lib/group-invoke.js';
import { memoryGroup } from './lib/group-memory.js';
import { observabilityGroup } from './lib/group-observability.js';
import { scaleGroup } from './lib/group-scale.js';
import { servicesGroup } from './lib/group-services.js';
import { type BenchContext, type BenchGroup, intEnv } from './lib/groups.js';
import { cpuBusyPct, cpuSnapshot, loadAvg1 } from './lib/machine.js';
import { ensureBuilt } from './lib/nimbus-server.js';
import { formatGroups, noteRow, type Row } from './lib/table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every row group, in run order. More plug in here: a BenchGroup (bench/lib/groups.ts)
 * whose run() starts what it needs, returns its rows and raw results, and stops what it
 * started (e.g. queue messages/s, S3 MB/s).
 */
const GROUPS: BenchGroup[] = [
  coldGroup,
  httpGroup,
  invokeGroup,
  asyncGroup,
  memoryGroup,
  scaleGroup,
  servicesGroup,
  observabilityGroup,
];

const CPUS = os.availableParallelism();
const pinned = process.env.PIN !== '0' && CPUS >= 2;
const wanted = (process.env.BENCH_GROUPS ?? '').split(',').filter(Boolean);
const unknown = wanted.filter((w) => !GROUPS.some((g) => g.name === w));
if (unknown.length) {
  throw new Error(
    `BENCH_GROUPS: unknown ${unknown.join(', ')} (known: ${GROUPS.map((g) => g.name).join(', ')})`,
  );
}
const groups = wanted.length ? GROUPS.filter((g) => wanted.includes(g.name)) : GROUPS;
const settings = {
  groups: groups.map((g) => g.name),
  pin: pinned,
  peersDir: path.resolve(process.env.PEERS_DIR ?? '/tmp/nimbus-peers'),
  timeoutS: intEnv('BENCH_TIMEOUT_S', 900),
};
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// Stop functions of everything started, run last-first, even on failure or signal.
const stops: (() => Promise<void>)[] = [];
let stopping: Promise<void> | null = null;

async function drain(): Promise<void> {
  for (let stop = stops.pop(); stop; stop = stops.pop()) {
    await stop().catch((e: unknown) => log(`cleanup: ${String(e)}`));
  }
}

/** Registers what stops a child we started; once cleanup has begun, it is stopped at once. */
function own(stop: () => Promise<void>): void {
  stops.push(stop);
  if (stopping) stopping = stopping.then(drain);
}

/**
 * Stops everything owned, including what gets owned while this runs; afterwards (between
 * groups) new children are owned as usual again, unless the run is being stopped.
 */
async function cleanup(): Promise<void> {
  stopping ??= drain();
  for (let p = stopping; ; p = stopping) {
    await p;
    if (p === stopping) break;
  }
  if (!interrupted) stopping = null;
}

let interrupted = false;
function stopAndExit(why: string, code: number): void {
  interrupted = true;
  log(`${why}: stopping`);
  void cleanup().then(() => process.exit(code));
}
process.on('SIGINT', () => stopAndExit('SIGINT', 130));
process.on('SIGTERM', () => stopAndExit('SIGTERM', 143));
setTimeout(
  () => stopAndExit(`timed out after ${settings.timeoutS} s`, 2),
  settings.timeoutS * 1000,
).unref();

const ctx: BenchContext = {
  root: ROOT,
  peersDir: settings.peersDir,
  serverCpus: pinned ? '0' : undefined,
  clientCpus: pinned ? '1' : null,
  log,
  own,
  int: intEnv,
};

interface GroupRecord {
  name: string;
  title: string;
  seconds: number;
  /** Per-CPU busy % over the group (100 everywhere: it had the machine to itself, or not). */
  cpuBusyPct: Record<string, number>;
  loadAvg1After: number;
  rows: Row[];
  results: unknown;
  error?: string;
}

async function main(): Promise<void> {
  const loadAvg1Before = loadAvg1();
  const build = ensureBuilt(ROOT);
  log(`dist: ${build}; groups: ${settings.groups.join(', ')}; load average ${loadAvg1Before}`);
  const records: GroupRecord[] = [];
  for (const g of groups) {
    if (interrupted) break;
    log(`== ${g.name}: ${g.title}`);
    const t0 = performance.now();
    const cpu0 = cpuSnapshot();
    let rec: Pick<GroupRecord, 'rows' | 'results' | 'error'>;
    try {
      rec = await g.run(ctx);
    } catch (e) {
      // One group failing (a peer, a feature mid-change) leaves the others' figures standing.
      const message = e instanceof Error ? e.message : String(e);
      if (!interrupted) log(`${g.name} failed: ${e instanceof Error ? e.stack : message}`);
      rec = {
        rows: [noteRow(`${g.name}`, `failed: ${message.slice(0, 120)}`)],
        results: null,
        error: message,
      };
    }
    await cleanup();
    records.push({
      name: g.name,
      title: g.title,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      cpuBusyPct: cpuBusyPct(cpu0, cpuSnapshot()),
      loadAvg1After: loadAvg1(),
      ...rec,
    });
  }
  const when = new Date().toISOString();
  const doc = {
    when,
    machine: {
      cpus: CPUS,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      kernel: os.release(),
      loadAvg1Before,
      loadAvg1After: loadAvg1(),
    },
    settings: {
      ...settings,
      build,
      serverCpus: ctx.serverCpus ?? null,
      clientCpus: ctx.clientCpus,
    },
    groups: records,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${when.replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(path.join(dir, 'bench-latest.json'), text);
  const table = formatGroups(
    records.map((r) => ({
      title: `${r.title} — ${r.seconds} s, CPUs busy ${JSON.stringify(r.cpuBusyPct)}, load ${r.loadAvg1After}`,
      rows: r.rows,
    })),
  );
  process.stdout.write(
    `\nNimbus bench — ${CPUS} CPUs (${doc.machine.cpuModel}), node ${process.version}, ` +
      `${pinned ? 'servers on CPU 0, load generator on CPU 1 (where a group pins)' : 'unpinned'}, ` +
      `load average ${loadAvg1Before} → ${doc.machine.loadAvg1After}\n\n${table}\n\nresults: ${path.relative(ROOT, file)}\n`,
  );
  if (loadAvg1Before > 0.5) {
    log(
      `WARNING: load average was ${loadAvg1Before} before the run: other work shared the machine`,
    );
  }
  if (records.some((r) => r.error)) process.exitCode = 1;
}

try {
  await main();
} catch (e) {
  if (!interrupted) log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
