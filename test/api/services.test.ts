import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Platform } from '../../src/server.js';
import { createBody, makeZip, testPlatform } from '../helpers/platform.js';

const ENV_HANDLER = `exports.handler = async () => ({
  a: process.env.A ?? null,
  b: process.env.B ?? null,
  service: process.env.NIMBUS_SERVICE_NAME,
});`;

const DAY_MS = 24 * 60 * 60 * 1000;

describe('services: named groups of functions with shared settings (native API)', () => {
  let p: Platform;
  let close: () => Promise<void>;
  before(async () => {
    ({ platform: p, close } = await testPlatform());
  });
  after(async () => close());

  const inject = (o: InjectOptions) => p.app.inject(o);
  const json = (method: InjectOptions['method'], url: string, body?: unknown) =>
    inject({ method, url, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  const deploy = async (name: string, extra: Record<string, unknown>) =>
    json('PUT', `/nimbus/v1/functions/${name}`, {
      zipFile: (await makeZip({ 'index.js': ENV_HANDLER })).toString('base64'),
      runtime: `nodejs${process.versions.node.split('.')[0]}.x`,
      handler: 'index.handler',
      ...extra,
    });
  const invoke = async (name: string) => {
    const r = await inject({
      method: 'POST',
      url: `/2015-03-31/functions/${name}/invocations`,
      payload: '{}',
    });
    assert.equal(r.headers['x-amz-function-error'], undefined, r.body);
    return r.json();
  };

  test('default always exists; create, list, info, update; unknown fields and bad values are 400', async () => {
    const list0 = await json('GET', '/nimbus/v1/services');
    assert.equal(list0.statusCode, 200);
    const def = list0.json().services.find((s: { name: string }) => s.name === 'default');
    assert.deepEqual(
      { internetAccess: def.internetAccess, logRetentionDays: def.logRetentionDays, env: def.env },
      { internetAccess: false, logRetentionDays: null, env: {} },
    );

    const c = await json('POST', '/nimbus/v1/services', {
      name: 'shop',
      description: 'the shop',
      logRetentionDays: 7,
      env: { A: 'from-service', B: 'from-service' },
    });
    assert.equal(c.statusCode, 201, c.body);
    assert.deepEqual(
      { ...(c.json() as Record<string, unknown>), createdAtMs: 0, updatedAtMs: 0 },
      {
        name: 'shop',
        description: 'the shop',
        internetAccess: false,
        logRetentionDays: 7,
        env: { A: 'from-service', B: 'from-service' },
        createdAtMs: 0,
        updatedAtMs: 0,
        functions: [],
      },
    );
    assert.equal((await json('POST', '/nimbus/v1/services', { name: 'shop' })).statusCode, 409);
    const unknown = await json('POST', '/nimbus/v1/services', { name: 'x', vpc: 'yes' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /vpc/);
    assert.equal((await json('POST', '/nimbus/v1/services', { name: '9lives' })).statusCode, 400);
    assert.equal(
      (await json('POST', '/nimbus/v1/services', { name: 'x', logRetentionDays: 0 })).statusCode,
      400,
    );
    assert.equal(
      (await json('POST', '/nimbus/v1/services', { name: 'x', env: { AWS_REGION: 'x' } }))
        .statusCode,
      400,
    );
    assert.equal(
      (await json('PUT', '/nimbus/v1/services/shop', { internetaccess: true })).statusCode,
      400,
    );
    const u = await json('PUT', '/nimbus/v1/services/shop', { description: 'the shop, v2' });
    assert.equal(u.statusCode, 200);
    assert.equal(u.json().description, 'the shop, v2');
    assert.equal(u.json().logRetentionDays, 7, 'absent fields keep their value');
    assert.equal((await json('GET', '/nimbus/v1/services/nope')).statusCode, 404);
    assert.equal((await json('PUT', '/nimbus/v1/services/nope', {})).statusCode, 404);
  });

  test('deploy --service: service env under the function env; changing it reaches the next invocation', async () => {
    const d = await deploy('cart', { service: 'shop', env: { B: 'from-function' } });
    assert.equal(d.statusCode, 201, d.body);
    assert.equal(d.json().function.Nimbus.Service, 'shop');
    assert.deepEqual(await invoke('cart'), {
      a: 'from-service',
      b: 'from-function',
      service: 'shop',
    });

    const u = await json('PUT', '/nimbus/v1/services/shop', { env: { A: 'changed' } });
    assert.equal(u.statusCode, 200);
    assert.deepEqual(u.json().functions, ['cart']);
    assert.deepEqual(await invoke('cart'), { a: 'changed', b: 'from-function', service: 'shop' });

    const missing = await deploy('lost', { service: 'nowhere' });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().error.message, /Service not found: nowhere/);
  });

  test('Lambda API functions land in default; a service with functions (and default) cannot be removed', async () => {
    const c = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('plain', { 'index.js': ENV_HANDLER }),
    });
    assert.equal(c.statusCode, 201, c.body);
    assert.equal((await invoke('plain')).service, 'default');
    assert.ok(
      (await json('GET', '/nimbus/v1/services/default')).json().functions.includes('plain'),
    );

    const busy = await json('DELETE', '/nimbus/v1/services/shop');
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json().error.code, 'Conflict');
    assert.match(busy.json().error.message, /still has 1 function \(cart\)/);
    assert.equal((await json('DELETE', '/nimbus/v1/services/default')).statusCode, 409);

    // Moving the function out empties the service (its versions would keep it).
    const moved = await deploy('cart', { service: 'default' });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal((await invoke('cart')).service, 'default');
    assert.equal((await json('DELETE', '/nimbus/v1/services/shop')).statusCode, 204);
    assert.equal((await json('GET', '/nimbus/v1/services/shop')).statusCode, 404);
  });

  test("log retention: a service's own, else the server's", async () => {
    const c = await json('POST', '/nimbus/v1/services', { name: 'brief', logRetentionDays: 1 });
    assert.equal(c.statusCode, 201);
    assert.equal((await deploy('short', { service: 'brief' })).statusCode, 201);
    const now = Date.now();
    const at = (fn: string, ageDays: number) => ({
      functionName: fn,
      timestampMs: now - ageDays * DAY_MS,
      requestId: null,
      message: `${fn} ${ageDays}d`,
    });
    await p.store.logs.append([
      at('short', 2),
      at('short', 0.5),
      at('plain', 2),
      at('plain', 31),
      at('gone', 31),
    ]);
    await p.store.services.pruneLogs(now, 30 * DAY_MS);
    const left = async (fn: string) =>
      (await p.store.logs.query({ functionName: fn, limit: 100 })).events
        .map((e) => e.message)
        .filter((m) => / \d+(\.\d+)?d$/.test(m));
    assert.deepEqual(await left('short'), ['short 0.5d']);
    assert.deepEqual(await left('plain'), ['plain 2d']);
    assert.deepEqual(await left('gone'), []);
  });
});
