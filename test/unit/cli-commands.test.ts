import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import yauzl from 'yauzl';
import {
  type CannedAnswer,
  closedPortUrl,
  type FakeServer,
  functionConfig,
  lambdaError,
  type RecordedRequest,
  runCli,
  startFakeServer,
} from './cli-harness.js';

/** name → content of every file in a zip. */
async function unzip(zip: Buffer): Promise<Record<string, string>> {
  const zipfile = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
  const files: Record<string, string> = {};
  try {
    for await (const entry of zipfile.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const chunks: Buffer[] = [];
      for await (const c of await zipfile.openReadStreamPromise(entry)) chunks.push(c as Buffer); // a zip entry stream yields Buffers
      files[entry.fileName] = Buffer.concat(chunks).toString('utf8');
    }
  } finally {
    zipfile.close();
  }
  return files;
}

function jsonBody(req: RecordedRequest | undefined): Record<string, unknown> {
  assert.ok(req, 'request was sent');
  // The CLI sends JSON objects; the assertions check the fields.
  return JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
}

/** Starts a fake server for one test and stops it when the test ends. */
async function fake(
  t: { after(fn: () => Promise<void>): void },
  handler: (req: RecordedRequest) => CannedAnswer,
): Promise<FakeServer> {
  const server = await startFakeServer(handler);
  t.after(() => server.close());
  return server;
}

describe('cli deploy', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'nimbus-cli-deploy-'));
    await mkdir(path.join(dir, 'fn/lib'), { recursive: true });
    await writeFile(path.join(dir, 'fn/index.js'), 'exports.handler = async () => 42;\n');
    await writeFile(path.join(dir, 'fn/lib/util.js'), 'module.exports = 1;\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('deploy: zips a folder, fills in defaults for a new function, prints a summary', async (t) => {
    const server = await fake(t, (req) =>
      req.method === 'GET'
        ? lambdaError(404, 'ResourceNotFoundException', 'Function not found: hello')
        : { status: 201, body: { created: true, function: functionConfig('hello') } },
    );
    const run = await runCli(
      [
        'deploy',
        path.join(dir, 'fn'),
        '--name',
        'hello',
        '--memory',
        '256',
        '--env',
        'A=1',
        '--env',
        'B=x=y',
      ],
      { endpoint: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      'created hello (nodejs20.x, index.handler, 128 MB, 3 s) sha256 c2hhMjU2LW9mLXRoZS16aXA=\n',
    );
    const [get, put] = server.requests;
    assert.equal(`${get?.method} ${get?.url}`, 'GET /2015-03-31/functions/hello');
    assert.equal(`${put?.method} ${put?.url}`, 'PUT /nimbus/v1/functions/hello');
    assert.equal(put?.headers['content-type'], 'application/json');
    const { zipFile, ...settings } = jsonBody(put);
    assert.deepEqual(settings, {
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      memoryMb: 256,
      env: { A: '1', B: 'x=y' },
    });
    assert.equal(typeof zipFile, 'string');
    // Checked to be a string just above.
    assert.deepEqual(await unzip(Buffer.from(zipFile as string, 'base64')), {
      'index.js': 'exports.handler = async () => 42;\n',
      'lib/util.js': 'module.exports = 1;\n',
    });
  });

  test('deploy: a .zip is sent as is; with runtime and handler given, no lookup', async (t) => {
    const zipPath = path.join(dir, 'code.zip');
    const bytes = Buffer.from('PK\u0005\u0006not-really-a-zip-but-sent-as-is');
    await writeFile(zipPath, bytes);
    const server = await fake(t, () => ({
      status: 200,
      body: {
        created: false,
        function: functionConfig('py', { Runtime: 'python3.12', Handler: 'app.main', Timeout: 30 }),
      },
    }));
    const run = await runCli(
      [
        'deploy',
        zipPath,
        '--name',
        'py',
        '--runtime',
        'python3.12',
        '--handler',
        'app.main',
        '--timeout',
        '30',
        '--flavour',
        'fc',
        '--initializer',
        'app.init',
        '--initialization-timeout',
        '5',
        '--description',
        'hi',
      ],
      { endpoint: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^updated py \(python3\.12, app\.main, 128 MB, 30 s\) sha256 /);
    assert.equal(server.requests.length, 1);
    const body = jsonBody(server.requests[0]);
    assert.equal(typeof body.zipFile, 'string');
    // Checked to be a string just above.
    assert.deepEqual(Buffer.from(body.zipFile as string, 'base64'), bytes);
    assert.deepEqual(
      { ...body, zipFile: undefined },
      {
        zipFile: undefined,
        runtime: 'python3.12',
        handler: 'app.main',
        timeoutS: 30,
        flavour: 'fc',
        initializer: 'app.init',
        initializationTimeoutS: 5,
        description: 'hi',
      },
    );
  });

  test('deploy: updating an existing function leaves runtime and handler out', async (t) => {
    const server = await fake(t, (req) =>
      req.method === 'GET'
        ? { body: { Configuration: functionConfig('hello') } }
        : { body: { created: false, function: functionConfig('hello') } },
    );
    const run = await runCli(['deploy', path.join(dir, 'fn'), '--name', 'hello', '--json'], {
      endpoint: server.url,
    });
    assert.equal(run.code, 0, run.stderr);
    const body = jsonBody(server.requests[1]);
    assert.deepEqual(Object.keys(body), ['zipFile']);
    assert.deepEqual(JSON.parse(run.stdout), { created: false, function: functionConfig('hello') });
  });

  test('deploy: a native API error is printed readably', async (t) => {
    const server = await fake(t, () => ({
      status: 400,
      body: { error: { code: 'BadRequest', message: 'zipFile is not a zip archive' } },
    }));
    const run = await runCli(
      [
        'deploy',
        path.join(dir, 'fn'),
        '--name',
        'hello',
        '--runtime',
        'nodejs20.x',
        '--handler',
        'index.handler',
      ],
      { endpoint: server.url },
    );
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: BadRequest: zipFile is not a zip archive\n');
    assert.equal(run.stdout, '');
  });
});

