import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from './cli-harness.js';

test('server: prints where it listens, serves /health, stops on SIGTERM with exit 0', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'nimbus-cli-server-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let health: Promise<unknown> | undefined;
  const run = await runCli(
    ['server', '--port', '0', '--http-port', '0', '--isolation', 'none', '--data-dir', dir],
    {
      timeoutMs: 30_000,
      onStdout: (child, stdout) => {
        const url = /Nimbus API \+ console +(http:\/\/\S+)/.exec(stdout)?.[1];
        if (!url || health) return;
        health = fetch(`${url}/health`)
          .then((r) => r.json())
          .finally(() => child.kill('SIGTERM'));
      },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Nimbus API \+ console +http:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(run.stdout, /^isolation +none \(cgroup \w+\)$/m);
  assert.match(run.stdout, new RegExp(`^data dir +${dir}$`, 'm'));
  assert.match(run.stderr, /WARNING: isolation "none"/);
  assert.match(run.stderr, /SIGTERM: stopping Nimbus/);
  assert.ok(health, 'the CLI printed its URL');
  // /health answers a JSON object (docs/native-api.md).
  assert.equal(((await health) as { status?: string }).status, 'ok');
});

test('server: a bad setting from the environment is a readable error', async () => {
  const run = await runCli(['server'], { env: { NIMBUS_ACCOUNT_ID: 'abc' } });
  assert.equal(run.code, 1);
  assert.equal(run.stderr, 'error: accountId must be 12 digits\n');
});

test('server: a second signal while closing exits at once with 130', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'nimbus-cli-server-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let signalled = false;
  const run = await runCli(
    ['server', '--port', '0', '--http-port', '0', '--isolation', 'none', '--data-dir', dir],
    {
      timeoutMs: 30_000,
      onStdout: (child, stdout) => {
        if (signalled || !stdout.includes('Nimbus API + console')) return;
        signalled = true;
        // Two different signals: the kernel would merge two pending SIGINTs into one.
        child.kill('SIGINT');
        child.kill('SIGTERM');
      },
    },
  );
  assert.ok(signalled, run.stderr);
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stderr, /SIGINT: stopping Nimbus/);
});
