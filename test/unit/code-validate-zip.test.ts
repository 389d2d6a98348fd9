import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import zlib from 'node:zlib';
import { type CodeLimits, CodeStore } from '../../src/code/index.js';
import { isNimbusError } from '../../src/shared/errors.js';

const LIMITS: CodeLimits = {
  maxZipBytes: 1024 * 1024,
  maxUnzippedBytes: 1024 * 1024,
  maxZipEntries: 50,
};
const NOT_A_ZIP =
  'Could not unzip uploaded file. Please check your file, then try to upload again.';

const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** One entry of a hand-built zip; every field can lie, which yazl would never allow. */
interface RawEntry {
  name: string;
  data?: Buffer | string;
  /** Unix mode with file type bits; omitted: made by MS-DOS, no unix attributes. */
  unixMode?: number;
  deflate?: boolean;
  /** Uncompressed size written in both headers (default: the true size). */
  declaredSize?: number;
  crc?: number;
}

/** Builds zip bytes by hand: local headers, central directory, end record. */
function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.from(e.data ?? '');
    const body = e.deflate ? zlib.deflateRawSync(data) : data;
    const crc = e.crc ?? zlib.crc32(data);
    const size = e.declaredSize ?? data.length;
    const method = e.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.unixMode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function file(name: string, data: string | Buffer = 'x', unixMode = S_IFREG | 0o644): RawEntry {
  return { name, data, unixMode };
}

function link(name: string, target: string): RawEntry {
  return { name, data: target, unixMode: S_IFLNK | 0o777 };
}

async function newStore(t: TestContext, limits: CodeLimits = LIMITS) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'nimbus-code-validate-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return { root, store: new CodeStore(root, limits) };
}

/** Asserts that the store refuses `zip` on put and on inspect, and wrote nothing. */
async function assertRefused(
  t: TestContext,
  zip: Buffer,
  expected: { code: string; status: number; message: string | RegExp },
  limits: CodeLimits = LIMITS,
) {
  const { root, store } = await newStore(t, limits);
  const check = (err: unknown) => {
    assert.ok(isNimbusError(err), `expected a NimbusError, got ${String(err)}`);
    assert.equal(err.code, expected.code);
    assert.equal(err.status, expected.status);
    if (typeof expected.message === 'string') assert.equal(err.message, expected.message);
    else assert.match(err.message, expected.message);
    return true;
  };
  await assert.rejects(store.inspect(zip), check);
  await assert.rejects(store.put(zip), check);
  for (const sub of ['zips', 'trees', 'tmp']) {
    assert.deepEqual(await readdir(path.join(root, sub)), [], `${sub}/ must stay empty`);
  }
}

const invalid = (message: string | RegExp) => ({
  code: 'InvalidParameterValueException',
  status: 400,
  message,
});

test("validate: bytes that are not a zip are refused with Lambda's message", async (t) => {
  await assertRefused(t, Buffer.from('#!/bin/sh\necho hello\n'), invalid(NOT_A_ZIP));
});

test("validate: a truncated zip is refused with Lambda's message", async (t) => {
  const zip = rawZip([file('index.js', 'exports.handler = async () => 1;')]);
  await assertRefused(t, zip.subarray(0, zip.length - 30), invalid(NOT_A_ZIP));
});

test('validate: a zip above maxZipBytes is refused with 413 and the configured number', async (t) => {
  const zip = rawZip([file('index.js', 'x'.repeat(500))]);
  await assertRefused(
    t,
    zip,
    {
      code: 'RequestEntityTooLargeException',
      status: 413,
      message: 'Zipped size must be smaller than 300 bytes',
    },
    { ...LIMITS, maxZipBytes: 300 },
  );
});

test('validate: declared sizes summing above maxUnzippedBytes are refused', async (t) => {
  const zip = rawZip([file('a.js', 'x'.repeat(600)), file('b.js', 'y'.repeat(600))]);
  await assertRefused(t, zip, invalid('Unzipped size must be smaller than 1000 bytes'), {
    ...LIMITS,
    maxUnzippedBytes: 1000,
  });
});