describe('cli invoke', () => {
  test('invoke: posts the raw payload to the encoded name and prints the result', async (t) => {
    const server = await fake(t, () => ({
      headers: { 'X-Amz-Executed-Version': '$LATEST' },
      body: '{"ok":true}',
    }));
    const run = await runCli(['invoke', 'hello:live', '--data', '{"name": "ada"}'], {
      endpoint: server.url,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '{"ok":true}\n');
    assert.equal(run.stderr, '');
    const req = server.requests[0];
    assert.equal(
      `${req?.method} ${req?.url}`,
      'POST /2015-03-31/functions/hello%3Alive/invocations',
    );
    assert.equal(req?.body.toString(), '{"name": "ada"}');
    assert.equal(req?.headers['x-amz-log-type'], undefined);
  });

  test('invoke: --qualifier, --path - reads stdin, empty answer body prints nothing', async (t) => {
    const server = await fake(t, () => ({ body: '' }));
    const run = await runCli(['invoke', 'hello', '--qualifier', '3', '--path', '-'], {
      endpoint: server.url,
      stdin: '{"from":"stdin"}',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.requests[0]?.url, '/2015-03-31/functions/hello/invocations?Qualifier=3');
    assert.equal(server.requests[0]?.body.toString(), '{"from":"stdin"}');
    assert.equal(run.stdout, '');
  });

  test('invoke: --tail asks for the log and prints it decoded on stderr', async (t) => {
    const log =
      'START RequestId: r1 Version: $LATEST\nhello from the function\nEND RequestId: r1\n';
    const server = await fake(t, () => ({
      headers: { 'X-Amz-Log-Result': Buffer.from(log).toString('base64') },
      body: '"hi"',
    }));
    const run = await runCli(['invoke', 'hello', '--tail'], { endpoint: server.url });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.requests[0]?.headers['x-amz-log-type'], 'Tail');
    assert.equal(server.requests[0]?.body.length, 0);
    assert.equal(run.stderr, log);
    assert.equal(run.stdout, '"hi"\n');
  });

  test('invoke: a function error prints the error payload and exits 1', async (t) => {
    const payload = '{"errorType":"Error","errorMessage":"boom","trace":[]}';
    const server = await fake(t, () => ({
      headers: { 'X-Amz-Function-Error': 'Unhandled' },
      body: payload,
    }));
    const run = await runCli(['invoke', 'hello', '--data', '{}'], { endpoint: server.url });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, `${payload}\n`);
    assert.equal(run.stderr, 'error: the function failed (Unhandled): Error: boom\n');
  });

  test('invoke: an unknown function is a readable Lambda error', async (t) => {
    const message = 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope';
    const server = await fake(t, () => lambdaError(404, 'ResourceNotFoundException', message));
    const run = await runCli(['invoke', 'nope'], { endpoint: server.url });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `error: ResourceNotFoundException: ${message}\n`);
  });

  test('invoke: throttling with a lowercase message and a suffixed error type', async (t) => {
    const server = await fake(t, () => ({
      status: 429,
      headers: { 'x-amzn-ErrorType': 'TooManyRequestsException:http://internal.amazon.com/x' },
      body: {
        Reason: 'ConcurrentInvocationLimitExceeded',
        Type: 'User',
        message: 'Rate Exceeded.',
      },
    }));
    const run = await runCli(['invoke', 'hello'], { endpoint: server.url });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: TooManyRequestsException: Rate Exceeded.\n');
  });
});

