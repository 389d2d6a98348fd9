import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliPlatform, startCliPlatform } from '../helpers/cli-platform.js';

const CONSUMER = `exports.handler = async (event) => {
  for (const r of event.Records) console.log('consumed', r.body, 'from', r.eventSourceARN);
  return { batchItemFailures: [] };
};`;

describe('nimbus queue against a real server', () => {
  let p: CliPlatform;
  before(async () => {
    p = await startCliPlatform();
  });
  after(async () => p?.close());

  test('queue create → ls → info, with a dead-letter queue and FIFO', async () => {
    const dlq = await p.ok('queue', 'create', 'jobs-dlq');
    assert.match(dlq, /^url +http:\/\/127\.0\.0\.1:\d+\/000000000000\/jobs-dlq$/m);
    assert.match(dlq, /^arn +arn:aws:sqs:us-east-1:000000000000:jobs-dlq$/m);
    await p.ok(
      'queue',
      'create',
      'jobs',
      '--visibility-timeout',
      '45',
      '--retention',
      '1d',
      '--dlq',
      'jobs-dlq',
      '--max-receives',
      '3',
    );
    const fifo = JSON.parse(await p.ok('--json', 'queue', 'create', 'orders.fifo', '--fifo'));
    assert.equal(fifo.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:orders.fifo');

    const ls = await p.ok('queue', 'ls');
    assert.match(ls, /^NAME +TYPE +MESSAGES +IN FLIGHT +URL$/m);
    assert.match(ls, /^jobs +standard +0 +0 +http:\S+\/jobs$/m);
    assert.match(ls, /^orders\.fifo +fifo +0 +0 /m);
    const prefixed = await p.ok('queue', 'ls', '--prefix', 'jobs-');
    assert.match(prefixed, /^jobs-dlq /m);
    assert.doesNotMatch(prefixed, /^jobs /m);

    const info = await p.ok('queue', 'info', 'jobs');
    assert.match(info, /^visibility timeout +45 s$/m);
    assert.match(info, /^retention +1 d$/m);
    assert.match(info, /^dead-letter queue +jobs-dlq after 3 receives$/m);
    assert.match(info, /^messages +0 visible, 0 in flight, 0 delayed$/m);
    const attrs = JSON.parse(await p.ok('--json', 'queue', 'info', 'jobs')).Attributes;
    assert.equal(attrs.VisibilityTimeout, '45');
    assert.equal(attrs.MessageRetentionPeriod, '86400');
    assert.deepEqual(JSON.parse(attrs.RedrivePolicy), {
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:jobs-dlq',
      maxReceiveCount: 3,
    });
  });

  test('send → receive round trip: attributes, file and stdin bodies, --delete', async () => {
    await p.ok('queue', 'create', 'mail');
    const sent = JSON.parse(
      await p.ok(
        '--json',
        'queue',
        'send',
        'mail',
        'hello world',
        '--attr',
        'color=red',
        '--attr',
        'n:Number=5',
      ),
    );
    const got = await p.ok('queue', 'receive', 'mail', '--visibility-timeout', '60');
    assert.match(got, new RegExp(`^id +${sent.MessageId}$`, 'm'));
    assert.match(got, /^receives +1$/m);
    assert.match(got, /^attributes +color=red, n:Number=5$/m);
    assert.match(got, /^body +hello world$/m);
    assert.match(await p.ok('queue', 'info', 'mail'), /^messages +0 visible, 1 in flight/m);

    const file = path.join(p.work, 'body.txt');
    writeFileSync(file, 'från en fil\nrad två');
    assert.match(await p.ok('queue', 'send', 'mail', '--file', file), /^sent \S+ to mail$/m);
    const piped = await p.nimbus(['queue', 'send', 'mail', '-'], { stdin: '{"from":"stdin"}' });
    assert.equal(piped.code, 0, piped.stderr);
    // A zero visibility timeout leaves them in view, to be received again and deleted.
    const received = JSON.parse(
      await p.ok(
        '--json',
        'queue',
        'receive',
        'mail',
        '--max',
        '10',
        '--wait',
        '1',
        '--visibility-timeout',
        '0',
      ),
    );
    assert.deepEqual(received.Messages.map((m: { Body: string }) => m.Body).sort(), [
      'från en fil\nrad två',
      '{"from":"stdin"}',
    ]);
    const deleted = await p.ok(
      'queue',
      'receive',
      'mail',
      '--max',
      '10',
      '--wait',
      '1',
      '--delete',
    );
    assert.match(deleted, /^body +från en fil\nrad två$/m);
    assert.match(deleted, /^receives +2$/m);
    assert.match(deleted, /^deleted 2 messages$/m);
    assert.doesNotMatch(deleted, /hello world/, 'the in-flight message is not received again');
    assert.match(await p.ok('queue', 'receive', 'mail'), /^no messages$/m);
    assert.match(await p.ok('queue', 'info', 'mail'), /^messages +0 visible, 1 in flight/m);

    await p.ok('queue', 'send', 'mail', 'to purge');
    assert.equal(await p.ok('queue', 'purge', 'mail'), 'purged mail\n');
    assert.match(await p.ok('queue', 'info', 'mail'), /^messages +0 visible/m);
  });

  test('FIFO: --group and --dedup; a duplicate is dropped', async () => {
    await p.ok('queue', 'create', 'steps.fifo');
    const first = await p.ok('queue', 'send', 'steps.fifo', 'one', '--group', 'g', '--dedup', 'd1');
    assert.match(first, /^sent \S+ to steps\.fifo \(sequence \d+\)$/m);
    await p.ok('queue', 'send', 'steps.fifo', 'one again', '--group', 'g', '--dedup', 'd1');
    const got = JSON.parse(await p.ok('--json', 'queue', 'receive', 'steps.fifo', '--max', '10'));
    assert.deepEqual(
      got.Messages.map((m: { Body: string }) => m.Body),
      ['one'],
    );
    await p.fails(['queue', 'send', 'steps.fifo', 'x'], /MessageGroupId/);
    assert.equal(await p.ok('queue', 'rm', 'steps.fifo'), 'deleted queue steps.fifo\n');
    assert.doesNotMatch(await p.ok('queue', 'ls'), /steps\.fifo/);
  });

  test('map a queue to a deployed function: list, disable/enable, messages reach it, unmap', async () => {
    await p.deploy('consumer', CONSUMER);
    await p.ok('queue', 'create', 'work');
    const mapped = await p.ok(
      'queue',
      'map',
      'work',
      '--function',
      'consumer',
      '--batch-size',
      '5',
      '--report-failures',
      '--max-concurrency',
      '2',
    );
    const uuid = /^mapping +(\S+)$/m.exec(mapped)?.[1];
    assert.ok(uuid, mapped);
    assert.match(mapped, /^queue +work$/m);
    assert.match(mapped, /^function +consumer$/m);
    assert.match(mapped, /^report failures +yes/m);
    assert.match(mapped, /^max concurrency +2$/m);

    const listed = await p.ok('queue', 'mappings');
    assert.match(listed, new RegExp(`^${uuid} +work +consumer +\\w+ +5 +0 s$`, 'm'));
    assert.match(
      await p.ok('queue', 'mappings', 'work', '--function', 'consumer'),
      new RegExp(uuid),
    );
    assert.match(await p.ok('queue', 'mappings', 'jobs-dlq'), /^no event source mappings/);

    assert.match(
      await p.ok('queue', 'disable', uuid),
      /^disabled mapping .* \(work -> consumer\)$/m,
    );
    assert.match(await p.ok('queue', 'enable', uuid), /^enabled mapping /m);
    await p.ok('queue', 'send', 'work', 'job-42');
    await p.logsUntil('consumer', /consumed job-42 from arn:aws:sqs:us-east-1:000000000000:work/);

    assert.match(await p.ok('queue', 'unmap', uuid), new RegExp(`^deleted mapping ${uuid}`));
    assert.match(await p.ok('queue', 'mappings'), /^no event source mappings/);
    await p.fails(
      ['queue', 'unmap', uuid],
      `error: no such event source mapping: ${uuid} (see \`nimbus queue mappings\`)\n`,
    );
    await p.fails(
      ['queue', 'map', 'work', '--function', 'ghost'],
      'error: no such function: ghost\n',
    );
    await p.fails(
      ['queue', 'map', 'nope', '--function', 'consumer'],
      'error: no such queue: nope\n',
    );
  });

  test('bad input: readable errors and exit code 1', async () => {
    await p.fails(['queue', 'info', 'nope'], 'error: no such queue: nope\n');
    await p.fails(['queue', 'send', 'nope', 'x'], 'error: no such queue: nope\n');
    await p.fails(['queue', 'rm', 'nope'], 'error: no such queue: nope\n');
    await p.fails(['queue', 'create', 'plain', '--fifo'], /ends with \.fifo \(try plain\.fifo\)/);
    await p.fails(
      ['queue', 'create', 'x', '--dlq', 'jobs-dlq'],
      /give --dlq and --max-receives together/,
    );
    await p.fails(
      ['queue', 'create', 'x', '--delay', '16m'],
      /--delay must be whole seconds from 0 to 900/,
    );
    await p.fails(['queue', 'create', 'bad name!'], /InvalidParameterValue/);
    await p.fails(['queue', 'send', 'jobs'], /give the message: a BODY, --file FILE, or -/);
    await p.fails(['queue', 'send', 'jobs', 'x', '--attr', 'novalue'], /invalid --attr "novalue"/);
    await p.fails(
      ['queue', 'receive', 'jobs', '--max', '11'],
      /--max must be a whole number from 1 to 10/,
    );
    await p.fails(['queue', 'send'], /missing required argument 'name'/);
    await p.fails(
      ['queue', 'map', 'jobs'],
      /required option '--function <function\[:qualifier\]>'/,
    );
    await p.fails(['queue', 'unmap'], /missing required argument 'uuid'/);
  });
});

describe('nimbus queue against a server with auth on', () => {
  let p: CliPlatform;
  before(async () => {
    p = await startCliPlatform({ auth: true });
  });
  after(async () => p?.close());

  test('signed with the key the server wrote; unsigned is refused with a hint', async () => {
    for (const args of [
      ['queue', 'create', 'secure'],
      ['queue', 'send', 'secure', 'signed body', '--attr', 'k=v'],
    ]) {
      const r = await p.nimbus(args);
      assert.equal(r.code, 0, r.stderr);
    }
    const got = await p.nimbus(['queue', 'receive', 'secure', '--delete']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^body +signed body$/m);
    assert.match(got.stdout, /^attributes +k=v$/m);
    assert.match(got.stdout, /^deleted 1 message$/m);

    const unsigned = await p.nimbus(['queue', 'ls'], {
      env: { NIMBUS_DATA_DIR: path.join(p.work, 'elsewhere') },
    });
    assert.equal(unsigned.code, 1);
    assert.match(
      unsigned.stderr,
      /^error: MissingAuthenticationToken: .*\(not signed: set NIMBUS_ACCESS_KEY_ID/,
    );
    const wrongKey = await p.nimbus(['queue', 'ls'], {
      env: {
        NIMBUS_ACCESS_KEY_ID: 'NIMBEXAMPLEEXAMPLE00',
        NIMBUS_SECRET_ACCESS_KEY: 'x'.repeat(40),
      },
    });
    assert.equal(wrongKey.code, 1);
    assert.match(
      wrongKey.stderr,
      /InvalidClientTokenId: .*\(signed with NIMBEXAMPLEEXAMPLE00 from NIMBUS_ACCESS_KEY_ID\)/,
    );
  });
});
