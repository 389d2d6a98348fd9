import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { stopOnSignal } from '../../src/cli/commands/server.js';
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
        const url = /Nimbus API +(http:\/\/\S+)/.exec(stdout)?.[1];
        if (!url || health) return;
        health = fetch(`${url}/health`)
          .then((r) => r.json())
          .finally(() => child.kill('SIGTERM'));
      },
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Nimbus API +http:\/\/127\.0\.0\.1:\d+$/m);
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

describe('server signals', () => {
  function harness() {
    const handlers = new Map<string, (signal: NodeJS.Signals) => void>();
    const exits: number[] = [];
    const logs: string[] = [];
    let closes = 0;
    let finishClose: (ok: boolean) => void = () => {};
    const server = {
      close: () => {
        closes++;
        return new Promise<void>((resolve, reject) => {
          finishClose = (ok) => (ok ? resolve() : reject(new Error('store busy')));
        });
      },
    };
    stopOnSignal(server, {
      on: (signal, handler) => handlers.set(signal, handler),
      exit: (code) => exits.push(code),
      log: (text) => logs.push(text),
    });
    const send = (signal: NodeJS.Signals) => handlers.get(signal)?.(signal);
    return {
      send,
      exits,
      logs,
      closes: () => closes,
      finishClose: (ok: boolean) => finishClose(ok),
    };
  }

  test('server: first signal closes once then exits 0', async () => {
    const h = harness();
    h.send('SIGTERM');
    assert.equal(h.closes(), 1);
    assert.deepEqual(h.exits, []);
    h.finishClose(true);
    await setImmediate();
    assert.deepEqual(h.exits, [0]);
    assert.match(h.logs[0] ?? '', /^SIGTERM: stopping Nimbus/);
  });

  test('server: a second signal while closing exits at once with 130', () => {
    const h = harness();
    h.send('SIGINT');
    h.send('SIGINT');
    assert.equal(h.closes(), 1);
    assert.deepEqual(h.exits, [130]);
  });

  test('server: a failing close is reported and exits 1', async () => {
    const h = harness();
    h.send('SIGINT');
    h.finishClose(false);
    await setImmediate();
    assert.deepEqual(h.exits, [1]);
    assert.equal(h.logs[1], 'error: could not stop cleanly: store busy');
  });
});
