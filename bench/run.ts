// `npm run bench`: the platform core side by side with its references, in one run.
// Cold start vs `node -e 0`, warm Invoke vs a plain node:http server, idle instance memory
// vs a bare node process. Prints a table; writes bench/results/core-<timestamp>.json.
// Env: N=20 (cold starts), SECS=5 (per load level), CONCURRENCY=1,8,32, WARMUP_REQUESTS=4000
// (before the first level, at most 10 s), PIN=client|all|none (see pinMode), CPU_PROF=<dir>
// (server --cpu-prof), BENCH_TIMEOUT_S=600.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureColdStarts } from './lib/cold-start.js';
import { type CoreResults, figureRows } from './lib/figures.js';
import { measureIdleInstance } from './lib/instance-memory.js';
import { createFunction, helloZip, updateEnvironment } from './lib/lambda-api.js';
import { cpuBusyPct, cpuSnapshot, loadAvg1 } from './lib/machine.js';
import { ensureBuilt, startNimbus } from './lib/nimbus-server.js';
import { procMemory } from './lib/proc-memory.js';
import { pin } from './lib/processes.js';
import { bareNodeMemory, startNodeHello } from './lib/reference.js';
import { formatTable } from './lib/table.js';
import { measureWarm } from './lib/warm-invoke.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTION_NAME = 'hello';

