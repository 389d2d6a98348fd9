import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type ColdStartResult, measureColdStarts } from './cold-start.js';
import { spawnWorkerd, waitFor200, workerdBinary } from './gateway-targets.js';
import type { BenchContext, BenchGroup, GroupResult } from './groups.js';
import { withHelloServer } from './nimbus-server.js';
import { sleep } from './processes.js';
import { measureProvisioned, type ProvisionedResult } from './provisioned.js';
import { collectStartPhases, phaseRows } from './start-phases.js';
import { round, type Summary, summarize } from './stats.js';
import { noteRow, type Row, row } from './table.js';

type Unavailable = { unavailable: string };

/** workerd spawn → first 200 from the hello worker (new TCP connection per poll, every 1 ms). */
async function workerdColdStarts(ctx: BenchContext, n: number): Promise<Summary | Unavailable> {
  const bin = workerdBinary(ctx.peersDir);
  if (typeof bin !== 'string') return { unavailable: bin.missing };
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = await spawnWorkerd(bin, undefined);
    try {
      samples.push((await waitFor200(w.proc, w.port, '/', 10_000, 1)) - w.spawnedAtMs);
    } finally {
      await w.stop();
    }
    await sleep(50);
  }
  return summarize(samples);
}

/** Cold starts of a hello function on a fresh server started with `env`. */
function nimbusColdStarts(
  ctx: BenchContext,
  env: Record<string, string>,
  o: { iterations: number; settleMs: number },
): Promise<ColdStartResult & { phases: Array<Record<string, number>> }> {
  const traced = { ...env, NIMBUS_TRACE_STARTS: '1' };
  return withHelloServer({ root: ctx.root, own: ctx.own, env: traced }, async (server) => {
    const phases = collectStartPhases(server.proc);
    const r = await measureColdStarts({
      port: server.port,
      serverPid: server.pid,
      functionName: 'hello',
      iterations: o.iterations,
      warmupIterations: 2,
      settleMs: o.settleMs,
    });
    return { ...r, phases: phases() };
  });
}

/** Whether the built server has a prewarm pool setting (another engineer is adding it). */
function hasPrewarmPool(root: string): boolean {
  try {
    return readFileSync(path.join(root, 'dist', 'shared', 'config.js'), 'utf8').includes(
      'NIMBUS_PREWARM_POOL_SIZE',
    );
  } catch {
    return false;
  }
}

/**
 * Cold starts of a sandboxed hello (node): on demand (no prewarm pool), from the prewarm
 * pool, and with provisioned concurrency; against a bare `node -e 0` spawn → exit
 * (interleaved with the on-demand ones) and workerd's spawn → first 200. Unpinned, as a
 * real start would run.
 */
export const coldGroup: BenchGroup = {
  name: 'cold',
  title: 'cold start (sandboxed hello, node), unpinned',
  async run(ctx): Promise<GroupResult> {
    const n = ctx.int('COLD_N', 20);
    const poolSize = ctx.int('COLD_POOL_SIZE', 2);
    ctx.log(`cold starts: ${n} on demand (interleaved with node -e 0)`);
    const onDemand = await nimbusColdStarts(
      ctx,
      { NIMBUS_PREWARM_POOL_SIZE: '0' },
      { iterations: n, settleMs: 50 },
    );
    let pool: Traced | Unavailable;
    if (!hasPrewarmPool(ctx.root))
      pool = { unavailable: 'unavailable (no prewarmPoolSize setting)' };
    else {
      ctx.log(`cold starts: ${n} from a prewarm pool of ${poolSize}`);
      pool = await nimbusColdStarts(
        ctx,
        { NIMBUS_PREWARM_POOL_SIZE: String(poolSize) },
        // Time for the pool to refill behind the previous cold start.
        { iterations: n, settleMs: ctx.int('COLD_POOL_SETTLE_MS', 1000) },
      );
    }
    const pn = ctx.int('PROVISIONED_N', 10);
    ctx.log(`cold starts: ${pn} with provisioned concurrency`);
    const provisioned = await withHelloServer({ root: ctx.root, own: ctx.own }, (server) =>
      measureProvisioned({
        port: server.port,
        functionName: 'hello',
        iterations: pn,
        warmupIterations: 1,
        readyTimeoutMs: 30_000,
      }),
    );
    ctx.log(`workerd: ${n} spawn → first 200`);
    const workerd = await workerdColdStarts(ctx, n);
    const results = { onDemand, pool, provisioned, workerd };
    return { rows: coldRows(results), results };
  },
};

