import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Platform } from '../../src/server.js';
import { createBody, makeZip, testPlatform } from '../helpers/platform.js';

const code = (v: number) => ({
  'index.js': `exports.handler = async (e, ctx) => ({ v: ${v}, arn: ctx.invokedFunctionArn, ver: ctx.functionVersion });`,
});

describe('Lambda API: versions, aliases, concurrency, tags, layers', () => {
  let p: Platform;
  let close: () => Promise<void>;
  before(async () => {
    ({ platform: p, close } = await testPlatform({ maxConcurrency: 20 }));
  });
  after(async () => close());

  const inject = (o: InjectOptions) => p.app.inject(o);
  const json = (method: InjectOptions['method'], url: string, body?: unknown) =>
    inject({ method, url, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
  const invoke = (name: string, qs = '') =>
    inject({
      method: 'POST',
      url: `/2015-03-31/functions/${name}/invocations${qs}`,
      payload: '{}',
    });
  const updateCode = async (name: string, v: number, extra: Record<string, unknown> = {}) =>
    json('PUT', `/2015-03-31/functions/${name}/code`, {
      ZipFile: (await makeZip(code(v))).toString('base64'),
      ...extra,
    });

  test('publish: immutable versions with their own code; CodeSha256 and RevisionId preconditions', async () => {
    const c = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('ver', code(1), { Publish: true }),
    });
    assert.equal(c.statusCode, 201);
    assert.equal(c.json().Version, '1', 'Publish: true on create publishes version 1');
    assert.equal(c.json().FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:ver:1');
    const same = await json('POST', '/2015-03-31/functions/ver/versions', {});
    assert.equal(same.statusCode, 201);
    assert.equal(same.json().Version, '1', 'nothing changed: the last version is returned');

    await updateCode('ver', 2);
    const latest = (await json('GET', '/2015-03-31/functions/ver')).json().Configuration;
    const wrongSha = await json('POST', '/2015-03-31/functions/ver/versions', {
      CodeSha256: 'abc',
    });
    assert.equal(wrongSha.statusCode, 400);
    assert.match(
      wrongSha.json().Message,
      /CodeSHA256 \(abc\) is different from current CodeSHA256 in \$LATEST/,
    );
    const wrongRev = await json('POST', '/2015-03-31/functions/ver/versions', {
      RevisionId: 'nope',
    });
    assert.equal(wrongRev.statusCode, 412);
    const v2 = await json('POST', '/2015-03-31/functions/ver/versions', {
      CodeSha256: latest.CodeSha256,
      Description: 'second',
    });
    assert.equal(v2.json().Version, '2');
    assert.equal(v2.json().Description, 'second');

    await updateCode('ver', 3);
    assert.equal((await invoke('ver')).json().v, 3);
    assert.equal((await invoke('ver', '?Qualifier=1')).json().v, 1);
    assert.equal((await invoke('ver%3A2')).json().v, 2);
    const viaArn = await invoke(
      encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:ver:1'),
    );
    assert.equal(viaArn.json().v, 1);
    assert.equal(viaArn.headers['x-amz-executed-version'], '1');
    assert.equal(viaArn.json().ver, '1');

    const list = await json('GET', '/2015-03-31/functions/ver/versions');
    assert.deepEqual(
      list.json().Versions.map((v: { Version: string }) => v.Version),
      ['$LATEST', '1', '2'],
    );
    const conf1 = await json('GET', '/2015-03-31/functions/ver/configuration?Qualifier=1');
    assert.equal(conf1.json().Version, '1');
    assert.equal(conf1.json().FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:ver:1');
    assert.equal(
      (await json('GET', '/2015-03-31/functions/ver/configuration?Qualifier=9')).statusCode,
      404,
    );
    const all = await json('GET', '/2015-03-31/functions?FunctionVersion=ALL');
    assert.ok(
      all.json().Functions.filter((f: { FunctionName: string }) => f.FunctionName === 'ver')
        .length === 3,
    );

    const delLatest = await json('DELETE', '/2015-03-31/functions/ver?Qualifier=$LATEST');
    assert.equal(delLatest.statusCode, 400);
    assert.equal((await json('DELETE', '/2015-03-31/functions/ver?Qualifier=2')).statusCode, 204);
    assert.equal((await invoke('ver', '?Qualifier=2')).statusCode, 404);
    const v3 = await json('POST', '/2015-03-31/functions/ver/versions', {});
    assert.equal(v3.json().Version, '3', 'version numbers are never reused');
  });

  test('aliases: CRUD, invoke through an alias, weighted routing within statistical bounds', async () => {
    const c = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('al', code(1), { Publish: true }),
    });
    assert.equal(c.statusCode, 201);
    await updateCode('al', 2, { Publish: true });
    const created = await json('POST', '/2015-03-31/functions/al/aliases', {
      Name: 'live',
      FunctionVersion: '1',
      Description: 'prod',
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().AliasArn, 'arn:aws:lambda:us-east-1:000000000000:function:al:live');
    const dup = await json('POST', '/2015-03-31/functions/al/aliases', {
      Name: 'live',
      FunctionVersion: '1',
    });
    assert.equal(dup.statusCode, 409);
    assert.match(
      dup.json().Message,
      /Alias already exists: arn:aws:lambda:us-east-1:000000000000:function:al:live/,
    );
    assert.equal(
      (
        await json('POST', '/2015-03-31/functions/al/aliases', {
          Name: '123',
          FunctionVersion: '1',
        })
      ).statusCode,
      400,
    );
    assert.equal(
      (await json('POST', '/2015-03-31/functions/al/aliases', { Name: 'x', FunctionVersion: '7' }))
        .statusCode,
      404,
    );

    const r = await invoke('al', '?Qualifier=live');
    assert.equal(r.headers['x-amz-executed-version'], '1');
    assert.equal(
      r.json().arn,
      'arn:aws:lambda:us-east-1:000000000000:function:al:live',
      'the invoked ARN carries the alias',
    );

    const badWeights = await json('PUT', '/2015-03-31/functions/al/aliases/live', {
      RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } },
    });
    assert.equal(badWeights.statusCode, 400);
    const sameVersion = await json('PUT', '/2015-03-31/functions/al/aliases/live', {
      RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } },
    });
    assert.match(sameVersion.json().Message, /already included in routing configuration/);
    const upd = await json('PUT', '/2015-03-31/functions/al/aliases/live', {
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
    });
    assert.equal(upd.statusCode, 200);
    assert.deepEqual(upd.json().RoutingConfig, { AdditionalVersionWeights: { '2': 0.3 } });
    const stale = await json('PUT', '/2015-03-31/functions/al/aliases/live', {
      Description: 'x',
      RevisionId: created.json().RevisionId,
    });
    assert.equal(stale.statusCode, 412);

    const n = 300;
    let v2 = 0;
    for (let i = 0; i < n; i++) {
      const res = await invoke('al', '?Qualifier=live');
      if (res.headers['x-amz-executed-version'] === '2') v2++;
    }
    // Binomial(300, 0.3): mean 90, sd ≈ 7.9; ±5 sd never fails by chance in practice.
    assert.ok(v2 > 50 && v2 < 130, `${v2} of ${n} went to version 2`);

    const blocked = await json('DELETE', '/2015-03-31/functions/al?Qualifier=2');
    assert.equal(blocked.statusCode, 409, 'a version an alias routes to cannot be deleted');
    const list = await json('GET', '/2015-03-31/functions/al/aliases');
    assert.deepEqual(
      list.json().Aliases.map((a: { Name: string }) => a.Name),
      ['live'],
    );
    assert.equal((await json('DELETE', '/2015-03-31/functions/al/aliases/live')).statusCode, 204);
    assert.equal((await json('GET', '/2015-03-31/functions/al/aliases/live')).statusCode, 404);
    assert.equal((await invoke('al', '?Qualifier=live')).statusCode, 404);
  });

  test('reserved concurrency 0 throttles every invoke; account settings report limits and usage', async () => {
    await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('conc', code(1)),
    });
    const put = await json('PUT', '/2017-10-31/functions/conc/concurrency', {
      ReservedConcurrentExecutions: 0,
    });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), { ReservedConcurrentExecutions: 0 });
    const t = await invoke('conc');
    assert.equal(t.statusCode, 429);
    assert.equal(t.json().Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.deepEqual((await json('GET', '/2019-09-30/functions/conc/concurrency')).json(), {
      ReservedConcurrentExecutions: 0,
    });
    assert.equal(
      (await json('GET', '/2015-03-31/functions/conc')).json().Concurrency
        .ReservedConcurrentExecutions,
      0,
    );
    const tooMuch = await json('PUT', '/2017-10-31/functions/conc/concurrency', {
      ReservedConcurrentExecutions: 21,
    });
    assert.equal(tooMuch.statusCode, 400);
    await json('PUT', '/2017-10-31/functions/conc/concurrency', {
      ReservedConcurrentExecutions: 5,
    });
    const acct = (await json('GET', '/2016-08-19/account-settings/')).json();
    assert.equal(acct.AccountLimit.ConcurrentExecutions, 20);
    assert.equal(acct.AccountLimit.UnreservedConcurrentExecutions, 15);
    assert.ok(acct.AccountUsage.FunctionCount >= 1);
    assert.ok(acct.AccountUsage.TotalCodeSize > 0);
    assert.equal((await invoke('conc')).statusCode, 200);
    assert.equal((await json('DELETE', '/2017-10-31/functions/conc/concurrency')).statusCode, 204);
    assert.deepEqual((await json('GET', '/2019-09-30/functions/conc/concurrency')).json(), {});
  });

  test('tags: on create, tag, untag, list, in GetFunction', async () => {
    await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('tagged', code(1), { Tags: { team: 'a' } }),
    });
    const arn = encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:tagged');
    assert.equal(
      (await json('POST', `/2017-03-31/tags/${arn}`, { Tags: { env: 'prod', cost: 'x' } }))
        .statusCode,
      204,
    );
    assert.deepEqual((await json('GET', `/2017-03-31/tags/${arn}`)).json(), {
      Tags: { team: 'a', env: 'prod', cost: 'x' },
    });
    assert.equal(
      (await json('DELETE', `/2017-03-31/tags/${arn}?tagKeys=cost&tagKeys=team`)).statusCode,
      204,
    );
    assert.deepEqual((await json('GET', '/2015-03-31/functions/tagged')).json().Tags, {
      env: 'prod',
    });
    const bad = await json('POST', `/2017-03-31/tags/${arn}`, { Tags: { 'aws:x': '1' } });
    assert.equal(bad.statusCode, 400);
    const missing = await json(
      'GET',
      `/2017-03-31/tags/${encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:nope')}`,
    );
    assert.equal(missing.statusCode, 404);
  });

  test('layers: publish, list, get; mounted merged at /opt in order; Node resolves /opt/nodejs/node_modules', async () => {
    const l1 = await makeZip({
      'nodejs/node_modules/greet/index.js': 'module.exports = () => "hello from layer 1";',
      'data/which.txt': 'one',
      'data/only1.txt': 'only in 1',
    });
    const l2 = await makeZip({ 'data/which.txt': 'two' });
    const p1 = await json('POST', '/2018-10-31/layers/shared/versions', {
      Content: { ZipFile: l1.toString('base64') },
      CompatibleRuntimes: ['nodejs20.x'],
    });
    assert.equal(p1.statusCode, 201);
    assert.equal(p1.json().Version, 1);
    assert.equal(p1.json().LayerVersionArn, 'arn:aws:lambda:us-east-1:000000000000:layer:shared:1');
    const p2 = await json('POST', '/2018-10-31/layers/extra/versions', {
      Content: { ZipFile: l2.toString('base64') },
    });
    assert.equal(p2.statusCode, 201);
    const fnCode = {
      'index.js': `const fs = require('fs'); exports.handler = async () => ({ greet: require('greet')(), which: fs.readFileSync('/opt/data/which.txt', 'utf8'), only1: fs.readFileSync('/opt/data/only1.txt', 'utf8'), writable: (() => { try { fs.writeFileSync('/opt/x', 'x'); return true; } catch { return false; } })() });`,
    };
    const c = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('layered', fnCode, {
        Layers: [p1.json().LayerVersionArn, p2.json().LayerVersionArn],
      }),
    });
    assert.equal(c.statusCode, 201, c.body);
    assert.deepEqual(
      c.json().Layers.map((l: { Arn: string }) => l.Arn),
      [p1.json().LayerVersionArn, p2.json().LayerVersionArn],
    );
    const out = (await invoke('layered')).json();
    if (p.isolation.kind === 'bwrap') {
      assert.deepEqual(out, {
        greet: 'hello from layer 1',
        which: 'two',
        only1: 'only in 1',
        writable: false,
      });
    }
    const vers = await json('GET', '/2018-10-31/layers/shared/versions');
    assert.equal(vers.json().LayerVersions[0].Version, 1);
    const layersList = await json('GET', '/2018-10-31/layers');
    assert.ok(
      layersList.json().Layers.some((l: { LayerName: string }) => l.LayerName === 'shared'),
    );
    // Deleting the layer version does not take it away from the function using it.
    assert.equal((await json('DELETE', '/2018-10-31/layers/shared/versions/1')).statusCode, 204);
    assert.equal((await json('GET', '/2018-10-31/layers/shared/versions/1')).statusCode, 404);
    await json('PUT', '/2015-03-31/functions/layered/configuration', {
      Description: 'new revision',
    });
    assert.equal((await invoke('layered')).json().greet, 'hello from layer 1');
    const missing = await json('PUT', '/2015-03-31/functions/layered/configuration', {
      Layers: ['arn:aws:lambda:us-east-1:000000000000:layer:shared:1'],
    });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json().Message, /does not exist/);
    const six = Array.from(
      { length: 6 },
      (_, i) => `arn:aws:lambda:us-east-1:000000000000:layer:l${i}:1`,
    );
    assert.equal(
      (await json('PUT', '/2015-03-31/functions/layered/configuration', { Layers: six }))
        .statusCode,
      400,
    );
  });
});
