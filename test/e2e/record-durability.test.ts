import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliServer, startNimbusServer, waitExit } from '../helpers/cli-server.js';
import { runCli } from '../unit/cli-harness.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;
const HANDLER = `exports.handler = async (e) => { if (e.fail) throw new TypeError('asked to fail'); return 'ok'; };`;

/**
 * Records of synchronous invocations are batched off the request path, but a failed
 * invocation's record is stored before its answer leaves: a server killed with SIGKILL
 * right after answering still has it when it comes back.
 */
describe('a failed invocation’s record survives kill -9 right after its answer', () => {
  let dataDir: string;
  let work: string;
  let server: CliServer | undefined;

  const kill = async (signal: NodeJS.Signals) => {
    if (!server) return;
    const { child } = server;
    server = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await waitExit(child, 15_000).catch(() => child.kill('SIGKILL'));
  };
  const invoke = async (fail: boolean) => {
    assert.ok(server);
    const r = await fetch(`${server.url}/2015-03-31/functions/hello/invocations`, {
      method: 'POST',
      body: JSON.stringify({ fail }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-amz-function-error'), fail ? 'Unhandled' : null);
    await r.arrayBuffer();
    return r.headers.get('x-amzn-requestid') ?? '';
  };

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-durable-'));
    work = mkdtempSync(path.join(tmpdir(), 'nimbus-durable-work-'));
    server = await startNimbusServer(dataDir, ['--no-auth']);
    const dir = path.join(work, 'hello');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'index.js'), HANDLER);
    const r = await runCli(
      ['deploy', dir, '--name', 'hello', '--runtime', RUNTIME, '--handler', 'index.handler'],
      { endpoint: server.url, env: { NIMBUS_DATA_DIR: dataDir } },
    );
    assert.equal(r.code, 0, r.stderr);
    await invoke(false); // warm: the failing call below is not a cold start
  });
  after(async () => {
    await kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  test('the failed record is there after a restart; the error is in it', async () => {
    const failedId = await invoke(true);
    await kill('SIGKILL');
    server = await startNimbusServer(dataDir, ['--no-auth']);
    const rec = await fetch(`${server.url}/nimbus/v1/invocations/${failedId}`);
    assert.equal(rec.status, 200, await rec.clone().text());
    const { invocation } = (await rec.json()) as {
      invocation: { status: string; errorType: string; errorMessage: string };
    };
    assert.equal(invocation.status, 'failed');
    assert.equal(invocation.errorType, 'TypeError');
    assert.equal(invocation.errorMessage, 'asked to fail');
  });
});
