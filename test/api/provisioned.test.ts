import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../../src/server.js';
import { lambdaCalls } from '../helpers/lambda-calls.js';
import { testPlatform } from '../helpers/platform.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Lambda API: provisioned concurrency edge cases, with real instances', () => {
  let p: Platform;
  let close: () => Promise<void>;
  before(async () => {
    ({ platform: p, close } = await testPlatform({ prewarmPoolSize: 0, maxConcurrency: 10 }));
  });
  after(async () => close());

  const { inject, deploy } = lambdaCalls(() => p);
  const path = (name: string, qualifier: string) =>
    `/2019-09-30/functions/${name}/provisioned-concurrency?Qualifier=${qualifier}`;
  const put = (name: string, qualifier: string, n: number) =>
    inject({
      method: 'PUT',
      url: path(name, qualifier),
      payload: JSON.stringify({ ProvisionedConcurrentExecutions: n }),
    });
  const get = (name: string, qualifier: string) =>
    inject({ method: 'GET', url: path(name, qualifier) });
  const provisioned = async () =>
    (await inject({ method: 'GET', url: '/health' })).json().instances.provisioned as number;
  async function publish(name: string): Promise<string> {
    const r = await inject({
      method: 'POST',
      url: `/2015-03-31/functions/${name}/versions`,
      payload: '{}',
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().Version;
  }
  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if (await check()) return;
      await sleep(100);
    }
    assert.fail(`${what} did not happen in time`);
  }

  test('an init that fails: FAILED with the reason, nothing serving', async () => {
    await deploy('broken', { 'index.js': 'throw new Error("init goes wrong");' });
    const v = await publish('broken');
    assert.equal((await put('broken', v, 1)).statusCode, 202);
    await until(async () => (await get('broken', v)).json().Status === 'FAILED', 'FAILED');
    const g = (await get('broken', v)).json();
    assert.equal(g.AvailableProvisionedConcurrentExecutions, 0);
    assert.match(g.StatusReason, /Runtime\.ImportModuleError|init goes wrong/);
    assert.equal(await provisioned(), 0);
    assert.equal((await inject({ method: 'DELETE', url: path('broken', v) })).statusCode, 204);
  });

  test('reserved concurrency may not go below the provisioned concurrency', async () => {
    await deploy('capped', { 'index.js': 'exports.handler = async () => 1;' });
    const v = await publish('capped');
    assert.equal((await put('capped', v, 2)).statusCode, 202);
    const low = await inject({
      method: 'PUT',
      url: '/2017-10-31/functions/capped/concurrency',
      payload: JSON.stringify({ ReservedConcurrentExecutions: 1 }),
    });
    assert.equal(low.statusCode, 400);
    assert.equal(low.json().Type, 'User');
    assert.equal(low.headers['x-amzn-errortype'], 'InvalidParameterValueException');
    // More than the account has left unreserved is refused too.
    const tooMany = await put('capped', v, 11);
    assert.equal(tooMany.headers['x-amzn-errortype'], 'InvalidParameterValueException');
    await until(async () => (await provisioned()) === 2, 'two provisioned instances');
  });

  test('deleting the version, or the function, retires its provisioned instances and configuration', async () => {
    const v = '1';
    assert.equal(
      (await inject({ method: 'DELETE', url: `/2015-03-31/functions/capped?Qualifier=${v}` }))
        .statusCode,
      204,
    );
    await until(async () => (await provisioned()) === 0, 'the instances retired');
    const g = await get('capped', v);
    assert.equal(g.statusCode, 404);
    await deploy('gone', { 'index.js': 'exports.handler = async () => 1;' });
    const gv = await publish('gone');
    assert.equal((await put('gone', gv, 1)).statusCode, 202);
    await until(async () => (await provisioned()) === 1, 'one provisioned instance');
    assert.equal(
      (await inject({ method: 'DELETE', url: '/2015-03-31/functions/gone' })).statusCode,
      204,
    );
    await until(async () => (await provisioned()) === 0, 'the instance retired');
    assert.deepEqual(await p.store.provisioned.list('gone'), []);
  });

  test('List pages with MaxItems and Marker; Get needs a Qualifier', async () => {
    await deploy('paged', { 'index.js': 'exports.handler = async () => 1;' });
    const versions: string[] = [];
    for (let i = 0; i < 3; i++) {
      await inject({
        method: 'PUT',
        url: '/2015-03-31/functions/paged/configuration',
        payload: JSON.stringify({ Environment: { Variables: { V: String(i) } } }),
      });
      versions.push(await publish('paged'));
    }
    for (const v of versions) assert.equal((await put('paged', v, 1)).statusCode, 202);
    const first = await inject({
      method: 'GET',
      url: '/2019-09-30/functions/paged/provisioned-concurrency?List=ALL&MaxItems=2',
    });
    assert.equal(first.json().ProvisionedConcurrencyConfigs.length, 2);
    const rest = await inject({
      method: 'GET',
      url: `/2019-09-30/functions/paged/provisioned-concurrency?List=ALL&Marker=${first.json().NextMarker}`,
    });
    assert.equal(rest.json().ProvisionedConcurrencyConfigs.length, 1);
    assert.equal(rest.json().NextMarker, undefined);
    const noQualifier = await inject({
      method: 'GET',
      url: '/2019-09-30/functions/paged/provisioned-concurrency',
    });
    assert.equal(noQualifier.statusCode, 400);
    for (const v of versions) await inject({ method: 'DELETE', url: path('paged', v) });
  });
});
