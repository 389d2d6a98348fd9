import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { raw } from './clients.js';

const CHILD = fileURLToPath(new URL('./child-server.ts', import.meta.url));
const MIB = 1024 * 1024;

interface Child {
  proc: ChildProcess;
  endpoint: string;
}

const started: ChildProcess[] = [];

/** Starts test/buckets/child-server.ts on `dataDir`; resolves once it listens. */
async function startChild(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    proc.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
  });
  return { proc, endpoint: `http://127.0.0.1:${port}` };
}

/** Stops a child by its pid: SIGTERM, then SIGKILL after 5 s. */
async function stopChild(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  process.kill(proc.pid!, signal);
  const timer = setTimeout(() => proc.pid && process.kill(proc.pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

after(async () => {
  for (const p of started) await stopChild(p, 'SIGKILL');
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const files = (dir: string) =>
  readdirSync(dir).flatMap((shard) =>
    readdirSync(path.join(dir, shard)).map((f) => path.join(shard, f)),
  );

test('crash: a server SIGKILLed mid-upload restarts with no partial object and no temp files', {
  timeout: 60_000,
}, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-s3-crash-'));
  try {
    const first = await startChild(dataDir);
    assert.equal((await raw(first.endpoint, 'PUT', '/crash-bucket')).status, 200);
    assert.equal(
      (await raw(first.endpoint, 'PUT', '/crash-bucket/kept', { body: 'committed' })).status,
      200,
    );
    const before = (
      await raw(first.endpoint, 'PUT', '/crash-bucket/partial', { body: 'old version' })
    ).status;
    assert.equal(before, 200);

    // Overwrite `partial` with a slowly streamed 10 MiB body, and kill the server halfway.
    const req = http.request(`${first.endpoint}/crash-bucket/partial`, {
      method: 'PUT',
      headers: { 'content-length': String(10 * MIB) },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(MIB, 1));
    const tmp = path.join(dataDir, 'buckets', 'tmp');
    await waitFor(() => readdirSync(tmp).length > 0, 'the upload to reach a temp file');
    await stopChild(first.proc, 'SIGKILL');
    req.destroy();
    // A file renamed into place whose metadata never committed (a crash between the two).
    const orphanDir = path.join(dataDir, 'buckets', 'files', 'ff');
    mkdirSync(orphanDir, { recursive: true });
    writeFileSync(path.join(orphanDir, 'ff'.padEnd(32, '0')), 'orphan');

    const second = await startChild(dataDir);
    try {
      const got = await raw(second.endpoint, 'GET', '/crash-bucket/partial');
      assert.equal(got.text, 'old version', 'the interrupted overwrite never became visible');
      assert.equal((await raw(second.endpoint, 'GET', '/crash-bucket/kept')).text, 'committed');
      assert.deepEqual(readdirSync(tmp), [], 'temp files are cleaned at start');
      assert.equal(
        files(path.join(dataDir, 'buckets', 'files')).length,
        2,
        'only committed files remain',
      );
      const list = await raw(second.endpoint, 'GET', '/crash-bucket?list-type=2');
      assert.deepEqual(
        [...list.text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]),
        ['kept', 'partial'],
      );
    } finally {
      await stopChild(second.proc);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('crash: a new key interrupted by SIGKILL does not exist after restart', {
  timeout: 60_000,
}, async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-s3-crash-'));
  try {
    const first = await startChild(dataDir);
    await raw(first.endpoint, 'PUT', '/crash-bucket');
    const req = http.request(`${first.endpoint}/crash-bucket/new%20key`, {
      method: 'PUT',
      headers: { 'content-length': String(4 * MIB) },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(2 * MIB, 2));
    const tmp = path.join(dataDir, 'buckets', 'tmp');
    await waitFor(() => readdirSync(tmp).length > 0, 'the upload to reach a temp file');
    await stopChild(first.proc, 'SIGKILL');
    req.destroy();
    const second = await startChild(dataDir);
    try {
      assert.equal((await raw(second.endpoint, 'HEAD', '/crash-bucket/new%20key')).status, 404);
      assert.deepEqual(readdirSync(tmp), []);
      assert.deepEqual(files(path.join(dataDir, 'buckets', 'files')), []);
    } finally {
      await stopChild(second.proc);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
