import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliPlatform, startCliPlatform } from '../helpers/cli-platform.js';

const ON_UPLOAD = `exports.handler = async (event) => {
  for (const r of event.Records) console.log('notified', r.eventName, r.s3.bucket.name, r.s3.object.key);
};`;

/** A key with a space, a folder and non-ASCII letters. */
const ODD_KEY = 'in/räksmörgås 1 ü.bin';

describe('nimbus bucket against a real server', () => {
  let p: CliPlatform;
  before(async () => {
    p = await startCliPlatform();
  });
  after(async () => p?.close());

  test('create → put (file, stdin) → get byte-equal → ls with prefixes → delete → rm', async () => {
    assert.equal(await p.ok('bucket', 'create', 'photos'), 'created bucket photos\n');
    assert.match(await p.ok('bucket', 'ls'), /^photos +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);

    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const src = path.join(p.work, 'src.bin');
    writeFileSync(src, bytes);
    assert.equal(
      await p.ok('bucket', 'put', 'photos', ODD_KEY, src),
      `uploaded ${src} to photos/${ODD_KEY} (3 MB)\n`,
    );
    const piped = await p.nimbus(
      ['bucket', 'put', 'photos', 'in/notes/today.txt', '-', '--content-type', 'text/plain'],
      { stdin: 'hej då\n' },
    );
    assert.equal(piped.code, 0, piped.stderr);
    await p.ok('bucket', 'put', 'photos', 'top.txt', src);

    const dest = path.join(p.work, 'dest.bin');
    assert.match(await p.ok('bucket', 'get', 'photos', ODD_KEY, dest), /^downloaded .* \(3 MB\)$/m);
    assert.ok(readFileSync(dest).equals(bytes), 'the object comes back byte for byte');
    assert.equal(await p.ok('bucket', 'get', 'photos', 'in/notes/today.txt'), 'hej då\n');
    // The content type was stored with it.
    const direct = await fetch(`${p.server.url}/photos/in/notes/today.txt`);
    assert.equal(direct.headers.get('content-type'), 'text/plain');

    const top = await p.ok('bucket', 'ls', 'photos');
    assert.match(top, /^LAST MODIFIED +SIZE +KEY$/m);
    assert.match(top, /^ +DIR +in\/$/m);
    assert.match(top, /^\d{4}-.* UTC +3 MB +top\.txt$/m);
    assert.doesNotMatch(top, /today/);
    const under = await p.ok('bucket', 'ls', 'photos/in/');
    assert.match(under, /^ +DIR +in\/notes\/$/m);
    assert.match(under, new RegExp(`^\\d{4}-.* +3 MB +${ODD_KEY}$`, 'm'));
    assert.doesNotMatch(under, /top\.txt/);
    const all = JSON.parse(await p.ok('--json', 'bucket', 'ls', 'photos', '--recursive'));
    assert.deepEqual(
      all.Objects.map((o: { key: string; sizeBytes: number }) => [o.key, o.sizeBytes]),
      [
        ['in/notes/today.txt', Buffer.byteLength('hej då\n')],
        [ODD_KEY, bytes.length],
        ['top.txt', bytes.length],
      ],
    );

    assert.equal(
      await p.ok('bucket', 'delete', 'photos', 'top.txt'),
      'deleted 1 object from photos\n',
    );
    assert.doesNotMatch(await p.ok('bucket', 'ls', 'photos', '--recursive'), /top\.txt/);
    await p.fails(
      ['bucket', 'rm', 'photos'],
      'error: bucket photos is not empty: delete its objects first, or use `nimbus bucket rm photos --force`\n',
    );
    assert.equal(
      await p.ok('bucket', 'rm', 'photos', '--force'),
      'deleted bucket photos and its 2 objects\n',
    );
    assert.doesNotMatch(await p.ok('bucket', 'ls'), /photos/);
  });

  test('notify → notifications → an upload invokes the function → unnotify', async () => {
    await p.deploy('onupload', ON_UPLOAD);
    await p.ok('bucket', 'create', 'inbox');
    const added = await p.ok(
      'bucket',
      'notify',
      'inbox',
      '--function',
      'onupload',
      '--prefix',
      'in/',
      '--suffix',
      '.txt',
    );
    assert.match(
      added,
      /^added notification onupload: s3:ObjectCreated:\* on inbox\/in\/\*\.txt -> arn:aws:lambda:us-east-1:000000000000:function:onupload$/m,
    );
    await p.ok(
      'bucket',
      'notify',
      'inbox',
      '--function',
      'onupload',
      '--events',
      's3:ObjectRemoved:*',
      '--id',
      'on-delete',
    );
    const table = await p.ok('bucket', 'notifications', 'inbox');
    assert.match(table, /^ID +FUNCTION +EVENTS +PREFIX +SUFFIX$/m);
    assert.match(table, /^onupload +onupload +s3:ObjectCreated:\* +in\/ +\.txt$/m);
    assert.match(table, /^on-delete +onupload +s3:ObjectRemoved:\* +- +-$/m);
    assert.deepEqual(JSON.parse(await p.ok('--json', 'bucket', 'notifications', 'inbox')), {
      Notifications: [
        {
          Id: 'onupload',
          FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:onupload',
          Events: ['s3:ObjectCreated:*'],
          Prefix: 'in/',
          Suffix: '.txt',
        },
        {
          Id: 'on-delete',
          FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:onupload',
          Events: ['s3:ObjectRemoved:*'],
          Prefix: '',
          Suffix: '',
        },
      ],
    });

    const file = path.join(p.work, 'note.txt');
    writeFileSync(file, 'note');
    await p.ok('bucket', 'put', 'inbox', 'in/note.txt', file);
    await p.logsUntil('onupload', /notified ObjectCreated:Put inbox in\/note\.txt/);

    assert.equal(
      await p.ok('bucket', 'unnotify', 'inbox', 'on-delete'),
      'removed notification on-delete from inbox\n',
    );
    assert.doesNotMatch(await p.ok('bucket', 'notifications', 'inbox'), /on-delete/);
    await p.fails(
      ['bucket', 'unnotify', 'inbox', 'on-delete'],
      'error: bucket inbox has no notification on-delete (see `nimbus bucket notifications inbox`)\n',
    );
    await p.fails(
      ['bucket', 'notify', 'inbox', '--function', 'ghost'],
      'error: no such function: ghost\n',
    );
    await p.ok('bucket', 'unnotify', 'inbox', 'onupload');
    assert.match(
      await p.ok('bucket', 'notifications', 'inbox'),
      /^bucket inbox has no notifications/,
    );
  });

  test('bad input: readable errors and exit code 1', async () => {
    await p.ok('bucket', 'create', 'errs');
    await p.fails(['bucket', 'create', 'errs'], 'error: bucket errs already exists\n');
    await p.fails(
      ['bucket', 'create', 'Bad_Name'],
      /^error: invalid bucket name "Bad_Name": use 3 to 63/,
    );
    await p.fails(['bucket', 'ls', 'nob'], 'error: no such bucket: nob\n');
    await p.fails(
      ['bucket', 'get', 'errs', 'missing.txt'],
      'error: no such key: missing.txt in bucket errs\n',
    );
    await p.fails(['bucket', 'notifications', 'nob'], 'error: no such bucket: nob\n');
    const src = path.join(p.work, 'small.txt');
    writeFileSync(src, 'x'.repeat(100_000));
    await p.fails(['bucket', 'put', 'nob', 'k', src], 'error: no such bucket: nob\n');
    await p.fails(
      ['bucket', 'put', 'errs', 'k', path.join(p.work, 'absent')],
      /cannot read .*absent: no such file/,
    );
    await p.fails(
      ['bucket', 'get', 'errs', 'missing.txt', path.join(p.work, 'no/such/dir/f')],
      /^error: cannot write /,
    );
    await p.fails(['bucket', 'put', 'errs'], /missing required argument 'key'/);
    await p.fails(['bucket', 'delete', 'errs'], /missing required argument 'keys'/);
    await p.fails(['bucket', 'notify', 'errs'], /required option '--function/);
  });
});

describe('nimbus bucket against a server with auth on', () => {
  let p: CliPlatform;
  before(async () => {
    p = await startCliPlatform({ auth: true });
  });
  after(async () => p?.close());

  test('signed for s3 with the key the server wrote; unsigned is refused with a hint', async () => {
    await p.ok('bucket', 'create', 'vault');
    const bytes = randomBytes(200_000);
    const src = path.join(p.work, 'secret.bin');
    writeFileSync(src, bytes);
    await p.ok('bucket', 'put', 'vault', ODD_KEY, src);
    const dest = path.join(p.work, 'back.bin');
    await p.ok('bucket', 'get', 'vault', ODD_KEY, dest);
    assert.ok(readFileSync(dest).equals(bytes));
    assert.match(await p.ok('bucket', 'ls', 'vault', '--recursive'), new RegExp(ODD_KEY));
    assert.match(await p.ok('bucket', 'notifications', 'vault'), /no notifications/);
    assert.equal(
      await p.ok('bucket', 'rm', 'vault', '--force'),
      'deleted bucket vault and its 1 object\n',
    );

    const unsigned = await p.nimbus(['bucket', 'ls'], {
      env: { NIMBUS_DATA_DIR: path.join(p.work, 'elsewhere') },
    });
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /^error: AccessDenied: .*\(not signed: set NIMBUS_ACCESS_KEY_ID/);
  });
});