test('validate: a huge declared size is refused before inflating anything', async (t) => {
  const zip = rawZip([{ ...file('big.bin', 'tiny'), deflate: true, declaredSize: 0xfffffff0 }]);
  await assertRefused(
    t,
    zip,
    invalid(`Unzipped size must be smaller than ${LIMITS.maxUnzippedBytes} bytes`),
  );
});

test('validate: a zip bomb whose header lies about its size is stopped while inflating', async (t) => {
  const bomb = {
    ...file('bomb.bin', Buffer.alloc(20 * 1024 * 1024)),
    deflate: true,
    declaredSize: 100,
  };
  const zip = rawZip([bomb]);
  assert.ok(zip.length < 100 * 1024, 'the bomb itself is small');
  await assertRefused(
    t,
    zip,
    invalid('Zip entry "bomb.bin" inflates to more than the 100 bytes its header declares'),
  );
});

test('validate: a big entry whose header lies about its size is stopped while streaming', async (t) => {
  const declaredSize = 2 * 1024 * 1024;
  const bomb = { ...file('big.bin', Buffer.alloc(40 * 1024 * 1024)), deflate: true, declaredSize };
  await assertRefused(
    t,
    rawZip([bomb]),
    invalid(
      `Zip entry "big.bin" inflates to more than the ${declaredSize} bytes its header declares`,
    ),
    { ...LIMITS, maxUnzippedBytes: 4 * 1024 * 1024 },
  );
});

test('validate: an entry that inflates to less than its header declares is refused', async (t) => {
  const short = { ...file('index.js', 'x'.repeat(50)), deflate: true, declaredSize: 100 };
  await assertRefused(
    t,
    rawZip([short]),
    invalid(
      /^Could not unzip uploaded file\..* Zip entry "index\.js" is damaged: it inflates to 50 of the 100 bytes/,
    ),
  );
});

test('validate: a big entry whose data does not match its CRC is refused, naming it', async (t) => {
  const big = { ...file('big.bin', Buffer.alloc(3 * 1024 * 1024, 7)), deflate: true, crc: 1 };
  await assertRefused(
    t,
    rawZip([file('index.js'), big]),
    invalid(
      /^Could not unzip uploaded file\..* Zip entry "big\.bin" is damaged: its CRC-32 does not match$/,
    ),
    { ...LIMITS, maxUnzippedBytes: 8 * 1024 * 1024 },
  );
});

test('validate: an entry whose data does not match its CRC is refused, naming it', async (t) => {
  const zip = rawZip([{ ...file('index.js', 'exports.x = 1;'), crc: 12345 }]);
  await assertRefused(
    t,
    zip,
    invalid(/^Could not unzip uploaded file\..* Zip entry "index\.js" is damaged/),
  );
});

test('validate: more entries than maxZipEntries are refused', async (t) => {
  const zip = rawZip(['a', 'b', 'c', 'd'].map((n) => file(`${n}.js`)));
  await assertRefused(
    t,
    zip,
    invalid('Zip has 4 entries; at most 3 files and folders are allowed'),
    { ...LIMITS, maxZipEntries: 3 },
  );
});

test('validate: a zip with no entries, or only folders, is refused', async (t) => {
  await assertRefused(t, rawZip([]), invalid('Uploaded zip contains no files'));
  await assertRefused(
    t,
    rawZip([{ name: 'lib/', unixMode: 0o040755 }]),
    invalid('Uploaded zip contains no files'),
  );
});

const BAD_NAMES: [string, string | RegExp][] = [
  ['../evil.js', 'Zip entry "../evil.js" escapes the code root'],
  ['lib/../../evil.js', 'Zip entry "lib/../../evil.js" escapes the code root'],
  ['lib/../index.js', 'Zip entry "lib/../index.js" contains a ".." segment'],
  [
    '/abs/path.js',
    'Zip entry "/abs/path.js" is an absolute path; entries must be relative to the code root',
  ],
  [
    'C:/evil.js',
    'Zip entry "C:/evil.js" is an absolute path; entries must be relative to the code root',
  ],
  [
    '..\\evil.js',
    'Zip entry "..\\evil.js" contains a backslash; folders in a zip are separated by "/"',
  ],
  ['a\0.js', 'Zip entry "a\\u0000.js" contains a NUL character'],
  [`${'n'.repeat(256)}.js`, /^Zip entry "n{200}…" has a name longer than 255 bytes$/],
];

