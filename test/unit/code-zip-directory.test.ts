import assert from 'node:assert/strict';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { CodeStore, zipDirectory } from '../../src/code/index.js';

const LIMITS = {
  maxZipBytes: 50 * 1024 * 1024,
  maxUnzippedBytes: 250 * 1024 * 1024,
  maxZipEntries: 10_000,
};

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A custom-runtime function folder: executable bootstrap, nested module, dotfile, empty folder, inside symlink. */
async function functionFolder(t: TestContext): Promise<string> {
  const dir = await tempDir(t, 'nimbus-zipdir-src-');
  await writeFile(path.join(dir, 'bootstrap'), '#!/bin/sh\necho hi\n');
  await chmod(path.join(dir, 'bootstrap'), 0o755);
  await writeFile(path.join(dir, 'index.js'), 'exports.handler = async () => 1;');
  await mkdir(path.join(dir, 'lib/deep'), { recursive: true });
  await writeFile(path.join(dir, 'lib/deep/x.js'), 'module.exports = "x";');
  await writeFile(path.join(dir, '.env'), 'A=1');
  await mkdir(path.join(dir, 'empty'));
  await symlink('lib/deep', path.join(dir, 'deep'));
  return dir;
}

test('zipDirectory: the zip deploys to the same tree, executable bit and symlinks kept', async (t) => {
  const src = await functionFolder(t);
  const store = new CodeStore(await tempDir(t, 'nimbus-zipdir-store-'), LIMITS);
  const code = await store.put(await zipDirectory(src));
  assert.equal((await stat(path.join(code.dir, 'bootstrap'))).mode & 0o777, 0o755);
  assert.equal((await stat(path.join(code.dir, 'index.js'))).mode & 0o777, 0o644);
  assert.equal(
    await readFile(path.join(code.dir, 'lib/deep/x.js'), 'utf8'),
    'module.exports = "x";',
  );
  assert.equal(
    await readFile(path.join(code.dir, '.env'), 'utf8'),
    'A=1',
    'dotfiles are not skipped',
  );
  assert.ok((await stat(path.join(code.dir, 'empty'))).isDirectory(), 'empty folders are kept');
  assert.ok((await lstat(path.join(code.dir, 'deep'))).isSymbolicLink());
  assert.equal(await readlink(path.join(code.dir, 'deep')), 'lib/deep');
});

test('zipDirectory: the same files give the same bytes, whatever their timestamps', async (t) => {
  const src = await functionFolder(t);
  const first = await zipDirectory(src);
  await utimes(path.join(src, 'index.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const second = await zipDirectory(src);
  assert.deepEqual(second, first);
  await writeFile(path.join(src, 'index.js'), 'exports.handler = async () => 2;');
  assert.notDeepEqual(await zipDirectory(src), first, 'a changed file changes the zip');
});

test('zipDirectory: a symlink leaving the folder is refused, naming link and target', async (t) => {
  const src = await functionFolder(t);
  await symlink('../../etc', path.join(src, 'lib/escape'));
  await assert.rejects(zipDirectory(src), {
    message: `Cannot zip "${src}": symlink "lib/escape" points to "../../etc", which is outside the folder`,
  });
});

test('zipDirectory: a symlink to an absolute path is refused', async (t) => {
  const src = await functionFolder(t);
  await symlink(path.join(src, 'index.js'), path.join(src, 'abs'));
  await assert.rejects(zipDirectory(src), {
    message: /symlink "abs" points to ".*index\.js", which is an absolute path/,
  });
});

test('zipDirectory: a missing folder, a file, or a folder without files gives a readable error', async (t) => {
  const base = await tempDir(t, 'nimbus-zipdir-errors-');
  const missing = path.join(base, 'nope');
  await assert.rejects(zipDirectory(missing), {
    message: `Cannot zip "${missing}": no such folder`,
  });
  const file = path.join(base, 'file.js');
  await writeFile(file, '1');
  await assert.rejects(zipDirectory(file), { message: `Cannot zip "${file}": it is not a folder` });
  const empty = path.join(base, 'empty');
  await mkdir(path.join(empty, 'sub'), { recursive: true });
  await assert.rejects(zipDirectory(empty), {
    message: `Cannot zip "${empty}": the folder has no files`,
  });
});

test('zipDirectory: a file name with a backslash is refused rather than turned into a folder', async (t) => {
  const src = await functionFolder(t);
  await writeFile(path.join(src, 'a\\b.js'), '1');
  await assert.rejects(zipDirectory(src), { message: /"a\\b\.js" has a backslash in its name/ });
});
