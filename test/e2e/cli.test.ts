import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliServer, runNimbus, startNimbusServer, waitExit } from '../helpers/cli-server.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

/** Pids of live processes whose command line mentions `needle` (instance sandboxes mount code from the data dir). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('nimbus CLI against a real server', () => {
  let dataDir: string;
  let work: string;
  let server: CliServer;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-e2e-'));
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-e2e-fn-'));
    mkdirSync(path.join(work, 'hello'));
    writeFileSync(
      path.join(work, 'hello/index.js'),
      `exports.handler = async (event) => { console.log('greeting', event.name); if (event.fail) throw new Error('asked to fail'); if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs)); return { hello: event.name }; };`,
    );
    writeFileSync(path.join(work, 'event.json'), '{"name":"File"}');
    server = await startNimbusServer(dataDir);
  });
  after(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  test('deploy → invoke (--data, --path, --tail) → logs → ls → info → rm', async () => {
    const env = { NIMBUS_ENDPOINT: server.url };
    const dep = await runNimbus(
      [
        'deploy',
        path.join(work, 'hello'),
        '--name',
        'hello',
        '--runtime',
        RUNTIME,
        '--handler',
        'index.handler',
        '--memory',
        '256',
        '--env',
        'A=1',
      ],
      env,
    );
    assert.equal(dep.code, 0, dep.stderr);
    assert.match(dep.stdout, /created hello/);

    const inv = await runNimbus(['invoke', 'hello', '--data', '{"name":"Ada"}'], env);
    assert.equal(inv.code, 0, inv.stderr);
    assert.deepEqual(JSON.parse(inv.stdout), { hello: 'Ada' });

    const fromFile = await runNimbus(
      ['invoke', 'hello', '--path', path.join(work, 'event.json'), '--tail'],
      env,
    );
    assert.equal(fromFile.code, 0);
    assert.deepEqual(JSON.parse(fromFile.stdout), { hello: 'File' });
    assert.match(fromFile.stderr, /REPORT RequestId: .*Memory Size: 256 MB/);

    const failed = await runNimbus(['invoke', 'hello', '--data', '{"fail":true}'], env);
    assert.equal(failed.code, 1, 'a function error exits non-zero');
    assert.match(failed.stdout + failed.stderr, /asked to fail/);

    const badData = await runNimbus(['invoke', 'hello', '--data', '{not json'], env);
    assert.equal(badData.code, 1);
    assert.doesNotMatch(badData.stderr, /\n\s+at /, 'no stack trace');

    const logs = await runNimbus(['logs', 'hello', '--since', '10m'], env);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /INFO\tgreeting Ada/);
    assert.match(logs.stdout, /START RequestId/);

    const ls = await runNimbus(['ls'], env);
    assert.equal(ls.code, 0);
    assert.match(ls.stdout, /hello\s+nodejs\d+\.x\s+256/);

    const info = await runNimbus(['info', 'hello'], env);
    assert.equal(info.code, 0);
    assert.match(info.stdout, /index\.handler/);

    const rm = await runNimbus(['rm', 'hello'], env);
    assert.equal(rm.code, 0);
    const missing = await runNimbus(['invoke', 'hello'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ResourceNotFoundException: Function not found/);
  });

  test('async: invocations, invocation and dlq ls/redrive/purge', async () => {
    const env = { NIMBUS_ENDPOINT: server.url };
    assert.equal(
      (
        await runNimbus(
          [
            'deploy',
            path.join(work, 'hello'),
            '--name',
            'asyncfail',
            '--runtime',
            RUNTIME,
            '--handler',
            'index.handler',
          ],
          env,
        )
      ).code,
      0,
    );
    const cfg = await fetch(`${server.url}/2019-09-25/functions/asyncfail/event-invoke-config`, {
      method: 'PUT',
      body: JSON.stringify({ MaximumRetryAttempts: 0 }),
    });
    assert.equal(cfg.status, 200);
    const ev = await fetch(`${server.url}/2015-03-31/functions/asyncfail/invocations`, {
      method: 'POST',
      headers: { 'X-Amz-Invocation-Type': 'Event' },
      body: '{"fail":true}',
    });
    assert.equal(ev.status, 202);
    const id = String(ev.headers.get('x-amzn-requestid'));
    let listed = '';
    for (let i = 0; i < 100 && !listed.includes(id); i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed = (await runNimbus(['invocations', 'asyncfail', '--status', 'dead-lettered'], env))
        .stdout;
    }
    assert.match(listed, new RegExp(`${id}.*event\\s+dead-lettered\\s+1`));
    const one = await runNimbus(['invocation', id], env);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /status\s+dead-lettered/);
    assert.match(one.stdout, /Error: asked to fail/);
    const dlq = await runNimbus(['dlq', 'ls', 'asyncfail'], env);
    assert.match(dlq.stdout, new RegExp(`${id}.*RetriesExhausted`));
    const redrive = await runNimbus(['dlq', 'redrive', 'asyncfail', '--id', id], env);
    assert.match(redrive.stdout, /queued 1 event again/);
    let again = '';
    for (let i = 0; i < 100 && !again.includes('RetriesExhausted'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = (await runNimbus(['dlq', 'ls', 'asyncfail'], env)).stdout;
    }
    const purge = await runNimbus(['dlq', 'purge', 'asyncfail'], env);
    assert.match(purge.stdout, /removed 1 dead letter/, purge.stderr);
    assert.match((await runNimbus(['dlq', 'ls', 'asyncfail'], env)).stdout, /is empty/);
  });

  test('an unreachable server gives a readable error', async () => {
    const r = await runNimbus(['ls', '--endpoint', 'http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach Nimbus at http:\/\/127\.0\.0\.1:1/);
  });

  test('SIGTERM stops cleanly: the in-flight invocation is answered, no instance process is left', async () => {
    const env = { NIMBUS_ENDPOINT: server.url };
    const dep = await runNimbus(
      [
        'deploy',
        path.join(work, 'hello'),
        '--name',
        'sleepy',
        '--runtime',
        RUNTIME,
        '--handler',
        'index.handler',
        '--timeout',
        '30',
      ],
      env,
    );
    assert.equal(dep.code, 0, dep.stderr);
    assert.equal((await runNimbus(['invoke', 'sleepy', '--data', '{"name":"warm"}'], env)).code, 0);
    assert.ok(processesMentioning(dataDir).length > 0, 'a warm instance is running');
    const inflight = fetch(`${server.url}/2015-03-31/functions/sleepy/invocations`, {
      method: 'POST',
      body: '{"name":"late","sleepMs":800}',
    });
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { hello: 'late' }, 'the in-flight invocation finished');
    assert.equal(await waitExit(server.child, 15_000), 0);
    assert.deepEqual(processesMentioning(dataDir), [], 'no orphaned instance processes');
  });

  test('isolation none: the server starts and says loudly that functions are not sandboxed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-e2e-none-'));
    try {
      const s = await startNimbusServer(dir, ['--isolation', 'none']);
      assert.match(s.stderr(), /WARNING: isolation "none".*WITHOUT a sandbox/);
      const env = { NIMBUS_ENDPOINT: s.url };
      assert.equal(
        (
          await runNimbus(
            [
              'deploy',
              path.join(work, 'hello'),
              '--name',
              'plain',
              '--runtime',
              RUNTIME,
              '--handler',
              'index.handler',
            ],
            env,
          )
        ).code,
        0,
      );
      const inv = await runNimbus(['invoke', 'plain', '--data', '{"name":"bare"}'], env);
      assert.deepEqual(JSON.parse(inv.stdout), { hello: 'bare' });
      s.child.kill('SIGTERM');
      assert.equal(await waitExit(s.child, 15_000), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
