import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ProjectServer, startProjectServer } from '../helpers/project-server.js';

/** Runs `node test.mjs` in a generated project against the test's server. */
function runOwnTest(dir: string, server: ProjectServer): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['test.mjs'], {
      cwd: dir,
      env: { ...process.env, NIMBUS_HTTP_URL: server.httpUrl, NIMBUS_ENDPOINT: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

describe('nimbus init: each template deploys and passes its own test on first try', () => {
  let server: ProjectServer;
  let root: string;

  before(async () => {
    server = await startProjectServer();
    root = mkdtempSync(path.join(tmpdir(), 'nimbus-init-e2e-'));
  });
  after(async () => {
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const cases: [string, RegExp][] = [
    ['node', /^created route GET \/hello$/m],
    ['python', /^updated function hello /m],
    ['fc-http', /^(created|updated) route GET \/hello$/m],
    ['queue-consumer', /^created mapping jobs → worker$/m],
  ];
  // The HTTP templates share GET /hello (and two the function name): each deploy takes them over.
  for (const [template, created] of cases) {
    test(`${template}: init, deploy --yes, node test.mjs`, async () => {
      const dir = `app-${template}`;
      const init = await server.nimbus(['init', template, dir], root);
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, new RegExp(`^created ${dir}/nimbus\\.yml$`, 'm'));
      assert.match(init.stdout, /next: cd .* && nimbus dev/);
      const cwd = path.join(root, dir);
      assert.match(
        readFileSync(path.join(cwd, 'nimbus.yml'), 'utf8'),
        new RegExp(`project: ${dir}`),
      );
      const deploy = await server.nimbus(['deploy', '--yes'], cwd);
      assert.equal(deploy.code, 0, deploy.stderr);
      assert.match(deploy.stdout, created);
      const own = await runOwnTest(cwd, server);
      assert.equal(own.code, 0, own.output);
      assert.match(own.output, /^ok: /m);
    });
  }

  test('an unknown template and an existing nimbus.yml are refused with one line', async () => {
    const bad = await server.nimbus(['init', 'rust'], root);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /unknown template "rust": use one of node, python, fc-http, queue-consumer/,
    );
    const again = await server.nimbus(['init', 'node', 'app-node'], root);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not writing into app-node: .*nimbus\.yml.* already exist/);
  });
});
