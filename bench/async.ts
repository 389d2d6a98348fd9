// `npm run bench:async`: async (Event) invocation figures, side by side with raw SQLite in one
// run. Enqueue latency p50/p99 (202 = durable), end-to-end events/s for a no-op function
// (target ≥ 2,000/s, DESIGN §6), and the store's size per million invocation records.
// Env: EVENTS=3000 (end-to-end), SEQ=500 (sequential enqueues), CONC=16, RECORDS=100000.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/index.js';
import type { InvocationRecord } from '../src/store/types.js';
import { keepAliveAgent, request } from './lib/http-load.js';
import { createFunction, invokePath } from './lib/lambda-api.js';
import { ensureBuilt, startNimbus } from './lib/nimbus-server.js';
import { sleep } from './lib/processes.js';
import { summarize } from './lib/stats.js';
import { fmt } from './lib/table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const int = (name: string, def: number) => Number(process.env[name] ?? def);
const EVENTS = int('EVENTS', 3000);
const SEQ = int('SEQ', 500);
const CONC = int('CONC', 16);
const RECORDS = int('RECORDS', 100_000);

async function noopZip(): Promise<Buffer> {
  const yazl = (await import('yazl')).default;
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('export const handler = async () => null;\n'), 'index.mjs');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function pending(port: number): Promise<number> {
  const a = await request({ port, method: 'GET', path: '/health', agent: false });
  return Number((JSON.parse(a.body.toString()) as { asyncPending?: number }).asyncPending ?? -1);
}

/** Raw better-sqlite3: one small row per transaction, WAL + NORMAL, as the store runs. */
function rawSqliteInsertsPerSec(n: number): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-sqlite-'));
  try {
    const db = new Database(path.join(dir, 'x.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('create table e (id text primary key, payload blob, t integer)');
    const ins = db.prepare('insert into e values (?, ?, ?)');
    const payload = Buffer.from('{}');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) ins.run(`id-${i}`, payload, i);
    const s = (performance.now() - t0) / 1000;
    db.close();
    return n / s;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function storeBytesPerMillionRecords(n: number): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-store-'));
  try {
    const store = await openStore(dir);
    const file = path.join(dir, 'nimbus.db');
    const size = () =>
      statSync(file).size +
      (() => {
        try {
          return statSync(`${file}-wal`).size;
        } catch {
          return 0;
        }
      })();
    const before = size();
    const now = Date.now();
    for (let i = 0; i < n; i += 1000) {
      const batch: InvocationRecord[] = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        batch.push({
          requestId: `00000000-0000-4000-8000-${String(j).padStart(12, '0')}`,
          functionName: `fn-${j % 50}`,
          version: '$LATEST',
          qualifier: null,
          invocationType: j % 2 ? 'Event' : 'RequestResponse',
          source: 'api',
          status: 'succeeded',
          attempts: 1,
          createdAtMs: now + j,
          queuedAtMs: now + j,
          startedAtMs: now + j,
          endedAtMs: now + j + 3,
          initDurationMs: null,
          durationMs: 2.71,
          billedDurationMs: 3,
          cold: false,
          maxMemoryMb: 42,
          errorType: null,
          errorMessage: null,
        });
      }
      await store.invocations.put(batch);
    }
    await store.close(); // checkpoints the WAL into the main file
    return ((size() - before) / n) * 1_000_000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const built = ensureBuilt(ROOT);
  const server = await startNimbus({ root: ROOT });
  const stopOnSignal = () => void server.stop().then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const port = server.port;
    await createFunction(port, 'noop', await noopZip());
    const agent = keepAliveAgent(CONC);
    const event = (n: number) =>
      request({
        port,
        method: 'POST',
        path: invokePath('noop'),
        headers: { 'X-Amz-Invocation-Type': 'Event' },
        body: `{"n":${n}}`,
        agent,
      });
    const sync = () =>
      request({ port, method: 'POST', path: invokePath('noop'), body: '{}', agent });
    for (let i = 0; i < 200; i++) await sync(); // warm instance and JIT

    // 1. Enqueue latency, one caller: the 202 means durable.
    const syncLat: number[] = [];
    for (let i = 0; i < SEQ; i++) syncLat.push((await sync()).elapsedMs);
    const enq: number[] = [];
    for (let i = 0; i < SEQ; i++) {
      const a = await event(i);
      if (a.status !== 202) throw new Error(`Event invoke answered ${a.status}: ${a.body}`);
      enq.push(a.elapsedMs);
    }
    while ((await pending(port)) > 0) await sleep(20);

    // 2. End to end: EVENTS events from CONC callers, until the queue is empty.
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (next < EVENTS) {
          const a = await event(next++);
          if (a.status !== 202) throw new Error(`Event invoke answered ${a.status}`);
        }
      }),
    );
    const acceptedS = (performance.now() - t0) / 1000;
    const until = performance.now() + 120_000;
    while ((await pending(port)) > 0 && performance.now() < until) await sleep(10);
    const totalS = (performance.now() - t0) / 1000;
    const left = await pending(port);

    // 3. References and store size.
    const rawRate = rawSqliteInsertsPerSec(20_000);
    const perMillion = await storeBytesPerMillionRecords(RECORDS);

    const e = summarize(enq);
    const s = summarize(syncLat);
    const rows = [
      [
        'enqueue latency p50 (ms)',
        fmt(e.p50),
        `sync invoke ${fmt(s.p50)}`,
        fmt(e.p50 / s.p50),
        '—',
      ],
      [
        'enqueue latency p99 (ms)',
        fmt(e.p99),
        `sync invoke ${fmt(s.p99)}`,
        fmt(e.p99 / s.p99),
        '—',
      ],
      [
        'accepted events/s (c=' + CONC + ')',
        fmt(EVENTS / acceptedS),
        `raw SQLite inserts/s ${fmt(rawRate)}`,
        fmt(EVENTS / acceptedS / rawRate),
        '—',
      ],
      [
        'end-to-end events/s, no-op fn',
        fmt(EVENTS / totalS),
        `raw SQLite inserts/s ${fmt(rawRate)}`,
        fmt(EVENTS / totalS / rawRate),
        `≥ 2000: ${EVENTS / totalS >= 2000 ? 'met' : 'NOT met'}`,
      ],
      ['store MB per million records', fmt(perMillion / 1024 / 1024), '—', '—', '—'],
    ];
    const widths = [0, 1, 2, 3, 4].map((i) =>
      Math.max(
        ...[['figure', 'nimbus', 'reference', 'ratio', 'target'], ...rows].map(
          (r) => String(r[i]).length,
        ),
      ),
    );
    for (const r of [['figure', 'nimbus', 'reference', 'ratio', 'target'], ...rows]) {
      console.log(r.map((c, i) => String(c).padEnd(widths[i]!)).join('  '));
    }
    if (left > 0) console.log(`warning: ${left} events still pending after 120 s`);
    const results = {
      at: new Date().toISOString(),
      built,
      loadAvg1: os.loadavg()[0],
      events: EVENTS,
      concurrency: CONC,
      enqueueLatencyMs: e,
      syncInvokeLatencyMs: s,
      acceptedPerSec: EVENTS / acceptedS,
      endToEndPerSec: EVENTS / totalS,
      rawSqliteInsertsPerSec: rawRate,
      storeBytesPerMillionRecords: perMillion,
      pendingAtEnd: left,
    };
    const dir = path.join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `async-${Date.now()}.json`), JSON.stringify(results, null, 2));
    writeFileSync(path.join(dir, 'async-latest.json'), JSON.stringify(results, null, 2));
  } finally {
    await server.stop();
  }
}

await main();