function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number (got ${raw})`);
  return v;
}

// Read before any pinning narrows our affinity mask.
const CPUS = os.availableParallelism();

/**
 * Warm-phase CPU pinning. `client`: the load generator (this process) on CPU 1,
 * everything else free. `all`: also the server side (server, its instances,
 * node:http) on CPU 0, as shared/bench/load.mjs does for one-process peers.
 */
type PinMode = 'none' | 'client' | 'all';

function pinMode(raw: string | undefined): PinMode {
  if (CPUS < 2 || raw === '0' || raw === 'none') return 'none';
  if (raw === undefined || raw === '' || raw === 'client') return 'client';
  if (raw === '1' || raw === 'all') return 'all';
  throw new Error(`PIN must be none, client or all (got ${raw})`);
}

function concurrencyList(raw: string): number[] {
  const list = raw.split(',').map(Number);
  if (!list.every((c) => Number.isInteger(c) && c >= 1 && c <= 64)) {
    throw new Error(`CONCURRENCY must be a list like 1,8,32 of numbers 1-64 (got ${raw})`);
  }
  return list;
}

const settings = {
  coldIterations: intEnv('N', 20),
  secsPerLevel: intEnv('SECS', 5),
  jitWarmupRequests: intEnv('WARMUP_REQUESTS', 4000),
  concurrencies: concurrencyList(process.env.CONCURRENCY ?? '1,8,32'),
  pin: pinMode(process.env.PIN),
  cpuProfDir: process.env.CPU_PROF ? path.resolve(process.env.CPU_PROF) : null,
  timeoutS: intEnv('BENCH_TIMEOUT_S', 600),
};

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// Stop functions of everything we started, run last-first, even on failure or signal.
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

/** Stops everything owned, including what gets owned while this runs. */
async function cleanup(): Promise<void> {
  stopping ??= drain();
  for (let p = stopping; ; p = stopping) {
    await p;
    if (p === stopping) return;
  }
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

async function main(): Promise<void> {
  const loadAvgBefore = loadAvg1();
  const build = ensureBuilt(ROOT);
  log(`dist: ${build}`);
  const server = await startNimbus({
    root: ROOT,
    own,
    ...(settings.cpuProfDir
      ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfDir}`] }
      : {}),
  });
  log(
    `nimbus server pid ${server.pid} on 127.0.0.1:${server.port}: ${JSON.stringify(server.health)}`,
  );
  await createFunction(server.port, FUNCTION_NAME, await helloZip());

  const cpu0 = cpuSnapshot();
  log(`cold starts: ${settings.coldIterations} (+2 untimed), interleaved with node -e 0`);
  const cold = await measureColdStarts({
    port: server.port,
    serverPid: server.pid,
    functionName: FUNCTION_NAME,
    iterations: settings.coldIterations,
    warmupIterations: 2,
    settleMs: 50,
  });
  if (cold.notCold > 0) log(`WARNING: ${cold.notCold} "cold" invokes had no Init Duration`);

  const cpuCold = cpuSnapshot();
  log('idle instance memory');
  const memory = await measureIdleInstance({
    port: server.port,
    serverPid: server.pid,
    functionName: FUNCTION_NAME,
    invocations: 10,
    idleMs: 1000,
  });
  const bareNode = await bareNodeMemory(ROOT);

  if (settings.pin !== 'none') pin(process.pid, '1');
  if (settings.pin === 'all') {
    // A new revision makes the next instances start from the pinned server (they inherit its mask).
    pin(server.pid, '0');
    await updateEnvironment(server.port, FUNCTION_NAME, { BENCH_PHASE: 'warm' }, false);
  }
  const nodeHello = await startNodeHello(ROOT, settings.pin === 'all' ? '0' : undefined, own);
  log(
    `warm load: c=${settings.concurrencies.join(',')}, ${settings.secsPerLevel} s each after a warm-up ` +
      `(first: ${settings.jitWarmupRequests} requests or 10 s; then 1 s), nimbus then node:http`,
  );
  const cpuWarm = cpuSnapshot();
  const warm = await measureWarm({
    port: server.port,
    serverPid: server.pid,
    functionName: FUNCTION_NAME,
    nodeHelloPort: nodeHello.port,
    nodeHelloPid: nodeHello.proc.pid,
    concurrencies: settings.concurrencies,
    durationMs: settings.secsPerLevel * 1000,
    warmupMs: 1000,
    jitWarmupRequests: settings.jitWarmupRequests,
    jitWarmupMaxMs: 10_000,
    breakdownSamples: 200,
  });
  const serverAfterLoad = procMemory(server.pid);
  // Our own work uses at most ~2 CPUs' worth in the warm phase; a busy cold phase or a
  // high load average before the run means other work shared the machine.
  const machineLoad = {
    loadAvg1Before: loadAvgBefore,
    loadAvg1After: loadAvg1(),
    coldPhaseCpuBusyPct: cpuBusyPct(cpu0, cpuCold),
    warmPhaseCpuBusyPct: cpuBusyPct(cpuWarm, cpuSnapshot()),
  };
  await cleanup();

  const results: CoreResults = { cold, warm, memory, bareNode, serverAfterLoad };
  const rows = figureRows(results);
  const when = new Date().toISOString();
  const doc = {
    when,
    machine: {
      cpus: CPUS,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      kernel: os.release(),
      load: machineLoad,
    },
    settings: { ...settings, build },
    server: server.health,
    rows,
    results,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `core-${when.replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(path.join(dir, 'core-latest.json'), text);

  const pinning = {
    none: 'unpinned',
    client: 'warm phase: client pinned to CPU 1, servers free',
    all: 'warm phase: server+instances and node:http pinned to CPU 0, client to CPU 1',
  }[settings.pin];
  process.stdout.write(
    `\nNimbus core bench — ${doc.machine.cpus} CPUs, node ${process.version}, isolation ` +
      `${String(server.health.isolation)}, ${pinning}\n\n${formatTable(rows)}\n\n` +
      `instance tree: ${memory.tree}\n` +
      memory.processes
        .map(
          (p) => `  ${p.comm}(${p.pid}): USS ${p.ussMb} MB, PSS ${p.pssMb} MB, RSS ${p.rssMb} MB\n`,
        )
        .join('') +
      `results: ${path.relative(ROOT, file)}\n`,
  );
  if (loadAvgBefore > 0.5) {
    log(
      `WARNING: load average was ${loadAvgBefore} before the run (cold phase CPUs busy ` +
        `${JSON.stringify(machineLoad.coldPhaseCpuBusyPct)}): other work shared the machine; figures are noisy`,
    );
  }
  for (const l of warm.levels) {
    if (l.nimbus.errors || l.nodeHttp.errors) {
      log(
        `c=${l.concurrency}: errors nimbus ${l.nimbus.errors} (${l.nimbus.firstError}), node:http ${l.nodeHttp.errors}`,
      );
    }
  }
}

try {
  await main();
} catch (e) {
  // After a signal or the time limit, requests fail because we stopped the servers: not news.
  if (!interrupted) log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
