import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import yazl from 'yazl';
import { type CodeLimits, CodeStore, type StoredCode } from '../../src/code/index.js';
import { isNimbusError } from '../../src/shared/errors.js';

const LIMITS: CodeLimits = {
  maxZipBytes: 50 * 1024 * 1024,
  maxUnzippedBytes: 250 * 1024 * 1024,
  maxZipEntries: 10_000,
};

type ZipItem =
  | { name: string; data: Buffer | string; mode?: number }
  | { name: string; dir: true }
  | { name: string; symlink: string };

/** Builds a well-formed zip with yazl; `mode` is the full unix mode (type bits included). */
async function makeZip(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    if ('dir' in item) zip.addEmptyDirectory(item.name, { mode: 0o040700 });
    else if ('symlink' in item)
      zip.addBuffer(Buffer.from(item.symlink), item.name, { mode: 0o120777 });
    else zip.addBuffer(Buffer.from(item.data), item.name, { mode: item.mode ?? 0o100644 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function tempRoot(t: TestContext): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'nimbus-code-store-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

const HELLO: ZipItem[] = [
  { name: 'index.js', data: 'exports.handler = async () => "hello";' },
  { name: 'bootstrap', data: '#!/bin/sh\nexec node index.js\n', mode: 0o100755 },
  { name: 'lib/util/strings.js', data: 'module.exports = {};' },
  { name: 'assets/', dir: true },
  { name: 'current', symlink: 'lib/util' },
];

test('code store: put extracts the tree with files, folders and inside symlinks', async (t) => {
  const store = new CodeStore(await tempRoot(t), LIMITS);
  const code = await store.put(await makeZip(HELLO));
  assert.equal(
    await readFile(path.join(code.dir, 'index.js'), 'utf8'),
    'exports.handler = async () => "hello";',
  );
  assert.equal(
    await readFile(path.join(code.dir, 'lib/util/strings.js'), 'utf8'),
    'module.exports = {};',
  );
  assert.ok((await stat(path.join(code.dir, 'assets'))).isDirectory());
  assert.ok((await lstat(path.join(code.dir, 'current'))).isSymbolicLink());
  assert.equal(await readlink(path.join(code.dir, 'current')), 'lib/util');
  assert.equal(
    await readFile(path.join(code.dir, 'current/strings.js'), 'utf8'),
    'module.exports = {};',
  );
});

test('code store: modes are 0755 for folders and executables, 0644 for other files, whatever the umask', async (t) => {
  const store = new CodeStore(await tempRoot(t), LIMITS);
  const zip = await makeZip([...HELLO, { name: 'no-unix-mode.txt', data: 'dos', mode: 0 }]);
  const previous = process.umask(0o077);
  let code: StoredCode;
  try {
    code = await store.put(zip);
  } finally {
    process.umask(previous);
  }
  assert.equal(await modeOf(path.join(code.dir, 'bootstrap')), 0o755);
  assert.equal(await modeOf(path.join(code.dir, 'index.js')), 0o644);
  assert.equal(await modeOf(path.join(code.dir, 'no-unix-mode.txt')), 0o644);
  assert.equal(await modeOf(code.dir), 0o755);
  assert.equal(await modeOf(path.join(code.dir, 'assets')), 0o755, 'the zip said 0700');
  assert.equal(await modeOf(path.join(code.dir, 'lib/util')), 0o755, 'implied folder');
});

test('code store: put reports Lambda shas and sizes, and keeps the zip byte for byte', async (t) => {
  const root = await tempRoot(t);
  const store = new CodeStore(root, LIMITS);
  const zip = await makeZip(HELLO);
  const code = await store.put(zip);
  const hex = createHash('sha256').update(zip).digest('hex');
  const expectedUnzipped = HELLO.reduce(
    (sum, item) =>
      sum +
      ('data' in item ? Buffer.byteLength(item.data) : 'symlink' in item ? item.symlink.length : 0),
    0,
  );
  assert.deepEqual(code, {
    codeSha256: createHash('sha256').update(zip).digest('base64'),
    hexSha: hex,
    codeSizeBytes: zip.length,
    unzippedBytes: expectedUnzipped,
    dir: path.join(root, 'trees', hex),
  });
  assert.equal(store.has(hex), true);
  assert.equal(store.dirFor(hex), code.dir);
  assert.equal(store.zipPathFor(hex), path.join(root, 'zips', `${hex}.zip`));
  assert.deepEqual(await store.readZip(hex), zip);
  const { dir: _dir, ...withoutDir } = code;
  assert.deepEqual(await store.inspect(zip), withoutDir, 'inspect agrees with put');
  assert.deepEqual(await readdir(path.join(root, 'tmp')), [], 'no work left behind');
});

test('code store: the same bytes again return the same code without re-extracting', async (t) => {
  const store = new CodeStore(await tempRoot(t), LIMITS);
  const zip = await makeZip(HELLO);
  const first = await store.put(zip);
  const marker = path.join(first.dir, 'marker-from-test');
  await writeFile(marker, 'still here');
  const second = await store.put(zip);
  assert.deepEqual(second, first);
  assert.equal(await readFile(marker, 'utf8'), 'still here', 'the tree was not replaced');
});

test('code store: racing puts of the same zip, in one store or two, all succeed with one tree', async (t) => {
  const root = await tempRoot(t);
  const files = Array.from({ length: 40 }, (_, i) => ({
    name: `f/${i}.bin`,
    data: randomBytes(20_000),
  }));
  const zip = await makeZip(files);
  const a = new CodeStore(root, LIMITS);
  const b = new CodeStore(root, LIMITS);
  const results = await Promise.all([a.put(zip), a.put(zip), b.put(zip), b.put(zip)]);
  for (const r of results) assert.deepEqual(r, results[0]);
  const dir = results[0]?.dir ?? assert.fail('no result');
  for (const f of files) assert.deepEqual(await readFile(path.join(dir, f.name)), f.data);
  assert.deepEqual(await readdir(path.join(root, 'trees')), [results[0]?.hexSha]);
  assert.deepEqual(await readdir(path.join(root, 'tmp')), []);
});

test('code store: big and many entries are extracted intact', async (t) => {
  const store = new CodeStore(await tempRoot(t), LIMITS);
  const big = randomBytes(6 * 1024 * 1024);
  const small = Array.from({ length: 300 }, (_, i) => ({
    name: `node_modules/m${i}/index.js`,
    data: `module.exports = ${i};`,
  }));
  const code = await store.put(await makeZip([{ name: 'big.bin', data: big }, ...small]));
  assert.deepEqual(await readFile(path.join(code.dir, 'big.bin')), big);
  for (const s of small) assert.equal(await readFile(path.join(code.dir, s.name), 'utf8'), s.data);
});

test('code store: construction removes leftovers of a crashed extraction and keeps stored code', async (t) => {
  const root = await tempRoot(t);
  const kept = await new CodeStore(root, LIMITS).put(await makeZip(HELLO));
  const leftover = path.join(root, 'tmp', 'put-123456789abc-xyz', 'tree');
  await mkdir(leftover, { recursive: true });
  await writeFile(path.join(leftover, 'half-written.js'), 'expor');

  const store = new CodeStore(root, LIMITS);
  assert.deepEqual(await readdir(path.join(root, 'tmp')), []);
  assert.equal(store.has(kept.hexSha), true);
  assert.deepEqual(await readdir(path.join(root, 'trees')), [kept.hexSha]);
});

test('code store: gc removes code not kept and returns how many', async (t) => {
  const root = await tempRoot(t);
  const store = new CodeStore(root, LIMITS);
  const keep = await store.put(await makeZip([{ name: 'a.js', data: 'a' }]));
  const dropB = await store.put(await makeZip([{ name: 'b.js', data: 'b' }]));
  const dropC = await store.put(await makeZip([{ name: 'c.js', data: 'c' }]));

  assert.equal(await store.gc(new Set([keep.hexSha])), 2);
  assert.equal(store.has(keep.hexSha), true);
  assert.equal(await readFile(path.join(keep.dir, 'a.js'), 'utf8'), 'a');
  for (const dropped of [dropB, dropC]) {
    assert.equal(store.has(dropped.hexSha), false);
    await assert.rejects(stat(dropped.dir), { code: 'ENOENT' });
  }
  assert.deepEqual(await readdir(path.join(root, 'tmp')), []);
  assert.equal(await store.gc(new Set([keep.hexSha])), 0);
});

test('code store: reading a zip that is not stored is a ServiceException naming it', async (t) => {
  const store = new CodeStore(await tempRoot(t), LIMITS);
  const hex = 'a'.repeat(64);
  assert.equal(store.has(hex), false);
  await assert.rejects(store.readZip(hex), (err) => {
    assert.ok(isNimbusError(err));
    assert.equal(err.code, 'ServiceException');
    assert.equal(err.message, `Code ${hex} is missing from the code store`);
    return true;
  });
});

test('code store: a hexSha that is not a sha256 never becomes a path', async (t) => {
  const store = new CodeStore(await tempRoot(t), LIMITS);
  assert.equal(store.has('../../etc'), false);
  assert.throws(() => store.dirFor('../../etc'), /Not a hex sha256: "..\/..\/etc"/);
  assert.throws(() => store.zipPathFor('ABC'), /Not a hex sha256/);
});
