import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { linkTree } from '../../src/sandbox/index.js';
import { poolSpecFor } from '../../src/scheduler/pool-plan.js';
import { shellAssignment } from '../../src/scheduler/pooled-sandbox.js';
import type { RuntimeInfo } from '../../src/shared/runtimes.js';

const node: RuntimeInfo = { id: 'nodejs20.x', family: 'nodejs', runtimeFolder: 'node', major: 20 };
const python: RuntimeInfo = {
  id: 'python3.11',
  family: 'python',
  runtimeFolder: 'python',
  major: 3,
  minor: 11,
};

function tempDir(t: { after(fn: () => void): void }, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `nimbus-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('link placement: the tree appears with hard links to the same files, folders and symlinks as they are', (t) => {
  const src = tempDir(t, 'link-src');
  const dst = tempDir(t, 'link-dst');
  mkdirSync(path.join(src, 'lib'), { mode: 0o750 });
  writeFileSync(path.join(src, 'index.js'), 'x');
  writeFileSync(path.join(src, 'lib', 'util.js'), 'y');
  symlinkSync('lib/util.js', path.join(src, 'alias.js'));
  linkTree(src, dst);
  assert.equal(statSync(path.join(dst, 'index.js')).ino, statSync(path.join(src, 'index.js')).ino);
  assert.equal(
    statSync(path.join(dst, 'lib', 'util.js')).ino,
    statSync(path.join(src, 'lib', 'util.js')).ino,
  );
  assert.equal(lstatSync(path.join(dst, 'lib')).mode & 0o777, 0o750);
  assert.equal(readlinkSync(path.join(dst, 'alias.js')), 'lib/util.js');
});

test("a custom runtime's assignment: the bootstrap gets exactly the function's environment, however quoted", () => {
  const env = { A: "it's", B: 'two\nlines', C: '$HOME `x` "q"', NIMBUS_AWS_SOCKET: '/run/x.sock' };
  const script = shellAssignment({
    env,
    argv: ['/bin/sh', '/var/runtime/relay.sh', '/usr/bin/socat', '/usr/bin/env', '-0'],
  });
  const r = spawnSync(
    '/bin/sh',
    ['-c', 'nimbus_aws=; set --; eval "$(cat)"; printf "%s\\0" "$nimbus_aws"; exec "$@"'],
    {
      input: script,
      env: { PATH: '/usr/bin:/bin', SERVER_SECRET: 'no' },
    },
  );
  assert.equal(r.status, 0, r.stderr.toString());
  const [aws, ...vars] = r.stdout.toString().split('\0').filter(Boolean);
  assert.equal(aws, '/run/x.sock', 'the AWS endpoint relay is told its socket');
  assert.deepEqual(
    vars.sort(),
    Object.entries({ PWD: '/var/task', ...env })
      .map(([k, v]) => `${k}=${v}`)
      .sort(),
  );
});

test('which functions may take a prewarmed sandbox, and which pool they take it from', (t) => {
  const code = tempDir(t, 'pool-code');
  const base = {
    runtime: node,
    memoryMb: 128,
    env: {},
    codeDir: code,
    optDir: null,
    internetAccess: false,
    hasExtensions: false,
  };
  assert.equal(poolSpecFor(base)?.key, 'nodejs20.x:128');
  assert.equal(
    poolSpecFor({ ...base, memoryMb: 512 })?.key,
    'nodejs20.x:512',
    'Node fixes its heap at start',
  );
  assert.equal(poolSpecFor({ ...base, runtime: python, memoryMb: 512 })?.key, 'python3.11');
  assert.equal(
    poolSpecFor({ ...base, internetAccess: true }),
    null,
    'its network attaches at start',
  );
  assert.equal(poolSpecFor({ ...base, hasExtensions: true }), null);
  assert.equal(poolSpecFor({ ...base, env: { NODE_OPTIONS: '--x' } }), null);
  assert.equal(poolSpecFor({ ...base, env: { AWS_REGION_X: 'fine' } })?.key, 'nodejs20.x:128');
  assert.equal(poolSpecFor({ ...base, runtime: python, env: { PYTHONHASHSEED: '1' } }), null);
  assert.notEqual(
    poolSpecFor({ ...base, runtime: python, env: { PYTHONPATH: '/var/task/src' } }),
    null,
  );
  const spec = poolSpecFor(base);
  assert.equal(spec?.env.NIMBUS_POOLED, '1');
  assert.ok(!Object.keys(spec?.env ?? {}).some((k) => k.startsWith('AWS_') || k === '_HANDLER'));
  // Code folders never change (content-addressed): another one, with a library.
  const withLib = tempDir(t, 'pool-code-lib');
  mkdirSync(path.join(withLib, 'lib'));
  writeFileSync(path.join(withLib, 'lib', 'libfoo.so.1'), '');
  assert.equal(
    poolSpecFor({ ...base, codeDir: withLib }),
    null,
    'its own libraries must be on LD_LIBRARY_PATH at start',
  );
});
