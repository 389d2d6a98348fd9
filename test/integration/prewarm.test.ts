import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../../src/server.js';
import { lambdaCalls, logTail } from '../helpers/lambda-calls.js';
import { makeZip, testPlatform } from '../helpers/platform.js';

/** The REPORT line of an Invoke answer's log. */
function report(r: { headers: Record<string, unknown> }): string {
  return (
    logTail(r)
      .split('\n')
      .find((l) => l.startsWith('REPORT')) ?? ''
  );
}

const hostPython = (() => {
  try {
    return execFileSync('/usr/bin/python3', [
      '-c',
      'import sys;print("%d.%d"%sys.version_info[:2])',
    ])
      .toString()
      .trim();
  } catch {
    return null;
  }
})();

// Real sandboxes: the pool needs bubblewrap, and on a host without it these fail rather
// than pass vacuously.
describe('prewarm pool: cold starts served by generic sandboxes started ahead', () => {
  let p: Platform;
  let dataDir: string;
  let close: () => Promise<void>;
  let listener: net.Server;
  let port = 0;
  before(async () => {
    ({
      platform: p,
      dataDir,
      close,
    } = await testPlatform({
      prewarmPoolSize: 1,
      idleTtlMs: 600_000,
    }));
    assert.equal(p.isolation.kind, 'bwrap', 'these tests need bubblewrap');
    listener = net.createServer((s) => s.end('host service'));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as net.AddressInfo).port;
  });
  after(async () => {
    listener.close();
    await close();
  });

  const { inject, deploy, invoke } = lambdaCalls(() => p, { tail: true });
  const health = async () =>
    (await inject({ method: 'GET', url: '/health' })).json().instances as {
      instances: number;
      prewarmed: number;
    };
  /** Waits until the pool holds `n` ready sandboxes. */
  async function prewarmed(n: number): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if ((await health()).prewarmed >= n) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`the pool did not refill to ${n}`);
  }
  /** Deploys and invokes a throwaway Node function, so its runtime (128 MB) is prewarmed. */
  async function seed(name: string): Promise<void> {
    await deploy(name, { 'index.js': 'exports.handler = async () => "seed";' });
    assert.match(report(await invoke(name, '{}')), /Start Type: (cold|prewarmed)/);
  }

  test('the first invoke of a new function is prewarmed: its own code, env and memory size, cwd /var/task; the pool refills', async () => {
    await seed('seed-a');
    await prewarmed(1);
    await deploy(
      'alpha',
      {
        'index.js': `const fs = require('fs');
          exports.handler = async (e, context) => ({ files: fs.readdirSync('/var/task').sort(), data: fs.readFileSync('data.txt', 'utf8'),
            context: [context.functionName, context.functionVersion, context.memoryLimitInMB, context.logGroupName],
            cwd: process.cwd(), own: process.env.ALPHA_ONLY, name: process.env.AWS_LAMBDA_FUNCTION_NAME,
            mem: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE,
            pooled: process.env.NIMBUS_POOLED ?? null, nodePath: process.env.NODE_PATH });`,
        'data.txt': 'alpha data',
      },
      { Environment: { Variables: { ALPHA_ONLY: 'yes' } } },
    );
    const r = await invoke('alpha', '{}');
    assert.equal(r.statusCode, 200, r.body);
    assert.match(report(r), /Init Duration: [\d.]+ ms\tStart Type: prewarmed/);
    assert.deepEqual(r.json(), {
      files: ['data.txt', 'index.js'],
      data: 'alpha data',
      context: ['alpha', '$LATEST', '128', '/aws/lambda/alpha'],
      cwd: '/var/task',
      own: 'yes',
      name: 'alpha',
      mem: '128',
      init: 'on-demand',
      pooled: null,
      nodePath: r.json().nodePath,
    });
    assert.match(r.json().nodePath, /\/var\/task$/);
    const rid = String(r.headers['x-amzn-requestid']);
    await p.records.flush();
    const rec = await inject({ method: 'GET', url: `/nimbus/v1/invocations/${rid}` });
    assert.equal(rec.statusCode, 200, rec.body);
    assert.equal(rec.json().invocation.startType, 'prewarmed');
    assert.equal(rec.json().invocation.cold, true);
    await prewarmed(1);
    const again = await invoke('alpha', '{}');
    assert.doesNotMatch(report(again), /Init Duration|Start Type/, 'warm afterwards');
  });

  test('a prewarmed start looks exactly like a cold one to the function: environment, context, argv, cwd, module paths', async () => {
    await prewarmed(1);
    await deploy('twin', {
      'index.js': `exports.handler = async (e, context) => {
          await new Promise((r) => setTimeout(r, 300)); // both invocations overlap: two instances
          const env = { ...process.env };
          delete env.AWS_LAMBDA_LOG_STREAM_NAME; // one per instance
          delete env._X_AMZN_TRACE_ID; // one per invocation
          const { awsRequestId, logStreamName, ...ctx } = context;
          return { env, ctx: JSON.parse(JSON.stringify(ctx)), argv: process.argv, execArgv: process.execArgv,
            cwd: process.cwd(), paths: module.paths, umask: process.umask(), title: process.title };
        };`,
    });
    const [a, b] = await Promise.all([invoke('twin', '{}'), invoke('twin', '{}')]);
    const types = [report(a), report(b)].map((l) => /Start Type: (\w+)/.exec(l)?.[1]).sort();
    assert.deepEqual(types, ['cold', 'prewarmed']);
    assert.deepEqual(a.json(), b.json());
  });

  test('a used sandbox is never handed out again: the next function sees nothing of the previous one', async () => {
    await prewarmed(1);
    await deploy('beta', {
      'index.js': `const fs = require('fs');
        exports.handler = async () => { globalThis.betaToken = 'beta-secret'; fs.writeFileSync('/tmp/beta-file', 'x');
          return { files: fs.readdirSync('/var/task') }; };`,
    });
    const b = await invoke('beta', '{}');
    assert.match(report(b), /Start Type: prewarmed/);
    assert.deepEqual(b.json().files, ['index.js']);
    // Beta's instance goes (its function is deleted); its sandbox never returns to the pool.
    assert.equal(
      (await inject({ method: 'DELETE', url: '/2015-03-31/functions/beta' })).statusCode,
      204,
    );
    await prewarmed(1);
    await deploy(
      'gamma',
      {
        'main.js': `const fs = require('fs');
        const tryRead = (p) => { try { return fs.readdirSync(p); } catch (e) { return e.code; } };
        exports.handler = async () => ({ files: fs.readdirSync('/var/task'), token: globalThis.betaToken ?? null,
          tmp: tryRead('/tmp'), dataDir: tryRead(${JSON.stringify(dataDir)}), opt: tryRead('/opt') });`,
      },
      { Handler: 'main.handler' },
    );
    const g = await invoke('gamma', '{}', {});
    assert.equal(g.statusCode, 200, g.body);
    assert.match(report(g), /Start Type: prewarmed/);
    assert.deepEqual(g.json(), {
      files: ['main.js'],
      token: null,
      tmp: [],
      dataDir: 'ENOENT',
      opt: [],
    });
  });

  test('a prewarmed instance is as confined as any: no host files, processes, loopback, root or writable code', async () => {
    await prewarmed(1);
    await deploy('probe', {
      'index.js': `const fs = require('fs'); const net = require('net');
        const tryRead = (p) => { try { return fs.readdirSync(p); } catch (e) { return e.code; } };
        const tryWrite = (p) => { try { fs.writeFileSync(p, 'x'); return 'written'; } catch (e) { return e.code; } };
        const connect = (port) => new Promise((r) => { const s = net.connect(port, '127.0.0.1');
          s.on('connect', () => { s.destroy(); r('connected'); }); s.on('error', (e) => r(e.code));
          setTimeout(() => { s.destroy(); r('timeout'); }, 1000); });
        exports.handler = async (e) => ({ uid: process.getuid(), procs: tryRead('/proc').filter((n) => /^\\d+$/.test(n)).length,
          dataDir: tryRead(e.dataDir), writeTask: tryWrite('/var/task/x'), writeOpt: tryWrite('/opt/x'), writeTmp: tryWrite('/tmp/x'),
          connectHost: await connect(e.port), root: tryRead('/') });`,
    });
    const r = await invoke('probe', JSON.stringify({ dataDir, port }));
    assert.equal(r.statusCode, 200, r.body);
    assert.match(report(r), /Start Type: prewarmed/);
    const rep = r.json();
    assert.notEqual(rep.uid, 0);
    assert.ok(rep.procs <= 4, `sees only its own processes (saw ${rep.procs})`);
    assert.equal(rep.dataDir, 'ENOENT');
    assert.ok(['EROFS', 'EACCES'].includes(rep.writeTask), `code is read-only (${rep.writeTask})`);
    assert.ok(['EROFS', 'EACCES'].includes(rep.writeOpt), `/opt is read-only (${rep.writeOpt})`);
    assert.equal(rep.writeTmp, 'written');
    assert.notEqual(rep.connectHost, 'connected');
    assert.ok(!rep.root.includes('root') && !rep.root.includes('home'));
  });

  test("a prewarmed instance gets its function's memory cap: allocating past it is Runtime.OutOfMemory", async (t) => {
    if (!p.isolation.cgroup)
      return t.skip('no writable cgroup on this host: caps are not enforced');
    await prewarmed(1);
    await deploy('hog', {
      'index.js': `exports.handler = async (e) => { const keep = [];
        for (let i = 0; i < e.mb; i++) keep.push(Buffer.alloc(1024 * 1024, 1)); return keep.length; };`,
    });
    const r = await invoke('hog', '{"mb":400}');
    assert.match(report(r), /Start Type: prewarmed/);
    assert.equal(r.headers['x-amz-function-error'], 'Unhandled');
    assert.equal(r.json().errorType, 'Runtime.OutOfMemory');
  });

  test("python: the prewarmed sandbox gets the cap of its function, raised or lowered from the pool's", async (t) => {
    if (!hostPython) return t.skip('no python3 on this host');
    if (!p.isolation.cgroup)
      return t.skip('no writable cgroup on this host: caps are not enforced');
    const runtime = `python${hostPython}`;
    const code = {
      'app.py':
        'import os\ndef handler(e, c):\n    keep = bytearray(e["mb"] * 1024 * 1024)\n    for i in range(0, len(keep), 4096):\n        keep[i] = 1\n    return {"files": sorted(os.listdir("/var/task")), "cwd": os.getcwd(), "mem": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "context": [c.function_name, c.memory_limit_in_mb]}\n',
    };
    const create = async (name: string, memoryMb: number) => {
      const zip = await makeZip(code);
      const r = await inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        payload: JSON.stringify({
          FunctionName: name,
          Runtime: runtime,
          Handler: 'app.handler',
          Role: 'arn:aws:iam::000000000000:role/x',
          MemorySize: memoryMb,
          Code: { ZipFile: zip.toString('base64') },
        }),
      });
      assert.equal(r.statusCode, 201, r.body);
    };
    await create('py-seed', 128);
    await invoke('py-seed', '{"mb":1}');
    await prewarmed(2);
    await create('py-big', 512);
    const big = await invoke('py-big', '{"mb":300}');
    assert.equal(big.statusCode, 200, big.body);
    assert.match(report(big), /Start Type: prewarmed/);
    assert.deepEqual(big.json(), {
      files: ['app.py'],
      cwd: '/var/task',
      mem: '512',
      context: ['py-big', '512'],
    });
    await prewarmed(2);
    await create('py-small', 128);
    const small = await invoke('py-small', '{"mb":300}');
    assert.match(report(small), /Start Type: prewarmed/);
    assert.equal(small.json().errorType, 'Runtime.OutOfMemory');
  });

  test('a function whose env the runtime reads only at start (NODE_OPTIONS) gets a fresh sandbox', async () => {
    await prewarmed(1);
    const before = (await health()).prewarmed;
    await deploy(
      'opts',
      {
        'index.js':
          'exports.handler = async () => process.execArgv.length + (process.env.NODE_OPTIONS ?? "");',
      },
      { Environment: { Variables: { NODE_OPTIONS: '--no-deprecation' } } },
    );
    const r = await invoke('opts', '{}');
    assert.equal(r.statusCode, 200, r.body);
    assert.match(report(r), /Start Type: cold/);
    assert.ok((await health()).prewarmed >= before, 'no prewarmed sandbox was taken');
  });
});