for (const [name, message] of BAD_NAMES) {
  test(`validate: entry name ${JSON.stringify(name.slice(0, 30))} is refused, naming it`, async (t) => {
    await assertRefused(t, rawZip([file('index.js'), file(name)]), invalid(message));
  });
}

test('validate: duplicate entries are refused, also when spelled differently', async (t) => {
  await assertRefused(
    t,
    rawZip([file('index.js'), file('index.js')]),
    invalid('Zip has two entries named "index.js"'),
  );
  await assertRefused(
    t,
    rawZip([file('lib/a.js'), file('./lib//a.js')]),
    invalid('Zip has two entries named "lib/a.js"'),
  );
});

test('validate: an entry under a file is refused', async (t) => {
  await assertRefused(
    t,
    rawZip([file('lib/b.js'), file('lib')]),
    invalid('Zip entry "lib/b.js" lies under "lib", which is a file'),
  );
});

test('validate: a symlink escaping the root is refused, naming entry and target', async (t) => {
  await assertRefused(
    t,
    rawZip([file('index.js'), link('lib/secrets', '../../etc')]),
    invalid('Zip entry "lib/secrets" is a symlink to "../../etc", which escapes the code root'),
  );
});

test('validate: a symlink to an absolute path is refused', async (t) => {
  await assertRefused(
    t,
    rawZip([file('index.js'), link('passwd', '/etc/passwd')]),
    invalid(
      'Zip entry "passwd" is a symlink to the absolute path "/etc/passwd"; symlink targets must be relative and stay inside the code root',
    ),
  );
});

test('validate: a symlink escaping through another symlink is refused', async (t) => {
  // `here/..` looks like the root, but `here` is the root itself, so it is the root's parent.
  await assertRefused(
    t,
    rawZip([file('index.js'), link('here', '.'), link('up', 'here/..')]),
    invalid('Zip entry "up" is a symlink to "here/..", which escapes the code root'),
  );
});

test('validate: a symlink loop is refused', async (t) => {
  await assertRefused(
    t,
    rawZip([file('index.js'), link('a', 'b'), link('b', 'a')]),
    invalid(/^Zip entry "a" is a symlink to "b", which never resolves \(a symlink loop\)$/),
  );
});

test('validate: an entry placed through a symlink is refused even if the link stays inside', async (t) => {
  await assertRefused(
    t,
    rawZip([file('src/a.js'), link('lib', 'src'), file('lib/evil.js')]),
    invalid(/^Zip entry "lib\/evil\.js" lies under the symlink "lib"/),
  );
});

test('validate: device, FIFO and socket entries are refused', async (t) => {
  await assertRefused(
    t,
    rawZip([file('index.js'), { name: 'pipe', unixMode: 0o010644 }]),
    invalid('Zip entry "pipe" is a FIFO; only files, folders and symlinks are allowed'),
  );
});

test('validate: inspect reports shas and sizes of a valid zip and writes nothing', async (t) => {
  const { root, store } = await newStore(t);
  const zip = rawZip([
    file('index.js', 'exports.handler = async () => "hi";'),
    { ...file('data.txt', 'z'.repeat(5000)), deflate: true },
    link('current', 'data.txt'),
  ]);
  const info = await store.inspect(zip);
  assert.deepEqual(info, {
    codeSha256: createHash('sha256').update(zip).digest('base64'),
    hexSha: createHash('sha256').update(zip).digest('hex'),
    codeSizeBytes: zip.length,
    unzippedBytes: 35 + 5000 + 'data.txt'.length,
  });
  assert.deepEqual(await readdir(path.join(root, 'trees')), []);
  assert.deepEqual(await readdir(path.join(root, 'zips')), []);
});
