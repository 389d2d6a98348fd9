import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { curl, type GatewayServer, startGateway } from '../helpers/gateway.js';
import { runCli } from '../unit/cli-harness.js';

describe('cli: nimbus http and nimbus domain against a real server', () => {
  let g: GatewayServer;
  const cli = (...args: string[]) => runCli(args, { endpoint: g.api });
  before(async () => {
    g = await startGateway();
    await g.deploy('users', {
      'index.js':
        'exports.handler = async (e) => ({ id: e.pathParameters && e.pathParameters.id, host: e.requestContext.domainName });',
    });
  });
  after(async () => g.close());

  test("http add 'GET /users/{id}' --fn users --auth key --cors, http keys create, http ls, http rm", async () => {
    const add = await cli(
      'http',
      'add',
      'GET /users/{id}',
      '--fn',
      'users',
      '--auth',
      'key',
      '--cors',
      'https://a.test',
      '--cors-max-age',
      '30',
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /added GET \/users\/\{id\} -> users \(rt-[0-9a-f]+, payload 2\.0\)/);
    const key = await cli('http', 'keys', 'create', '--description', 'ci');
    assert.equal(key.code, 0, key.stderr);
    const value = /key\s+(nk_\S+)/.exec(key.stdout)?.[1];
    assert.ok(value, key.stdout);
    const r = await curl([
      '-H',
      `x-api-key: ${value}`,
      '-H',
      'Origin: https://a.test',
      `${g.http}/users/7`,
    ]);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.toString()).id, '7');
    assert.deepEqual(r.headers['access-control-allow-origin'], ['https://a.test']);
    const ls = await cli('http', 'ls');
    assert.match(ls.stdout, /GET \/users\/\{id\}\s+users\s+2\.0\s+key\s+https:\/\/a\.test/);
    const keys = await cli('http', 'keys', 'ls');
    assert.match(keys.stdout, /key-[0-9a-f]+\s+\S+\s+ci/);
    assert.doesNotMatch(keys.stdout, /nk_/);
    const rm = await cli('http', 'rm', 'GET /users/{id}');
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await fetch(`${g.http}/users/7`)).status, 404);
    const bad = await cli('http', 'add', 'GET users', '--fn', 'users');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /must start with \//);
  });

  test('domain add api.example.test --path /v1/* --fn users; domain ls; domain rm', async () => {
    const add = await cli('domain', 'add', 'api.example.test', '--path', '/v1/*', '--fn', 'users');
    assert.equal(add.code, 0, add.stderr);
    const r = await curl([
      '-H',
      'Host: api.example.test',
      `http://127.0.0.1:${g.httpPort}/v1/anything`,
    ]);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.toString()).host, 'api.example.test');
    const ls = await cli('domain', 'ls');
    assert.match(ls.stdout, /api\.example\.test\s+ANY \/v1\/\{proxy\+\}\s+users/);
    const rm = await cli('domain', 'rm', 'api.example.test');
    assert.equal(rm.code, 0, rm.stderr);
    const gone = await curl([
      '-H',
      'Host: api.example.test',
      `http://127.0.0.1:${g.httpPort}/v1/anything`,
    ]);
    assert.equal(gone.status, 404);
  });
});
