import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, type ProjectServer, startProjectServer } from '../helpers/project-server.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/manifests',
);

/** One gateway request (node:http, so the Host header can name a custom domain). */
function request(base: string, p: string, opts: { method?: string; host?: string } = {}) {
  const u = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: p,
        method: opts.method ?? 'GET',
        headers: opts.host ? { host: opts.host } : {},
      },
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

describe('nimbus deploy -f: serverless.yml, SAM and Function Compute templates against a real server', () => {
  let server: ProjectServer;
  let work: string;
  const project = (kind: string) => {
    const dir = path.join(work, kind);
    cpSync(path.join(FIXTURES, kind), dir, { recursive: true });
    return dir;
  };
  const logsMatch = (fn: string, dir: string, pattern: RegExp) =>
    eventually(async () => {
      const r = await server.nimbus(['logs', fn], dir);
      return pattern.test(r.stdout) ? r.stdout : undefined;
    }, `${fn}'s logs to match ${pattern}`);

  before(async () => {
    server = await startProjectServer();
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-import-e2e-'));
  });
  after(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('serverless.yml: http, httpApi, sqs and s3 events reach their functions', async () => {
    const dir = project('serverless');
    const r = await server.nimbus(['deploy', '-f', 'serverless.yml', '--yes'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: serverless\.yml:60:9: event stream: not supported by Nimbus/);
    assert.match(r.stdout, /^created function worker/m);
    const list = await request(server.httpUrl, '/orders');
    assert.equal(list.status, 200, list.body);
    assert.deepEqual(JSON.parse(list.body), {
      fn: 'list',
      method: 'GET',
      table: 'orders-test',
      greeting: 'hello',
    });
    const one = await request(server.httpUrl, '/orders/o-17');
    assert.deepEqual(JSON.parse(one.body), { fn: 'get', id: 'o-17' });
    assert.equal((await request(server.httpUrl, '/orders', { method: 'POST' })).status, 200);
    assert.equal((await server.nimbus(['queue', 'send', 'order-jobs', 'job-42'], dir)).code, 0);
    await logsMatch('worker', dir, /record aws:sqs job-42/);
    const put = await server.nimbus(
      ['bucket', 'put', 'order-uploads', 'incoming/day.csv', '-'],
      dir,
      { stdin: 'a,b\n' },
    );
    assert.equal(put.code, 0, put.stderr);
    await logsMatch('worker', dir, /record aws:s3 incoming\/day\.csv/);
    const timers = await server.nimbus(['timer', 'ls', '--fn', 'nightly'], dir);
    assert.match(timers.stdout, /nightly-schedule-1 +nightly +cron\(0 3 \* \* \? \*\)/);
    const again = await server.nimbus(['deploy', '-f', 'serverless.yml', '--yes'], dir);
    assert.match(again.stdout, /nothing to change/);
  });

  test('SAM template.yaml: Api, HttpApi, function URL, SQS and S3 events', async () => {
    const dir = project('sam');
    const r = await server.nimbus(['deploy', '-f', 'template.yaml', '--yes'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: template\.yaml:97:5: SharedLayer \(AWS::Serverless::LayerVersion\)/,
    );
    const items = await request(server.httpUrl, '/items');
    assert.deepEqual(JSON.parse(items.body), {
      fn: 'api',
      path: '/items',
      id: null,
      stage: 'test',
      table: 'items',
    });
    const put = await request(server.httpUrl, '/items/i-1', { method: 'PUT' });
    assert.equal(JSON.parse(put.body).id, 'i-1');
    const cfg = await fetch(`${server.url}/2021-10-31/functions/items-api/url`);
    const { FunctionUrl } = (await cfg.json()) as { FunctionUrl: string };
    const viaUrl = await request(server.httpUrl, '/from-url', { host: new URL(FunctionUrl).host });
    assert.equal(JSON.parse(viaUrl.body).path, '/from-url');
    assert.equal((await server.nimbus(['queue', 'send', 'sam-jobs', 'sam-job'], dir)).code, 0);
    await logsMatch('WorkerFunction', dir, /record aws:sqs sam-job sam-uploads/);
    await server.nimbus(['bucket', 'put', 'sam-uploads', 'in/photo.png', '-'], dir, {
      stdin: 'png',
    });
    await logsMatch('WorkerFunction', dir, /record aws:s3 in\/photo\.png/);
  });

  test('Function Compute template.yml: a service, an fc HTTP function with its initializer, a custom domain', async () => {
    const dir = project('fc');
    const r = await server.nimbus(['deploy', '-f', 'template.yml', '--yes'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^created service shop$/m);
    const res = await request(server.httpUrl, '/2016-08-15/proxy/shop/web/hello');
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), {
      fn: 'web',
      path: '/2016-08-15/proxy/shop/web/hello',
      method: 'GET',
      initialized: 'yes',
      greeting: 'hi',
    });
    const viaDomain = await request(server.httpUrl, '/web/page', { host: 'shop.example.com' });
    assert.equal(JSON.parse(viaDomain.body).path, '/web/page');
    assert.equal(
      (await request(server.httpUrl, '/2016-08-15/proxy/shop/web', { method: 'DELETE' })).status,
      405,
    );
    const timers = await server.nimbus(['timer', 'ls', '--fn', 'tick'], dir);
    assert.match(timers.stdout, /tick-every5 +tick +rate\(5 minutes\)/);
    assert.match(timers.stdout, /tick-morning +tick +0 0 8 \* \* \* Asia\/Shanghai/);
    const again = await server.nimbus(['deploy', '-f', 'template.yml', '--yes'], dir);
    assert.match(again.stdout, /nothing to change/);
  });
});
