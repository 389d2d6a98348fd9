import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliServer, startNimbusServer, waitExit } from '../helpers/cli-server.js';
import { runCli } from '../unit/cli-harness.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;
const HANDLER = `exports.handler = async (e) => { if (e.fail) throw new Error('asked to'); return 'ok'; };`;

/** GB-seconds of `billedMs` at 128 MB. */
const gbs = (billedMs: number) => (billedMs / 1000) * (128 / 1024);

describe('nimbus usage and nimbus metrics read stored aggregates, across a restart', () => {
  let dataDir: string;
  let work: string;
  let server: CliServer | undefined;
  let billedLatestMs = 0;
  let billedV1Ms = 0;

  const stop = async () => {
    if (!server) return;
    const { child } = server;
    server = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await waitExit(child, 15_000).catch(() => child.kill('SIGKILL'));
  };
  const nimbus = async (...args: string[]) => {
    assert.ok(server);
    return runCli(args, { endpoint: server.url, env: { NIMBUS_DATA_DIR: dataDir } });
  };
  const ok = async (...args: string[]) => {
    const r = await nimbus(...args);
    assert.equal(r.code, 0, `nimbus ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const invoke = async (qualifier: string | null, fail: boolean): Promise<number> => {
    assert.ok(server);
    const q = qualifier ? `?Qualifier=${qualifier}` : '';
    const r = await fetch(`${server.url}/2015-03-31/functions/hello/invocations${q}`, {
      method: 'POST',
      body: JSON.stringify({ fail }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-amz-function-error') !== null, fail);
    const id = r.headers.get('x-amzn-requestid');
    // The invocation record holds the billed duration the usage must add up to.
    for (;;) {
      const rec = await fetch(`${server.url}/nimbus/v1/invocations/${id}`);
      if (rec.status === 200)
        return ((await rec.json()) as { invocation: { billedDurationMs: number } }).invocation
          .billedDurationMs;
      await new Promise((res) => setTimeout(res, 50));
    }
  };

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-usage-'));
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-usage-work-'));
    server = await startNimbusServer(dataDir, ['--no-auth']);
    const dir = path.join(work, 'hello');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'index.js'), HANDLER);
    await ok('deploy', dir, '--name', 'hello', '--runtime', RUNTIME, '--handler', 'index.handler');
    for (const fail of [false, false, false, true]) billedLatestMs += await invoke(null, fail);
    const v = await fetch(`${server.url}/2015-03-31/functions/hello/versions`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(v.status, 201);
    for (let i = 0; i < 2; i++) billedV1Ms += await invoke('1', false);
    // A restart in between: the figures come from the store, not the old process.
    await stop();
    server = await startNimbusServer(dataDir, ['--no-auth']);
  });
  after(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  test('nimbus usage: requests and GB-seconds per function, version and day', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const answer = JSON.parse(await ok('--json', 'usage'));
    const rows = answer.usage.filter((r: { function: string }) => r.function === 'hello');
    assert.equal(rows.length, 2, JSON.stringify(answer));
    const latest = rows.find((r: { version: string }) => r.version === '$LATEST');
    const v1 = rows.find((r: { version: string }) => r.version === '1');
    assert.deepEqual(
      { ...latest, gbSeconds: undefined },
      {
        function: 'hello',
        version: '$LATEST',
        day,
        requests: 4,
        errors: 1,
        throttles: 0,
        gbSeconds: undefined,
      },
    );
    assert.equal(v1.version, '1');
    assert.equal(v1.requests, 2);
    assert.ok(Math.abs(latest.gbSeconds - gbs(billedLatestMs)) < 1e-6, `${latest.gbSeconds}`);
    assert.ok(Math.abs(v1.gbSeconds - gbs(billedV1Ms)) < 1e-6, `${v1.gbSeconds}`);
    assert.equal(answer.totals.requests, 6);

    const table = await ok('usage', '--function', 'hello');
    assert.match(table, /^DAY\s+FUNCTION\s+VERSION\s+REQUESTS\s+ERRORS\s+THROTTLES\s+GB-SECONDS$/m);
    assert.match(
      table,
      new RegExp(`^${day}\\s+hello\\s+\\$LATEST\\s+4\\s+1\\s+0\\s+[\\d.e-]+$`, 'm'),
    );
    assert.match(table, new RegExp(`^${day}\\s+hello\\s+1\\s+2\\s+0\\s+0\\s+[\\d.e-]+$`, 'm'));
    assert.match(table, /^total\s+6\s+[\d.e-]+$/m);
    // A range before anything ran is empty.
    assert.equal(
      (await ok('usage', '--since', '2020-01-01', '--until', '2020-01-02')).trim(),
      'no invocations in that time',
    );
  });

  test('nimbus metrics: the last hour as a table with a trend per row', async () => {
    const answer = JSON.parse(await ok('--json', 'metrics', 'hello'));
    assert.equal(answer.periodS, 60);
    assert.ok(answer.points.length >= 60 && answer.points.length <= 61);
    const s = answer.summary;
    assert.equal(s.invocations, 6);
    assert.equal(s.errors, 1);
    assert.equal(s.throttles, 0);
    // One instance started for $LATEST, one for version 1.
    assert.equal(s.coldStarts, 2);
    assert.ok(s.p50Ms > 0 && s.p99Ms >= s.p50Ms, JSON.stringify(s));
    const perMinute = answer.points.reduce(
      (n: number, p: { invocations: number }) => n + p.invocations,
      0,
    );
    assert.equal(perMinute, 6);

    const one = JSON.parse(await ok('--json', 'metrics', 'hello', '--qualifier', '1'));
    assert.equal(one.summary.invocations, 2);

    const table = await ok('metrics', 'hello', '--since', '2h');
    assert.match(table, /^hello: .* UTC, 2 minutes per column$/m);
    assert.match(table, /^METRIC\s+TOTAL\s+TREND$/m);
    assert.match(table, /^invocations\s+6\s+[▁▂▃▄▅▆▇█]{60,61}$/m);
    assert.match(table, /^errors\s+1\s+[▁▂▃▄▅▆▇█]{60,61}$/m);
    assert.match(table, /^throttles\s+0\s+▁{60,61}$/m);
    assert.match(table, /^duration p50\s+[\d.]+ ms\s+ *[▁▂▃▄▅▆▇█][ ▁▂▃▄▅▆▇█]*$/m);
    assert.match(table, /^duration p99\s+[\d.]+ ms\s+/m);
    assert.match(table, /^cold starts\s+2\s+[▁▂▃▄▅▆▇█]{60,61}$/m);

    const missing = await nimbus('metrics', 'nosuch');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Function not found: nosuch/);
  });
});
