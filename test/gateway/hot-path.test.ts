import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type GatewayServer, startGateway } from '../helpers/gateway.js';
import { makeZip } from '../helpers/platform.js';

// The hot path reads functions, versions, aliases and routes from memory: every change must
// be seen by the very next request, with warm instances of the old state still around.
const REPORTER = (tag: string) => ({
  'index.js': `exports.handler = async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tag: '${tag}', setting: process.env.SETTING ?? null }),
  });`,
});

describe('hot path: caches never serve a stale function, version, alias or route', () => {
  let g: GatewayServer;
  before(async () => {
    g = await startGateway({ maxConcurrency: 20 });
  });
  after(async () => g.close());

  const invoke = async (name: string, qualifier?: string) => {
    const qs = qualifier ? `?Qualifier=${qualifier}` : '';
    const r = await fetch(`${g.api}/2015-03-31/functions/${name}/invocations${qs}`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { body: string };
    return JSON.parse(body.body) as { tag: string; setting: string | null };
  };
  const get = async (p: string) => {
    const r = await fetch(`${g.http}${p}`);
    const text = await r.text();
    return { status: r.status, json: r.status === 200 ? JSON.parse(text) : text };
  };

  test('a configuration or code update is seen by the very next invoke, warm instance or not', async () => {
    await g.deploy('cfg', REPORTER('one'), { Environment: { Variables: { SETTING: 'a' } } });
    assert.deepEqual(await invoke('cfg'), { tag: 'one', setting: 'a' });
    assert.equal((await invoke('cfg')).setting, 'a', 'warm');
    for (const setting of ['b', 'c', 'd']) {
      const r = await g.call('PUT', '/2015-03-31/functions/cfg/configuration', {
        Environment: { Variables: { SETTING: setting } },
      });
      assert.equal(r.status, 200);
      assert.equal((await invoke('cfg')).setting, setting);
    }
    const zip = (await makeZip(REPORTER('two'))).toString('base64');
    const code = await g.call('PUT', '/2015-03-31/functions/cfg/code', { ZipFile: zip });
    assert.equal(code.status, 200);
    assert.deepEqual(await invoke('cfg'), { tag: 'two', setting: 'd' });
  });

  test('an alias re-pointed to another version routes the very next invoke there', async () => {
    await g.deploy('al', REPORTER('v1'));
    assert.equal((await g.call('POST', '/2015-03-31/functions/al/versions', {})).json.Version, '1');
    const zip = (await makeZip(REPORTER('v2'))).toString('base64');
    await g.call('PUT', '/2015-03-31/functions/al/code', { ZipFile: zip });
    assert.equal((await g.call('POST', '/2015-03-31/functions/al/versions', {})).json.Version, '2');
    const created = await g.call('POST', '/2015-03-31/functions/al/aliases', {
      Name: 'live',
      FunctionVersion: '1',
    });
    assert.equal(created.status, 201);
    await g.route({ route: 'GET /al', function: 'al:live' });
    assert.equal((await invoke('al', 'live')).tag, 'v1');
    assert.equal((await get('/al')).json.tag, 'v1', 'warm through the gateway too');
    for (const [version, tag] of [
      ['2', 'v2'],
      ['1', 'v1'],
      ['2', 'v2'],
    ]) {
      const r = await g.call('PUT', '/2015-03-31/functions/al/aliases/live', {
        FunctionVersion: version,
      });
      assert.equal(r.status, 200);
      assert.equal((await invoke('al', 'live')).tag, tag);
      assert.equal((await get('/al')).json.tag, tag);
    }
  });

  test('route changes apply to the very next request: add, remove, add again elsewhere', async () => {
    await g.deploy('ra', REPORTER('ra'));
    await g.deploy('rb', REPORTER('rb'));
    assert.equal((await get('/moving')).status, 404);
    const first = await g.route({ route: 'GET /moving', function: 'ra' });
    assert.equal((await get('/moving')).json.tag, 'ra');
    const del = await fetch(`${g.api}/nimbus/v1/routes/${first.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await get('/moving')).status, 404);
    await g.route({ route: 'GET /moving', function: 'rb' });
    assert.equal((await get('/moving')).json.tag, 'rb');
    // A function that is deleted stops answering at once, though its instance was warm.
    assert.equal((await g.call('DELETE', '/2015-03-31/functions/rb')).status, 204);
    assert.equal((await get('/moving')).status, 502);
  });
});

describe('hot path: 1,000 functions, each with its own route', () => {
  let g: GatewayServer;
  before(async () => {
    g = await startGateway();
  });
  after(async () => g.close());

  test('1,000 functions deploy, resolve by name, and their routes reach the right one', async () => {
    const N = 1000;
    const names = Array.from({ length: N }, (_, i) => `fn${String(i).padStart(4, '0')}`);
    // One code zip for all (content-addressed: stored once); the function tells itself apart.
    const zip = (
      await makeZip({
        'index.js': `exports.handler = async () => ({ statusCode: 200, body: process.env.AWS_LAMBDA_FUNCTION_NAME });`,
      })
    ).toString('base64');
    const deploy = async (name: string) => {
      const r = await g.call('POST', '/2015-03-31/functions', {
        FunctionName: name,
        Runtime: `nodejs${process.versions.node.split('.')[0]}.x`,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip },
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      await g.route({ route: `GET /fn/${name}`, function: name });
    };
    for (let i = 0; i < N; i += 10) await Promise.all(names.slice(i, i + 10).map(deploy));

    const list = await g.call('GET', '/nimbus/v1/routes');
    assert.equal(list.status, 200);
    assert.equal((list.json.routes as unknown[]).length, N);
    for (const name of [names[0], names[499], names[N - 1]] as string[]) {
      const fn = await g.call('GET', `/2015-03-31/functions/${name}`);
      assert.equal(fn.json.Configuration.FunctionName, name);
    }
    for (const name of [names[1], names[777], names[N - 1]] as string[]) {
      const r = await fetch(`${g.http}/fn/${name}`);
      assert.equal(r.status, 200);
      assert.equal(await r.text(), name);
    }
    assert.equal((await fetch(`${g.http}/fn/nope`)).status, 404);
  });
});
