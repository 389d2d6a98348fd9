import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN } from '../helpers/cli-server.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

const MANIFEST = `project: devloop
defaults: { runtime: ${RUNTIME}, timeoutS: 10 }
functions:
  api:
    code: ./api
    routes: [GET /hello, GET /slow]
  typed:
    code: ./typed
    handler: src/app.handler
    routes: [GET /ts]
`;

const api = (v: string) => `const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.handler = async (e) => {
  if (e.rawPath === '/slow') { await sleep(1500); return { statusCode: 200, body: 'slow ${v}' }; }
  console.log('hello from ${v}');
  return { statusCode: 200, body: '${v}' };
};
`;

const typed = (greeting: string) => `import { shout } from './shout';
interface Answer { statusCode: number; body: string }
export const handler = async (): Promise<Answer> => ({ statusCode: 200, body: shout('${greeting}') });
`;

/** `nimbus dev` as a child process, its output collected. */
interface DevChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  httpUrl: string;
}

/** This environment without a server to attach to: dev starts its own. */
function devEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NIMBUS_ENDPOINT;
  return env;
}

async function startDev(dir: string): Promise<DevChild> {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--http-port', '0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: devEnv(),
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (err += c));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nimbus dev did not start:\n${err}`)), 60_000);
    child.once('exit', () => clearTimeout(timer));
    const check = () => {
      if (/press Ctrl-C to stop/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => reject(new Error(`nimbus dev exited (${code}):\n${err}`)));
  });
  const httpUrl = /HTTP gateway +(http:\/\/\S+)/.exec(err)?.[1];
  assert.ok(httpUrl, err);
  return { child, stdout: () => out, stderr: () => err, httpUrl };
}

async function until<T>(what: string, maxMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + maxMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('nimbus dev: deploy, watch, reload', () => {
  let dir: string;
  let dev: DevChild;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  const get = async (p: string) => {
    const res = await fetch(`${dev.httpUrl}${p}`);
    return { body: await res.text(), requestId: res.headers.get('x-amzn-requestid') ?? '' };
  };
  /** The REPORT line of one invocation, once the log tail printed it. */
  const report = (requestId: string) =>
    until(`REPORT of ${requestId}`, 5000, async () =>
      dev
        .stdout()
        .split('\n')
        .find((l) => l.includes(`REPORT RequestId: ${requestId}`)),
    );

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-dev-e2e-'));
    write('nimbus.yml', MANIFEST);
    write('api/index.js', api('v1'));
    write('typed/src/app.ts', typed('hi'));
    write(
      'typed/src/shout.ts',
      "export const shout = (s: string): string => s.toUpperCase() + '!';\n",
    );
    dev = await startDev(dir);
  });
  after(async () => {
    if (dev && dev.child.exitCode === null) {
      const exited = new Promise((r) => dev.child.once('exit', r));
      dev.child.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the manifest is deployed and logs are printed with the function and request id', async () => {
    assert.match(dev.stdout(), /^created route GET \/hello$/m);
    const r = await get('/hello');
    assert.equal(r.body, 'v1');
    const line = await until('the log line', 5000, async () =>
      dev
        .stdout()
        .split('\n')
        .find((l) => l.includes('hello from v1')),
    );
    assert.match(line, new RegExp(`^api +${r.requestId.slice(0, 8)}  INFO hello from v1$`));
    assert.ok(!dev.stdout().includes('\u001b['), 'no colours when stdout is not a terminal');
  });

  test('an edit answers the next request within 1 s; an in-flight request finishes on the old code', async () => {
    const slow = get('/slow');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    write('api/index.js', api('v2'));
    const first = await until('v2 to answer', 1000, async () => {
      const r = await get('/hello');
      return r.body === 'v2' ? r : undefined;
    });
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `new code answered after ${ms} ms`);
    assert.equal((await slow).body, 'slow v1');
    assert.match(dev.stderr(), /^reloaded api in \d+ ms$/m);
    // The first request after the reload starts a new instance; the next one is warm.
    assert.match(await report(first.requestId), /Init Duration: .*Start Type: (cold|prewarmed)/);
    const second = await get('/hello');
    assert.equal(second.body, 'v2');
    const warm = await report(second.requestId);
    assert.doesNotMatch(warm, /Init Duration|Start Type/);
  });

  test('a syntax error prints one line with file:line:column and the old code keeps serving', async () => {
    write(
      'api/index.js',
      'exports.handler = async () => {\n  return { statusCode: 200, body: "v3" ;\n};\n',
    );
    const line = await until('the syntax error line', 5000, async () =>
      dev
        .stderr()
        .split('\n')
        .find((l) => l.startsWith('error: ')),
    );
    assert.match(
      line,
      /^error: api\/index\.js:2:\d+: Expected "}" but found ";" \(api keeps its old code\)$/,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await get('/hello')).body, 'v2');
    write('api/index.js', api('v4'));
    await until('v4 after the fix', 3000, async () =>
      (await get('/hello')).body === 'v4' ? true : undefined,
    );
  });

  test('a TypeScript handler is bundled with esbuild and reloads', async () => {
    assert.equal((await get('/ts')).body, 'HI!');
    write('typed/src/app.ts', typed('hello'));
    await until('the new TypeScript answer', 3000, async () =>
      (await get('/ts')).body === 'HELLO!' ? true : undefined,
    );
    write('typed/src/app.ts', 'export const handler = async (: number) => 1;\n');
    const line = await until('the TypeScript error', 5000, async () =>
      dev
        .stderr()
        .split('\n')
        .find((l) => l.includes('typed/src/app.ts:1:')),
    );
    assert.match(line, /^error: typed\/src\/app\.ts:1:\d+: .+ \(typed keeps its old code\)$/);
    assert.equal((await get('/ts')).body, 'HELLO!');
  });

  test('SIGTERM stops the watcher and the server it started', async () => {
    const exited = new Promise<number | null>((r) => dev.child.once('exit', (code) => r(code)));
    dev.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(dev.stderr(), /SIGTERM: stopping the watcher and the server/);
    await assert.rejects(fetch(`${dev.httpUrl}/hello`));
  });
});
