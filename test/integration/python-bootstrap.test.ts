import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HOST_PYTHON_PATH, hostPythonVersion } from '../../src/shared/runtimes.js';
import { FakeRuntimeApi } from '../helpers/fake-runtime-api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BOOTSTRAP = path.resolve(here, '../../runtimes/python/bootstrap.py');
const TASK_ROOT = path.resolve(here, '../fixtures/python-bootstrap');
const MARKER = '\u0000NIMBUS-END ';

interface Runtime {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * The Python bootstrap as a plain child process (no sandbox) against `env`'s Runtime API.
 * stdout and stderr go to one file, not a pipe: what the runtime wrote before a POST is
 * readable the moment the POST arrives, so the tests can check the order.
 */
function startRuntime(handler: string, env: Record<string, string>): Runtime {
  const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-pyboot-'));
  const file = path.join(dir, 'output');
  const fd = openSync(file, 'w');
  const child = spawn(HOST_PYTHON_PATH, ['-u', BOOTSTRAP], {
    cwd: TASK_ROOT,
    env: {
      PATH: '/usr/bin:/bin',
      _HANDLER: handler,
      LAMBDA_TASK_ROOT: TASK_ROOT,
      PYTHONDONTWRITEBYTECODE: '1',
      AWS_LAMBDA_FUNCTION_NAME: 'fixture',
      ...env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => readFileSync(file, 'utf8'),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('python bootstrap against a fake Runtime API', {
  skip: hostPythonVersion() ? false : 'no /usr/bin/python3',
}, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function setup(handler: string, env: Record<string, string> = {}) {
    let rt: Runtime | undefined;
    const api = await FakeRuntimeApi.start({ snapshot: () => rt?.output() ?? '' });
    rt = startRuntime(handler, { NIMBUS_RUNTIME_SOCKET: api.socketPath, ...env });
    const started = rt;
    cleanups.push(async () => {
      await started.stop();
      await api.close();
    });
    return { api, rt: started };
  }

  test('python bootstrap: invocations over one keep-alive connection; marker written before each POST; context from /next headers', async () => {
    const { api, rt } = await setup('app.echo');
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:fixture';
    const first = api.enqueue({
      body: '{"n":1}',
      timeoutMs: 5000,
      headers: {
        'Lambda-Runtime-Invoked-Function-Arn': arn,
        'Lambda-Runtime-Trace-Id': 'Root=1-abc',
        'Lambda-Runtime-Cognito-Identity':
          '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
      },
    });
    const p1 = await api.result(first);
    assert.equal(p1.kind, 'response');
    assert.equal(p1.headers['content-type'], 'application/json');
    const b1 = JSON.parse(p1.body.toString());
    assert.deepEqual(b1.event, { n: 1 });
    assert.equal(b1.rid, first);
    assert.equal(b1.arn, arn);
    assert.ok(b1.left > 4000 && b1.left <= 5000);
    assert.deepEqual(b1.identity, ['id-1', 'pool-1']);
    assert.equal(b1.trace, 'Root=1-abc');
    const at = p1.snapshotAtArrival;
    assert.ok(at.includes(`echo {"n": 1}\n${MARKER}${first}\n`), JSON.stringify(at));

    const second = api.enqueue({ body: '' });
    const b2 = JSON.parse((await api.result(second)).body.toString());
    assert.deepEqual(b2.event, {}, 'an empty body is {}');
    assert.equal(b2.calls, 2);
    assert.equal(b2.trace, null, 'no trace id: _X_AMZN_TRACE_ID removed');
    await api.polled(3);
    assert.equal(api.connections, 1, 'one keep-alive connection');
    assert.equal(rt.child.exitCode, null);
  });

  test('python bootstrap: handler error is logged, marked, then POSTed to /error with the error type header', async () => {
    const { api } = await setup('app.boom');
    const id = api.enqueue();
    const post = await api.result(id);
    assert.equal(post.kind, 'error');
    assert.equal(post.headers['lambda-runtime-function-error-type'], 'RuntimeError');
    const e = JSON.parse(post.body.toString());
    assert.equal(e.errorType, 'RuntimeError');
    assert.equal(e.errorMessage, 'boom');
    assert.equal(e.requestId, id);
    assert.match(e.stackTrace[0], /app\.py", line \d+, in boom/);
    const out = post.snapshotAtArrival;
    assert.match(out, new RegExp(`\\[ERROR\\]\\t[^\\t]+\\t${id}\\tabout to fail\\n`));
    assert.ok(
      out.indexOf('[ERROR] RuntimeError: boom\r') < out.indexOf(`${MARKER}${id}\n`),
      JSON.stringify(out),
    );
  });

  test('python bootstrap: a bad client context header or body fails that invocation only', async () => {
    const { api } = await setup('app.echo');
    const bad = api.enqueue({ headers: { 'Lambda-Runtime-Client-Context': 'not json' } });
    const e = JSON.parse((await api.result(bad)).body.toString());
    assert.equal(e.errorType, 'Runtime.LambdaContextUnmarshalError');
    assert.match(e.errorMessage, /^Unable to parse Client Context JSON: /);
    const badBody = api.enqueue({ body: '{nope' });
    assert.equal(
      JSON.parse((await api.result(badBody)).body.toString()).errorType,
      'Runtime.UnmarshalError',
    );
    const ok = api.enqueue({ body: '{"n":3}' });
    assert.equal((await api.result(ok)).kind, 'response');
  });

  test('python bootstrap: init error → /init/error with the type header, no /next, exit 1', async () => {
    const { api, rt } = await setup('nosuchmodule.handler');
    const post = await api.initErrorPost();
    assert.equal(post.headers['lambda-runtime-function-error-type'], 'Runtime.ImportModuleError');
    assert.deepEqual(JSON.parse(post.body.toString()), {
      errorMessage: "Unable to import module 'nosuchmodule': No module named 'nosuchmodule'",
      errorType: 'Runtime.ImportModuleError',
      requestId: '',
      stackTrace: [],
    });
    assert.equal(await rt.exited, 1);
    assert.equal(api.nextPolls, 0);
    assert.match(rt.output(), /^\[ERROR\] Runtime\.ImportModuleError: Unable to import module/m);
  });

  test('python bootstrap: without NIMBUS_RUNTIME_SOCKET it uses AWS_LAMBDA_RUNTIME_API over TCP', async () => {
    const api = await FakeRuntimeApi.start();
    const relay = net.createServer((c) => {
      const u = net.connect(api.socketPath);
      c.pipe(u).pipe(c);
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as net.AddressInfo).port; // listening on TCP: an AddressInfo
    const rt = startRuntime('app.echo', { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` });
    cleanups.push(async () => {
      await rt.stop();
      relay.close();
      await api.close();
    });
    const id = api.enqueue({ body: '{"via":"tcp"}' });
    assert.deepEqual(JSON.parse((await api.result(id)).body.toString()).event, { via: 'tcp' });
  });

  test('python bootstrap: the Runtime API going away ends the process with exit 1', async () => {
    const { api, rt } = await setup('app.echo');
    await api.polled(1);
    await api.close();
    assert.equal(await rt.exited, 1);
    assert.match(rt.output(), /\[ERROR\] Runtime API failure: /);
  });
});
