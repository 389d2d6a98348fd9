import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, type ProjectServer, startProjectServer } from '../helpers/project-server.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

function manifest(opts: { withTimer: boolean; withPost: boolean }): string {
  return [
    'project: shop',
    'defaults:',
    `  runtime: ${RUNTIME}`,
    '  env: { STAGE: test }',
    'functions:',
    '  api:',
    '    code: ./api',
    '    memoryMb: 256',
    '    routes:',
    '      - GET /items',
    ...(opts.withPost
      ? ['      - route: POST /items', '        cors: { allowOrigins: ["*"] }']
      : []),
    '  report:',
    '    code: ./report',
    '    routes: [GET /report]',
    '  worker:',
    '    code: ./worker',
    '    queues:',
    '      - queue: jobs',
    '        batchSize: 5',
    ...(opts.withTimer ? ['    timers:', '      nightly: { schedule: "cron(0 3 * * ? *)" }'] : []),
    'queues:',
    '  jobs: { visibilityTimeoutS: 20 }',
    '',
  ].join('\n');
}

describe('nimbus deploy -f: a manifest against a real server', () => {
  let server: ProjectServer;
  let dir: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  const deploy = (...extra: string[]) => server.nimbus(['deploy', ...extra], dir);
  const get = async (p: string) => {
    const res = await fetch(`${server.httpUrl}${p}`);
    return { status: res.status, body: await res.text() };
  };

  before(async () => {
    server = await startProjectServer();
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-manifest-e2e-'));
    write(
      'api/index.js',
      `exports.handler = async (e) => ({ statusCode: 200, body: 'items v1 ' + process.env.STAGE + ' ' + e.requestContext.http.method });`,
    );
    write(
      'report/index.js',
      `exports.handler = async () => ({ statusCode: 200, body: 'report' });`,
    );
    write(
      'worker/index.js',
      `exports.handler = async (e) => { for (const r of e.Records) console.log('job:', r.body); return {}; };`,
    );
    write('nimbus.yml', manifest({ withTimer: true, withPost: true }));
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('without a terminal and without --yes nothing is applied', async () => {
    const r = await deploy();
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^ {2}\+ function +api$/m);
    assert.match(r.stderr, /not applying: stdin is not a terminal.*--yes/);
    assert.equal((await get('/items')).status, 404);
  });

  test('first deploy creates functions, routes, a timer, a queue and its mapping, and they work', async () => {
    const r = await deploy('--yes');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^packaged \[1\/3\] api \(\.\/api\) \d+ B sha256 \S{12}$/m);
    assert.match(r.stderr, /^packaged 3 functions: \d+ B in all$/m);
    const drawn = r.stderr.includes('\r') || r.stderr.includes('\u001b');
    assert.ok(!drawn, 'no progress bar when stderr is not a terminal');
    assert.match(r.stdout, /9 to create, 0 to update, 0 to delete, 0 unchanged/);
    for (const line of [
      'queue jobs',
      'function api',
      'route GET /items',
      'timer nightly',
      'mapping jobs → worker',
    ]) {
      assert.match(r.stdout, new RegExp(`^created ${line}`, 'm'));
    }
    assert.deepEqual(await get('/items'), { status: 200, body: 'items v1 test GET' });
    assert.equal((await fetch(`${server.httpUrl}/items`, { method: 'POST' })).status, 200);
    const timers = await server.nimbus(['timer', 'ls'], dir);
    assert.match(timers.stdout, /nightly +worker +cron\(0 3 \* \* \? \*\)/);
    const sent = await server.nimbus(['queue', 'send', 'jobs', 'hello-job'], dir);
    assert.equal(sent.code, 0, sent.stderr);
    await eventually(async () => {
      const logs = await server.nimbus(['logs', 'worker'], dir);
      return /job: hello-job/.test(logs.stdout) ? true : undefined;
    }, 'the worker to log the queue message');
  });

  test('a second deploy changes nothing and says so', async () => {
    const r = await deploy('--yes');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /0 to create, 0 to update, 0 to delete, 9 unchanged/);
    assert.match(r.stdout, /nothing to change: the server already matches the manifest/);
    assert.doesNotMatch(r.stdout, /^(created|updated|deleted) /m);
  });

  test('changing one function updates only it, and its code is uploaded again', async () => {
    write('api/index.js', `exports.handler = async () => ({ statusCode: 200, body: 'items v2' });`);
    const r = await deploy('--yes');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}~ function +api +code$/m);
    assert.match(r.stdout, /0 to create, 1 to update, 0 to delete, 8 unchanged/);
    assert.match(r.stdout, /^updated function api \(\d+ B uploaded\)$/m);
    assert.equal((r.stdout.match(/^(created|updated|deleted) /gm) ?? []).length, 1);
    assert.deepEqual(await get('/items'), { status: 200, body: 'items v2' });
  });

  test('removed resources are kept without --prune and deleted with it', async () => {
    write('nimbus.yml', manifest({ withTimer: false, withPost: false }));
    const kept = await deploy('--yes');
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /! timer +nightly +not in the manifest \(kept; --prune deletes it\)/);
    assert.equal((await fetch(`${server.httpUrl}/items`, { method: 'POST' })).status, 200);
    const pruned = await deploy('--yes', '--prune');
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /^deleted timer nightly$/m);
    assert.match(pruned.stdout, /^deleted route POST \/items$/m);
    assert.match((await server.nimbus(['timer', 'ls'], dir)).stdout, /no timers/);
    assert.equal((await fetch(`${server.httpUrl}/items`, { method: 'POST' })).status, 405);
    assert.equal((await get('/items')).status, 200);
    const again = await deploy('--yes', '--prune');
    assert.match(again.stdout, /nothing to change/);
  });

  test('an invalid manifest fails with file:line:column before anything is sent', async () => {
    write('bad.yml', 'project: shop\nfunctions:\n  api:\n    code: ./api\n    timeoutS: 1000\n');
    const r = await deploy('-f', 'bad.yml', '--yes');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^bad\.yml:5:15: functions\.api\.timeoutS: must be at most 900 \(got 1000\)$/m,
    );
  });
});
