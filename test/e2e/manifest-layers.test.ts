import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ProjectServer, startProjectServer } from '../helpers/project-server.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

const MANIFEST = `project: layered
defaults: { runtime: ${RUNTIME} }
layers:
  shared: { code: ./shared, description: greetings }
functions:
  api:
    code: ./api
    layers: [shared]
    routes: [GET /greet]
`;

describe('nimbus deploy: layers of a manifest', () => {
  let server: ProjectServer;
  let dir: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  const deploy = (...extra: string[]) => server.nimbus(['deploy', '--yes', ...extra], dir);
  const greet = async () => (await fetch(`${server.httpUrl}/greet`)).text();

  before(async () => {
    server = await startProjectServer();
    dir = mkdtempSync(path.join(tmpdir(), 'nimbus-layers-e2e-'));
    write('nimbus.yml', MANIFEST);
    write('shared/greet.js', "module.exports = () => 'hello from layer v1';\n");
    write(
      'api/index.js',
      "exports.handler = async () => ({ statusCode: 200, body: require('/opt/greet.js')() });\n",
    );
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a layer is published and the function sees it under /opt', async () => {
    const r = await deploy();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^packaged layer shared \(\.\/shared\) \d+ B sha256 /m);
    assert.match(r.stdout, /^created layer shared \(version 1, \d+ B uploaded\)$/m);
    assert.match(r.stdout, /^created function api /m);
    assert.equal(await greet(), 'hello from layer v1');
    const again = await deploy();
    assert.match(again.stdout, /nothing to change/);
  });

  test('new layer code is a new version, and only the functions using it are updated', async () => {
    write('shared/greet.js', "module.exports = () => 'hello from layer v2';\n");
    const r = await deploy();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}~ layer +shared +code$/m);
    assert.match(r.stdout, /^ {2}~ function +api +layers /m);
    assert.match(r.stdout, /0 to create, 2 to update, 0 to delete, 1 unchanged/);
    assert.match(r.stdout, /^updated layer shared \(version 2, /m);
    assert.equal(await greet(), 'hello from layer v2');
    assert.match((await deploy()).stdout, /nothing to change/);
  });

  test('a layer name the manifest does not have is an error at its line', async () => {
    write('bad.yml', MANIFEST.replace('layers: [shared]', 'layers: [shraed]'));
    const r = await server.nimbus(['deploy', '-f', 'bad.yml', '--yes'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bad\.yml:8:14: layer shraed is not in this manifest's layers/m);
  });
});