type Traced = ColdStartResult & { phases: Array<Record<string, number>> };

function coldRows(r: {
  onDemand: Traced;
  pool: Traced | Unavailable;
  provisioned: ProvisionedResult | Unavailable;
  workerd: Summary | Unavailable;
}): Row[] {
  const node = r.onDemand.nodeSpawnExitMs;
  const nodeRef = (v: number) => ({ value: v, name: 'node -e 0' });
  const rows: Row[] = [];
  const within = (limit: number) => (_v: number, ratio: number | null) =>
    ratio !== null && ratio <= limit;
  const d = r.onDemand;
  rows.push(
    row('cold Invoke p50 ms, on demand', d.invokeMs.p50, nodeRef(node.p50), {
      text: '≤ 1.3× node -e 0',
      meets: within(1.3),
    }),
    row('cold Invoke p95 ms, on demand', d.invokeMs.p95, nodeRef(node.p95)),
    row('cold Init Duration p50 ms, on demand', d.initDurationMs.p50, nodeRef(node.p50)),
    row(
      'cold start CPU ms (instance + server), on demand',
      round(d.meanCpuMs.instance + d.meanCpuMs.server, 1),
      { value: d.meanCpuMs.nodeSpawnExit, name: 'node -e 0' },
    ),
    ...phaseRows('on demand', d.phases, d.iterations),
  );
  if ('unavailable' in r.pool)
    rows.push(noteRow('cold Invoke p50 ms, prewarm pool', r.pool.unavailable));
  else {
    rows.push(
      row('cold Invoke p50 ms, prewarm pool', r.pool.invokeMs.p50, nodeRef(node.p50), {
        text: '≤ 10 ms',
        meets: (v) => v <= 10,
      }),
      row('cold Invoke p95 ms, prewarm pool', r.pool.invokeMs.p95, nodeRef(node.p95)),
      row('cold Init Duration p50 ms, prewarm pool', r.pool.initDurationMs.p50, nodeRef(node.p50)),
      ...phaseRows('prewarm pool', r.pool.phases, r.pool.iterations),
    );
  }
  if ('unavailable' in r.provisioned) {
    rows.push(noteRow('first Invoke p50 ms, provisioned', r.provisioned.unavailable));
  } else {
    const p = r.provisioned;
    rows.push(
      row('first Invoke p50 ms, provisioned', p.invokeMs.p50, nodeRef(node.p50)),
      row('first Invoke p95 ms, provisioned', p.invokeMs.p95, nodeRef(node.p95)),
      row('provisioned PUT → READY p50 ms', p.readyMs.p50, null),
    );
  }
  rows.push(
    row('node -e 0 spawn → exit p50 ms', node.p50, null, undefined, { subject: 'node' }),
    row('node -e 0 spawn → exit p95 ms', node.p95, null, undefined, { subject: 'node' }),
  );
  if ('unavailable' in r.workerd) {
    rows.push(noteRow('spawn → first 200 p50 ms', r.workerd.unavailable, 'workerd'));
  } else {
    const more = { subject: 'workerd' };
    rows.push(
      row('spawn → first 200 p50 ms', r.workerd.p50, nodeRef(node.p50), undefined, more),
      row('spawn → first 200 p95 ms', r.workerd.p95, nodeRef(node.p95), undefined, more),
    );
  }
  return rows;
}