describe('cli ls, info, rm', () => {
  test('ls: follows NextMarker and prints one table', async (t) => {
    const server = await fake(t, (req) =>
      req.url.includes('Marker=')
        ? {
            body: {
              Functions: [
                functionConfig('second', { Runtime: 'python3.12', MemorySize: 512, Timeout: 60 }),
              ],
            },
          }
        : { body: { Functions: [functionConfig('first')], NextMarker: 'page 2' } },
    );
    const run = await runCli(['ls'], { endpoint: server.url });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.url}`),
      [
        'GET /2015-03-31/functions?MaxItems=50',
        'GET /2015-03-31/functions?MaxItems=50&Marker=page%202',
      ],
    );
    assert.equal(
      run.stdout,
      [
        'NAME    RUNTIME     MEMORY  TIMEOUT  LAST MODIFIED',
        'first   nodejs20.x  128 MB  3 s      2024-01-01 00:00:00 UTC',
        'second  python3.12  512 MB  60 s     2024-01-01 00:00:00 UTC',
        '',
      ].join('\n'),
    );
  });

  test('ls --json: all pages in one Functions list', async (t) => {
    const server = await fake(t, (req) =>
      req.url.includes('Marker=')
        ? { body: { Functions: [{ FunctionName: 'b', Extra: 1 }] } }
        : { body: { Functions: [{ FunctionName: 'a' }], NextMarker: 'm' } },
    );
    const run = await runCli(['--json', 'ls'], { endpoint: server.url });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      Functions: [{ FunctionName: 'a' }, { FunctionName: 'b', Extra: 1 }],
    });
  });

  test('info: prints a summary with env var names but not their values', async (t) => {
    const server = await fake(t, () => ({
      body: {
        Configuration: functionConfig('hello', {
          Environment: { Variables: { SECRET: 'hunter2', A: '1' } },
          Nimbus: {
            Initializer: 'index.init',
            InitializationTimeout: 3,
            Flavour: 'fc',
            Service: 'default',
          },
        }),
        Code: { RepositoryType: 'S3', Location: 'http://x' },
      },
    }));
    const run = await runCli(['info', 'hello'], { endpoint: server.url });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.requests[0]?.url, '/2015-03-31/functions/hello');
    for (const expected of [
      /^name +hello$/m,
      /^arn +arn:aws:lambda:us-east-1:000000000000:function:hello$/m,
      /^runtime +nodejs20\.x$/m,
      /^handler +index\.handler$/m,
      /^memory +128 MB$/m,
      /^timeout +3 s$/m,
      /^code +1\.5 KB, sha256 c2hhMjU2LW9mLXRoZS16aXA=$/m,
      /^env +A, SECRET$/m,
      /^last modified +2024-01-01 00:00:00 UTC$/m,
      /^state +Active$/m,
      /^initializer +index\.init \(timeout 3 s\)$/m,
    ]) {
      assert.match(run.stdout, expected);
    }
    assert.doesNotMatch(run.stdout, /hunter2/);
  });

  test('rm: sends DeleteFunction and accepts 204', async (t) => {
    const server = await fake(t, () => ({ status: 204 }));
    const run = await runCli(['rm', 'hello'], { endpoint: server.url });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      `${server.requests[0]?.method} ${server.requests[0]?.url}`,
      'DELETE /2015-03-31/functions/hello',
    );
    assert.equal(run.stdout, 'deleted hello\n');
  });

  test('rm: an error without a JSON body still reads well', async (t) => {
    const server = await fake(t, () => ({ status: 502, body: 'Bad Gateway' }));
    const run = await runCli(['rm', 'hello'], { endpoint: server.url });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: HTTP 502: Bad Gateway\n');
  });
});

describe('cli logs', () => {
  const ev = (id: number, message: string) => ({
    id,
    timestamp: Date.parse('2024-05-01T12:00:00.000Z') + id * 1000,
    requestId: 'r1',
    message,
  });

  test('logs: pages through nextCursor and prints timestamp + message', async (t) => {
    const server = await fake(t, (req) => {
      const after = new URL(req.url, 'http://x').searchParams.get('after');
      if (after === null)
        return { body: { events: [ev(1, 'START\n'), ev(2, 'line a\rline b\n')], nextCursor: '2' } };
      if (after === '2') return { body: { events: [ev(3, 'END')], nextCursor: '3' } };
      return { body: { events: [], nextCursor: '3' } };
    });
    const before = Date.now();
    const run = await runCli(['logs', 'hello', '--since', '10m', '--request-id', 'r1'], {
      endpoint: server.url,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        '2024-05-01T12:00:01.000Z START',
        '2024-05-01T12:00:02.000Z line a',
        'line b',
        '2024-05-01T12:00:03.000Z END',
        '',
      ].join('\n'),
    );
    const queries = server.requests.map((r) => new URL(r.url, 'http://x'));
    assert.deepEqual(
      queries.map((u) => u.pathname),
      Array(3).fill('/nimbus/v1/functions/hello/logs'),
    );
    assert.deepEqual(
      queries.map((u) => u.searchParams.get('after')),
      [null, '2', '3'],
    );
    const since = Number(queries[0]?.searchParams.get('since'));
    assert.ok(since >= before - 600_000 - 1000 && since <= Date.now() - 600_000, `since=${since}`);
    assert.equal(queries[0]?.searchParams.get('requestId'), 'r1');
  });

  test('logs --follow: keeps polling after the cursor until SIGINT, then exits 0', async (t) => {
    let calls = 0;
    const server = await fake(t, () => {
      calls++;
      return calls === 1
        ? { body: { events: [ev(1, 'first')], nextCursor: '1' } }
        : calls === 3
          ? { body: { events: [ev(2, 'later')], nextCursor: '2' } }
          : { body: { events: [], nextCursor: calls < 3 ? '1' : '2' } };
    });
    let sent = false;
    const run = await runCli(['logs', 'hello', '--follow'], {
      endpoint: server.url,
      onStdout: (child, stdout) => {
        if (!sent && stdout.includes('later')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '2024-05-01T12:00:01.000Z first\n2024-05-01T12:00:02.000Z later\n');
    const afters = server.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('after'));
    assert.deepEqual(afters.slice(0, 3), [null, '1', '1']);
  });

  test('logs: an unknown function is a readable native error', async (t) => {
    const server = await fake(t, () => ({
      status: 404,
      body: { error: { code: 'NotFound', message: 'Function not found: nope' } },
    }));
    const run = await runCli(['logs', 'nope'], { endpoint: server.url });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'error: NotFound: Function not found: nope\n');
  });
});

describe('cli unreachable server', () => {
  for (const args of [
    ['ls'],
    ['invoke', 'hello'],
    ['info', 'hello'],
    ['logs', 'hello'],
    ['rm', 'hello'],
  ]) {
    test(`${args[0]}: a closed port gives the "is nimbus server running" hint`, async () => {
      const url = await closedPortUrl();
      const run = await runCli(args, { endpoint: url });
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `cannot reach Nimbus at ${url} (connection refused) — is \`nimbus server\` running?\n`,
      );
      assert.equal(run.stdout, '');
    });
  }

  test('--endpoint flag wins over NIMBUS_ENDPOINT', async (t) => {
    const server = await fake(t, () => ({ body: { Functions: [] } }));
    const run = await runCli(['--endpoint', server.url, 'ls'], { endpoint: await closedPortUrl() });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'no functions yet (create one with `nimbus deploy`)\n');
  });
});
