import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Digest, digestAdd, digestMerge, digestQuantile } from '../../src/metrics/digest.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { resolveConfig } from '../../src/shared/config.js';
import { startAuthServer } from '../helpers/auth-server.js';
import { createBody } from '../helpers/platform.js';
import { parseScrape, type Scrape } from '../helpers/prometheus.js';
import { signedInject } from '../helpers/sigv4.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, maxMs = 20_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const FQ = (fn: string) => ({ function: fn, qualifier: '$LATEST' });
const inv = (fn: string, outcome: string) => ({ ...FQ(fn), outcome });

describe('metrics: /metrics counts what happened, exactly', () => {
  let server: RunningServer;
  let dataDir: string;
  let metricsPort: number;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-metrics-'));
    metricsPort = await freePort();
    server = await startServer(
      resolveConfig({ dataDir, port: 0, httpPort: 0, metricsPort, asyncRetryBaseMs: 20 }, {}),
    );
  });
  after(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (method: string, url: string, body?: unknown) =>
    server.platform.app.inject({
      method: method as 'GET',
      url,
      ...(body !== undefined
        ? { payload: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
  const deploy = async (name: string, source: string, extra: Record<string, unknown> = {}) => {
    const r = await api(
      'POST',
      '/2015-03-31/functions',
      await createBody(name, { 'index.js': source }, extra),
    );
    assert.equal(r.statusCode, 201, r.body);
  };
  const invoke = (name: string, payload = '{}', type?: 'Event') =>
    server.platform.app.inject({
      method: 'POST',
      url: `/2015-03-31/functions/${name}/invocations`,
      payload,
      headers: type ? { 'X-Amz-Invocation-Type': type } : {},
    });
  const scrape = async (): Promise<Scrape> => {
    const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    return parseScrape(await r.text());
  };

  test('sync, async, gateway, queue-triggered, throttled, timed-out and OOM invocations', async () => {
    await deploy('ok', 'exports.handler = async (e) => e;');
    await deploy('boom', 'exports.handler = async () => { throw new Error("no"); };');
    await deploy(
      'slow',
      'exports.handler = async () => new Promise(() => setInterval(() => {}, 1000));',
      { Timeout: 1 },
    );
    await deploy(
      'busy',
      'exports.handler = async () => { await new Promise((r) => setTimeout(r, 700)); return 1; };',
    );
    await deploy('web', 'exports.handler = async () => ({ statusCode: 200, body: "hi" });');
    await deploy('consumer', 'exports.handler = async (e) => ({ n: e.Records.length });');
    await deploy('flaky', 'exports.handler = async () => { throw new Error("always"); };');

    // Sync: three of ok (one cold start, two warm), one function error, one timeout.
    for (let i = 0; i < 3; i++) assert.equal((await invoke('ok')).statusCode, 200);
    assert.equal((await invoke('boom')).headers['x-amz-function-error'], 'Unhandled');
    assert.equal((await invoke('slow')).json().errorType, 'Sandbox.Timedout');

    // Throttle: reserved concurrency 1, three at once → one runs, two get 429.
    const rc = await api('PUT', '/2017-10-31/functions/busy/concurrency', {
      ReservedConcurrentExecutions: 1,
    });
    assert.equal(rc.statusCode, 200, rc.body);
    const codes = (await Promise.all([1, 2, 3].map(() => invoke('busy')))).map((r) => r.statusCode);
    assert.deepEqual(codes.sort(), [200, 429, 429]);

    // Async: one event that succeeds, one that fails twice (one retry) and is dead-lettered.
    const cfg = await api('PUT', '/2019-09-25/functions/flaky/event-invoke-config', {
      MaximumRetryAttempts: 1,
    });
    assert.equal(cfg.statusCode, 200, cfg.body);
    assert.equal((await invoke('ok', '{"async":true}', 'Event')).statusCode, 202);
    assert.equal((await invoke('flaky', '{}', 'Event')).statusCode, 202);
    await until('the dead letter', async () => {
      const r = await api('GET', '/nimbus/v1/functions/flaky/dlq');
      return r.json().deadLetters.length === 1;
    });

    // Gateway: two routed requests, one unmatched.
    const route = await api('POST', '/nimbus/v1/routes', { route: 'GET /hello', function: 'web' });
    assert.equal(route.statusCode, 201, route.body);
    const gw = `http://127.0.0.1:${server.platform.gateway.port}`;
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${gw}/hello`)).status, 200);
    assert.equal((await fetch(`${gw}/nope`)).status, 404);

    // Queue: three messages waiting, then a mapping takes them in one batch.
    const { queues } = server.platform.aws;
    await queues.registry.create('jobs', {}, {});
    for (const body of ['a', 'b', 'c']) await queues.send('jobs', body);
    const before = await scrape();
    assert.equal(before.value('nimbus_queue_messages', { queue: 'jobs', state: 'visible' }), 3);
    const esm = await api('POST', '/2015-03-31/event-source-mappings', {
      FunctionName: 'consumer',
      EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:jobs',
      BatchSize: 10,
    });
    assert.equal(esm.statusCode, 202, esm.body);
    await until('the batch to be processed', async () => {
      const s = await scrape();
      return s.value('nimbus_invocations_total', inv('consumer', 'success')) === 1;
    });

    // OOM, where memory caps are enforced.
    const oom = server.platform.isolation.cgroup !== null;
    if (oom) {
      await deploy(
        'hog',
        'const keep = []; exports.handler = async () => { for (;;) keep.push(Buffer.alloc(8 << 20, 1)); };',
        { MemorySize: 128 },
      );
      assert.equal((await invoke('hog')).json().errorType, 'Runtime.OutOfMemory');
    }

    const s = await scrape();
    const v = (name: string, labels: Record<string, string>) => s.value(name, labels);
    assert.equal(v('nimbus_invocations_total', inv('ok', 'success')), 4);
    assert.equal(v('nimbus_invocations_total', inv('ok', 'error')), 0);
    assert.equal(v('nimbus_invocations_total', inv('boom', 'error')), 1);
    assert.equal(v('nimbus_invocations_total', inv('slow', 'timeout')), 1);
    assert.equal(v('nimbus_invocations_total', inv('busy', 'success')), 1);
    assert.equal(v('nimbus_invocations_total', inv('busy', 'throttle')), 2);
    assert.equal(v('nimbus_invocations_total', inv('flaky', 'error')), 2);
    assert.equal(v('nimbus_invocations_total', inv('web', 'success')), 2);
    assert.equal(v('nimbus_invocations_total', inv('consumer', 'success')), 1);
    if (oom) assert.equal(v('nimbus_invocations_total', inv('hog', 'oom')), 1);

    // ok: one instance started (cold, or prewarmed from the pool) and three warm runs.
    const started =
      v('nimbus_invocation_starts_total', { ...FQ('ok'), start_type: 'cold' }) +
      v('nimbus_invocation_starts_total', { ...FQ('ok'), start_type: 'prewarmed' });
    assert.equal(started, 1);
    assert.equal(v('nimbus_invocation_starts_total', { ...FQ('ok'), start_type: 'warm' }), 3);
    assert.equal(s.histogram('nimbus_invocation_duration_seconds', FQ('ok')).count, 4);
    assert.equal(s.histogram('nimbus_invocation_init_duration_seconds', FQ('ok')).count, 1);
    // Throttled requests never ran: one duration for busy.
    assert.equal(s.histogram('nimbus_invocation_duration_seconds', FQ('busy')).count, 1);
    // Every run that was not a throttle has exactly one duration, whatever its outcome.
    for (const [fn, runs] of [
      ['boom', 1],
      ['flaky', 2],
      ['web', 2],
      ['consumer', 1],
    ] as const) {
      assert.equal(s.histogram('nimbus_invocation_duration_seconds', FQ(fn)).count, runs, fn);
    }
    const slow = s.histogram('nimbus_invocation_duration_seconds', FQ('slow'));
    assert.equal(slow.count, 1);
    assert.ok(slow.sum >= 1 && slow.sum < 1.5, `slow ran ${slow.sum} s`);
    // 128 MB functions: GB-seconds are billed ms / 1000 / 8.
    assert.ok(v('nimbus_billed_gb_seconds_total', FQ('slow')) >= 1 / 8);

    assert.equal(v('nimbus_async_retries_total', FQ('flaky')), 1);
    assert.equal(
      v('nimbus_async_dead_letters_total', { ...FQ('flaky'), reason: 'RetriesExhausted' }),
      1,
    );
    assert.equal(v('nimbus_async_queue_depth', { function: 'flaky' }), 0);

    const hello = { function: 'web', route: 'GET /hello' };
    assert.equal(v('nimbus_gateway_requests_total', { ...hello, status: '200' }), 2);
    assert.equal(
      v('nimbus_gateway_requests_total', { function: '', route: '-', status: '404' }),
      1,
    );
    assert.equal(s.histogram('nimbus_gateway_request_duration_seconds', hello).count, 2);

    const batch = { function: 'consumer', queue: 'jobs' };
    assert.deepEqual(s.histogram('nimbus_event_source_batch_size', batch), { count: 1, sum: 3 });
    assert.equal(s.histogram('nimbus_event_source_lag_seconds', batch).count, 1);
    await until('the messages to be deleted', async () => {
      const now = await scrape();
      return now.value('nimbus_queue_messages', { queue: 'jobs', state: 'in_flight' }) === 0;
    });

    // Process defaults from prom-client.
    assert.ok(v('process_resident_memory_bytes', {}) > 0);
    assert.ok(s.families.has('nodejs_eventloop_lag_seconds'));
    // Label cardinality: no request id in any label.
    for (const f of s.families.values()) {
      for (const m of f.metrics) {
        for (const val of Object.values(m.labels ?? {})) {
          assert.doesNotMatch(val, /^[0-9a-f]{8}-[0-9a-f]{4}-/, `${f.name} has an id label`);
        }
      }
    }
  });

  test('gauges read state at scrape time: a parked async event, busy instances', async () => {
    await deploy('parked', 'exports.handler = async () => 1;');
    const rc = await api('PUT', '/2017-10-31/functions/parked/concurrency', {
      ReservedConcurrentExecutions: 0,
    });
    assert.equal(rc.statusCode, 200, rc.body);
    assert.equal((await invoke('parked', '{}', 'Event')).statusCode, 202);
    await new Promise((r) => setTimeout(r, 300));
    const s = await scrape();
    assert.equal(s.value('nimbus_async_queue_depth', { function: 'parked' }), 1);
    const age = s.value('nimbus_async_oldest_event_age_seconds', { function: 'parked' });
    assert.ok(age >= 0.2 && age < 30, `oldest event is ${age} s old`);

    const running = invoke('busy');
    await until('busy to run', async () => {
      const now = await scrape();
      return now.value('nimbus_concurrent_executions', { function: 'busy' }) === 1;
    });
    assert.equal(
      (await scrape()).value('nimbus_instances', { function: 'busy', state: 'busy' }),
      1,
    );
    assert.equal((await running).statusCode, 200);
    const idle = await scrape();
    assert.equal(idle.value('nimbus_concurrent_executions', { function: 'busy' }), 0);
    assert.equal(idle.value('nimbus_instances', { function: 'busy', state: 'idle' }), 1);
  });

  test('the control port serves /metrics too; the metrics port serves nothing else', async () => {
    const r = await fetch(`${server.url}/metrics`);
    assert.equal(r.status, 200);
    assert.ok(parseScrape(await r.text()).families.has('nimbus_invocations_total'));
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status, 404);
  });
});

describe('metrics: /metrics on the control port has the control API auth', () => {
  let env: Awaited<ReturnType<typeof startAuthServer>> | undefined;
  before(async () => {
    env = await startAuthServer();
  });
  after(async () => env?.close());

  test('unsigned is refused, signed by a known key is served', async () => {
    assert.ok(env);
    const unsigned = await fetch(`${env.server.url}/metrics`);
    assert.equal(unsigned.status, 403);
    const signed = await signedInject(env.server.platform.app, env.admin, {
      method: 'GET',
      url: '/metrics',
    });
    assert.equal(signed.statusCode, 200, signed.body);
    assert.ok(parseScrape(signed.body).families.has('nimbus_invocations_total'));
  });
});

describe('metrics: duration digest', () => {
  test('p50 and p99 are within 5 % of the exact figures, and digests merge', () => {
    const a: Digest = {};
    const b: Digest = {};
    for (let i = 1; i <= 1000; i++) digestAdd(i % 2 ? a : b, i);
    digestMerge(a, b);
    const p50 = digestQuantile(a, 0.5) ?? 0;
    const p99 = digestQuantile(a, 0.99) ?? 0;
    assert.ok(Math.abs(p50 - 500) / 500 < 0.05, `p50 ${p50}`);
    assert.ok(Math.abs(p99 - 990) / 990 < 0.05, `p99 ${p99}`);
    assert.equal(digestQuantile({}, 0.5), null);
  });
});
