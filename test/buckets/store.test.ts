import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listPage } from '../../src/buckets/list-page.js';
import { type ObjectRecord, openSqliteStore, type Store } from '../../src/store/index.js';

async function withStore(t: { after(fn: () => Promise<void>): void }): Promise<Store> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-bucket-store-'));
  const store = await openSqliteStore(path.join(dir, 'nimbus.db'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

function obj(key: string, fileId: string, bucket = 'bkt'): ObjectRecord {
  return {
    bucket,
    key,
    fileId,
    sizeBytes: 3,
    etag: 'e',
    lastModifiedMs: 1,
    headers: { 'content-type': 'text/plain' },
    userMetadata: { a: 'b' },
    checksum: { algorithm: 'CRC32', value: 'AAAAAA==' },
    partSizesBytes: [],
  };
}

test('bucket store: buckets are created once, listed by name, deleted only when empty', async (t) => {
  const b = (await withStore(t)).buckets;
  const rec = { name: 'zeta', region: 'us-east-1', createdAtMs: 5, notifications: [] };
  assert.equal(await b.createBucket(rec), true);
  assert.equal(await b.createBucket({ ...rec, createdAtMs: 9 }), false, 'second create refused');
  await b.createBucket({ ...rec, name: 'alpha' });
  assert.deepEqual(
    (await b.listBuckets()).map((x) => x.name),
    ['alpha', 'zeta'],
  );
  assert.deepEqual(await b.getBucket('zeta'), rec);
  const rule = { id: 'r', functionArn: 'arn:f', events: ['s3:ObjectCreated:*'], filterRules: [] };
  assert.equal(await b.setNotifications('zeta', [rule]), true);
  assert.deepEqual((await b.getBucket('zeta'))?.notifications, [rule]);
  assert.equal(await b.setNotifications('nope', []), false);

  assert.deepEqual(await b.putObject(obj('k', 'f1', 'zeta')), {
    kind: 'stored',
    replaced: undefined,
  });
  assert.equal((await b.deleteBucket('zeta')).outcome, 'not-empty');
  await b.deleteObject('zeta', 'k');
  await b.createUpload({
    uploadId: 'u1',
    bucket: 'zeta',
    key: 'k',
    initiatedAtMs: 1,
    headers: {},
    userMetadata: {},
  });
  await b.putPart({
    uploadId: 'u1',
    partNumber: 1,
    fileId: 'p1',
    sizeBytes: 1,
    etag: 'x',
    lastModifiedMs: 1,
    checksum: null,
  });
  assert.deepEqual(await b.deleteBucket('zeta'), { outcome: 'deleted', fileIds: ['p1'] });
  assert.equal(await b.getUpload('u1'), undefined, 'its uploads went with it');
  assert.equal((await b.deleteBucket('zeta')).outcome, 'missing');
});

test('bucket store: objects replace in place and list in UTF-8 byte order by prefix', async (t) => {
  const b = (await withStore(t)).buckets;
  assert.deepEqual(await b.putObject(obj('k', 'f0')), { kind: 'no-bucket' });
  await b.createBucket({ name: 'bkt', region: 'r', createdAtMs: 1, notifications: [] });
  await b.putObject(obj('k', 'f1'));
  const second = await b.putObject(obj('k', 'f2'));
  assert.equal(second.kind === 'stored' && second.replaced?.fileId, 'f1');
  assert.deepEqual(await b.getObject('bkt', 'k'), obj('k', 'f2'));
  // U+FF5E (3 UTF-8 bytes) sorts before U+1F600 (4 bytes), though not in UTF-16 order.
  for (const key of ['a/b', 'a/a', 'a%', 'A', 'b', '\u{1F600}', '\uFF5E', 'ab']) {
    await b.putObject(obj(key, 'f'));
  }
  const keys = async (prefix: string, after: string | null = null) =>
    (await b.listObjects('bkt', { prefix, after, limit: 100 })).map((o) => o.key);
  assert.deepEqual(await keys(''), [
    'A',
    'a%',
    'a/a',
    'a/b',
    'ab',
    'b',
    'k',
    '\uFF5E',
    '\u{1F600}',
  ]);
  assert.deepEqual(await keys('a'), ['a%', 'a/a', 'a/b', 'ab']);
  assert.deepEqual(await keys('a/', 'a/a'), ['a/b']);
  assert.deepEqual(await keys('%'), [], 'prefix is literal, not a LIKE pattern');
  assert.equal((await b.deleteObject('bkt', 'k'))?.fileId, 'f2');
  assert.equal(await b.deleteObject('bkt', 'k'), undefined);
  assert.deepEqual(await b.fileIds(), new Set(['f']));
});

test('bucket store: completing an upload commits the object and refuses changed parts', async (t) => {
  const b = (await withStore(t)).buckets;
  await b.createBucket({ name: 'bkt', region: 'r', createdAtMs: 1, notifications: [] });
  const upload = {
    uploadId: 'u',
    bucket: 'bkt',
    key: 'k',
    initiatedAtMs: 1,
    headers: {},
    userMetadata: {},
  };
  assert.equal(await b.createUpload(upload), true);
  assert.equal(await b.createUpload({ ...upload, uploadId: 'v', bucket: 'none' }), false);
  const part = {
    uploadId: 'u',
    partNumber: 1,
    fileId: 'p1',
    sizeBytes: 5,
    etag: 'e1',
    lastModifiedMs: 1,
    checksum: null,
  };
  await b.putPart(part);
  const again = await b.putPart({ ...part, fileId: 'p1b' });
  assert.equal(again.kind === 'stored' && again.replaced?.fileId, 'p1');
  await b.putPart({ ...part, partNumber: 2, fileId: 'p2' });
  assert.deepEqual(
    (await b.listParts('u', { after: 1, limit: 10 })).map((p) => p.fileId),
    ['p2'],
  );
  assert.deepEqual(await b.putPart({ ...part, uploadId: 'x' }), { kind: 'no-upload' });
  const stale = await b.completeUpload('u', obj('k', 'joined'), new Map([[1, 'p1']]));
  assert.deepEqual(stale, { kind: 'changed' }, 'part 1 was replaced');
  const done = await b.completeUpload('u', obj('k', 'joined'), new Map([[1, 'p1b']]));
  assert.deepEqual(done, { kind: 'stored', replaced: undefined, fileIds: ['p1b', 'p2'] });
  assert.equal(await b.getUpload('u'), undefined);
  assert.equal((await b.getObject('bkt', 'k'))?.fileId, 'joined');
  assert.equal(await b.abortUpload('u'), undefined);
});

test('list page: delimiter rolls keys into common prefixes and pages continue after them', async (t) => {
  const b = (await withStore(t)).buckets;
  await b.createBucket({ name: 'bkt', region: 'r', createdAtMs: 1, notifications: [] });
  for (const key of ['a.txt', 'd1/x', 'd1/y', 'd1/z/w', 'd2/x', 'e.txt', 'p/q/r']) {
    await b.putObject(obj(key, 'f'));
  }
  const byFolder = (after: string | null) =>
    listPage(b, 'bkt', { prefix: '', delimiter: '/', maxKeys: 2, after });
  const page1 = await byFolder(null);
  assert.deepEqual(
    page1.contents.map((o) => o.key),
    ['a.txt'],
  );
  assert.deepEqual(page1.commonPrefixes, ['d1/']);
  assert.equal(page1.truncated, true);
  const page2 = await byFolder(page1.last);
  assert.deepEqual(page2.commonPrefixes, ['d2/']);
  assert.deepEqual(
    page2.contents.map((o) => o.key),
    ['e.txt'],
  );
  const page3 = await byFolder(page2.last);
  assert.deepEqual(page3.commonPrefixes, ['p/']);
  assert.equal(page3.truncated, false);
  const nested = await listPage(b, 'bkt', {
    prefix: 'd1/',
    delimiter: '/',
    maxKeys: 10,
    after: null,
  });
  assert.deepEqual(
    nested.contents.map((o) => o.key),
    ['d1/x', 'd1/y'],
  );
  assert.deepEqual(nested.commonPrefixes, ['d1/z/']);
  const none = await listPage(b, 'bkt', { prefix: '', delimiter: '', maxKeys: 0, after: null });
  assert.deepEqual([none.contents.length, none.truncated], [0, false]);
});
