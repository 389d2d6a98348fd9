import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext, BenchGroup, GroupResult } from './groups.js';
import { type HttpAnswer, keepAliveAgent, request } from './http-load.js';
import { createFunction, helloZip, invokePath } from './lambda-api.js';
import { type NimbusServer, startNimbus } from './nimbus-server.js';
import { sleep } from './processes.js';
import { round, summarize } from './stats.js';
import { type Row, row } from './table.js';

const NOOP = 'export const handler = async () => null;\n';

async function pending(port: number): Promise<number> {
  const a = await request({ port, method: 'GET', path: '/health', agent: false });
  return Number((JSON.parse(a.body.toString()) as { asyncPending?: number }).asyncPending ?? -1);
}

/** Waits (bounded) until the server's async queue is empty; false if it never was. */
async function drained(port: number, maxMs: number): Promise<boolean> {
  const until = performance.now() + maxMs;
  while (performance.now() < until) {
    if ((await pending(port)) === 0) return true;
    await sleep(10);
  }
  return false;
}

/** `n` Event invokes of `noop` from `conc` callers; the request ids of those answered 202. */
async function flood(port: number, n: number, conc: number, enqueueMs: number[] = []) {
  const agent = keepAliveAgent(conc);
  const ids: string[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (next < n) {
          const i = next++;
          const a: HttpAnswer = await request({
            port,
            method: 'POST',
            path: invokePath('noop'),
            headers: { 'X-Amz-Invocation-Type': 'Event' },
            body: `{"n":${i}}`,
            agent,
          });
          if (a.status !== 202) throw new Error(`Event invoke answered ${a.status}: ${a.body}`);
          enqueueMs.push(a.elapsedMs);
          ids.push(String(a.headers['x-amzn-requestid']));
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return ids;
}

/** Request ids of noop's succeeded invocation records. */
async function succeeded(port: number): Promise<Set<string>> {
  const ids = new Set<string>();
  let marker = '';
  for (;;) {
    const q = `function=noop&status=succeeded&limit=1000${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`;
    const a = await request({
      port,
      method: 'GET',
      path: `/nimbus/v1/invocations?${q}`,
      agent: false,
    });
    const page = JSON.parse(a.body.toString()) as {
      invocations: { requestId: string }[];
      nextMarker?: string;
    };
    for (const r of page.invocations) ids.add(r.requestId);
    if (!page.nextMarker) return ids;
    marker = page.nextMarker;
  }
}

async function withServer<T>(
  ctx: BenchContext,
  dataDir: string,
  fn: (s: NimbusServer) => Promise<T>,
): Promise<T> {
  // No prewarm pool: its code mounts would outlive the server the crash row kills.
  const env = { NIMBUS_PREWARM_POOL_SIZE: '0' };
  const server = await startNimbus({ root: ctx.root, own: ctx.own, dataDir, env });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/**
 * Async (Event) invocations of a no-op function, unpinned: end-to-end events/s from
 * ASYNC_CONC callers until the queue is empty (the 202 means the event is durable), and
 * ASYNC_CRASH_EVENTS accepted events across a kill -9 of the server right after the last
 * 202, counted against the succeeded records after a restart on the same data dir.
 */
export const asyncGroup: BenchGroup = {
  name: 'async',
  title: 'async (Event) invocations, durable, unpinned',
  async run(ctx): Promise<GroupResult> {
    const events = ctx.int('ASYNC_EVENTS', 3000);
    const crashEvents = ctx.int('ASYNC_CRASH_EVENTS', 2000);
    const conc = ctx.int('ASYNC_CONC', 16);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-async-'));
    try {
      ctx.log(`async: ${events} events end to end from ${conc} callers`);
      const e2e = await withServer(ctx, dataDir, async (s) => {
        await createFunction(s.port, 'noop', await helloZip(NOOP));
        await flood(s.port, 200, 4); // a warm instance, and JIT
        if (!(await drained(s.port, 60_000))) throw new Error('warm-up events never drained');
        const enqueueMs: number[] = [];
        const t0 = performance.now();
        await flood(s.port, events, conc, enqueueMs);
        const acceptedS = (performance.now() - t0) / 1000;
        const done = await drained(s.port, 120_000);
        const totalS = (performance.now() - t0) / 1000;
        return { acceptedS, totalS, done, enqueue: summarize(enqueueMs) };
      });
      ctx.log(`async: ${crashEvents} events, kill -9 after the last 202, restart`);
      const crash = { accepted: 0, pendingAtKill: 0, lost: 0, drainedAfterRestart: false };
      const ids = await withServer(ctx, dataDir, async (s) => {
        const accepted = await flood(s.port, crashEvents, conc);
        crash.pendingAtKill = await pending(s.port);
        process.kill(s.pid, 'SIGKILL');
        return accepted;
      });
      crash.accepted = ids.length;
      await withServer(ctx, dataDir, async (s) => {
        crash.drainedAfterRestart = await drained(s.port, 120_000);
        const seen = await succeeded(s.port);
        crash.lost = ids.filter((id) => !seen.has(id)).length;
      });
      const rate = e2e.done ? round(events / e2e.totalS, 0) : null;
      const rows: Row[] = [
        row('async end-to-end events/s, no-op fn', rate, null, {
          text: '≥ 2000',
          meets: (v) => v >= 2000,
        }),
        row('async accepted events/s (202, durable)', round(events / e2e.acceptedS, 0), null),
        row('async enqueue p50 ms', e2e.enqueue.p50, null),
        row('async enqueue p99 ms', e2e.enqueue.p99, null),
        row(
          `async events pending at kill -9 (of ${crash.accepted} accepted)`,
          crash.pendingAtKill,
          null,
        ),
        row(
          'async events lost across kill -9',
          crash.drainedAfterRestart ? crash.lost : null,
          null,
          { text: '0', meets: (v) => v === 0 },
        ),
      ];
      return { rows, results: { e2e, crash, events, conc } };
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
