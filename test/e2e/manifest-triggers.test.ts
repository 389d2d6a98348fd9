import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../../src/server.js';
import { movableClock } from '../helpers/clock.js';
import { testPlatform } from '../helpers/platform.js';
import { eventually } from '../helpers/project-server.js';
import { runCli } from '../unit/cli-harness.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

// One function per trigger kind; each logs the event it got.
const MANIFEST = `project: triggers
defaults: { runtime: ${RUNTIME} }
functions:
  web:
    code: ./fn
    routes:
      - POST /orders/{id}
    url: true
  tick:
    code: ./fn
    timers:
      hourly: { schedule: 'rate(1 hour)', payload: '{"job":"hourly"}' }
  worker:
    code: ./fn
    queues: [{ queue: jobs, batchSize: 1 }]
  thumbs:
    code: ./fn
    buckets: [{ bucket: photos, prefix: in/ }]
queues:
  jobs:
buckets:
  photos:
`;

const HANDLER = `exports.handler = async (event) => {
  console.log('EVENT ' + JSON.stringify(event));
  return { statusCode: 200, body: 'ok' };
};
`;

/** GET with a Host header of our choosing (fetch does not let one be set). */
function getWithHost(base: string, p: string, host: string) {
  const u = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: p, headers: { host } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('a deployed manifest: every trigger it creates reaches its function', () => {
  let p: Platform;
  let close: () => Promise<void>;
  let url: string;
  let httpUrl: string;
  let dir: string;
  const { clock, advance } = movableClock();
  const nimbus = (...args: string[]) =>
    runCli(args, { endpoint: url, cwd: dir, timeoutMs: 60_000, env: { NIMBUS_PROFILE: '' } });
  /** The first event `fn` logged that `match` accepts. */
  const eventOf = (fn: string, match: (e: Record<string, unknown>) => boolean) =>
    eventually(async () => {
      const r = await p.app.inject({ url: `/nimbus/v1/functions/${fn}/logs?limit=1000` });
      const { events } = JSON.parse(r.body) as { events: { message: string }[] };
      for (const e of events) {
        const m = /EVENT (.*)$/.exec(e.message.trim());
        const ev = m?.[1] ? (JSON.parse(m[1]) as Record<string, unknown>) : undefined;
        if (ev && match(ev)) return ev;
      }
      return undefined;
    }, `${fn} to log its event`);

  before(async () => {
    ({ platform: p, close } = await testPlatform(
      { httpPort: 0, auth: 'false' },
      { clock, startTimers: false },
    ));
    await p.app.listen({ host: '127.0.0.1', port: 0 });
    await p.gateway.listen();
    const addr = p.app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    p.endpoint.url = url;
    httpUrl = `http://127.0.0.1:${p.gateway.port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-triggers-e2e-'));
    mkdirSync(path.join(dir, 'fn'));
    writeFileSync(path.join(dir, 'fn/index.js'), HANDLER);
    writeFileSync(path.join(dir, 'nimbus.yml'), MANIFEST);
    const r = await nimbus('deploy', '--yes');
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await p?.app.close();
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('route: the function gets an HTTP API event with its path parameter and body', async () => {
    const res = await fetch(`${httpUrl}/orders/o-7`, { method: 'POST', body: 'two pizzas' });
    assert.equal(res.status, 200);
    const ev = await eventOf('web', (e) => e.routeKey === 'POST /orders/{id}');
    assert.deepEqual(ev.pathParameters, { id: 'o-7' });
    assert.equal(ev.body, 'two pizzas');
  });

  test('function URL: reached by its host, the event names the URL', async () => {
    const cfg = await p.app.inject({ url: '/2021-10-31/functions/web/url' });
    const host = new URL((JSON.parse(cfg.body) as { FunctionUrl: string }).FunctionUrl).host;
    const res = await getWithHost(httpUrl, '/via-url', host);
    assert.equal(res.status, 200, res.body);
    const ev = await eventOf('web', (e) => e.rawPath === '/via-url');
    const { domainName } = ev.requestContext as { domainName: string };
    assert.equal(domainName.split('.')[0], host.split('.')[0], 'the URL id of this function');
  });

  test('timer: moving the clock to its due time fires it with the payload', async () => {
    const t = await p.app.inject({ url: '/nimbus/v1/timers/hourly' });
    const due = (JSON.parse(t.body) as { nextFireAtMs: number }).nextFireAtMs;
    advance(due - clock.now());
    assert.equal(await p.timers.runDue(), 1);
    const ev = await eventOf('tick', (e) => e['detail-type'] === 'Scheduled Event');
    assert.equal(ev.source, 'aws.events');
    assert.deepEqual(ev.detail, { job: 'hourly' });
    assert.deepEqual(ev.resources, ['arn:aws:events:us-east-1:000000000000:rule/hourly']);
  });

  test('queue: a message sent to the project queue reaches the mapped function', async () => {
    assert.equal((await nimbus('queue', 'send', 'jobs', 'job-99')).code, 0);
    const ev = await eventOf('worker', (e) => Array.isArray(e.Records));
    const [rec] = ev.Records as { eventSource: string; body: string }[];
    assert.equal(rec?.eventSource, 'aws:sqs');
    assert.equal(rec?.body, 'job-99');
  });

  test('bucket: an upload under the prefix notifies the function with the key', async () => {
    writeFileSync(path.join(dir, 'cat.png'), 'not really a png');
    const put = await nimbus('bucket', 'put', 'photos', 'in/cat.png', 'cat.png');
    assert.equal(put.code, 0, put.stderr);
    const ev = await eventOf('thumbs', (e) => Array.isArray(e.Records));
    const [rec] = ev.Records as { eventSource: string; s3: { object: { key: string } } }[];
    assert.equal(rec?.eventSource, 'aws:s3');
    assert.equal(rec?.s3.object.key, 'in/cat.png');
  });
});
