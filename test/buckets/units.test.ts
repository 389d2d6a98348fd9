import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { AwsChunkedDecoder } from '../../src/buckets/aws-chunked.js';
import { runningChecksum } from '../../src/buckets/checksums.js';
import { evaluatePreconditions, parseRange } from '../../src/buckets/conditions.js';
import { S3_ERRORS } from '../../src/buckets/errors.js';
import { checkBucketName, s3UrlEncode } from '../../src/buckets/names.js';
import { parseNotificationConfig } from '../../src/buckets/notification-config.js';
import { ruleMatches } from '../../src/buckets/notify.js';
import { parseXml } from '../../src/buckets/xml.js';

/** Feeds `body` to a decoder in pieces of `pieceBytes`; the payload and trailers. */
async function decode(body: string, pieceBytes: number) {
  const raw = Buffer.from(body, 'latin1');
  const pieces: Buffer[] = [];
  for (let i = 0; i < raw.length; i += pieceBytes) pieces.push(raw.subarray(i, i + pieceBytes));
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  for await (const c of Readable.from(pieces).pipe(decoder)) out.push(c as Buffer);
  return { payload: Buffer.concat(out).toString('latin1'), trailers: decoder.trailers };
}

const SIG = 'a'.repeat(64);

test('aws-chunked: unsigned trailer, signed chunks and a trailer signature decode in any split', async () => {
  const bodies = {
    unsignedTrailer: '5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DQoNCg==\r\n\r\n',
    signed: `5;chunk-signature=${SIG}\r\nhello\r\n6;chunk-signature=${SIG}\r\n world\r\n0;chunk-signature=${SIG}\r\n\r\n`,
    signedTrailer: `B;chunk-signature=${SIG}\r\nhello world\r\n0;chunk-signature=${SIG}\r\nx-amz-checksum-crc32:DQoNCg==\r\nx-amz-trailer-signature:${SIG}\r\n\r\n`,
    sdkNoChecksum: '5\r\nhello\r\n6\r\n world\r\n0\r\n',
  };
  for (const [name, body] of Object.entries(bodies)) {
    for (const piece of [1, 2, 7, 1000]) {
      const { payload, trailers } = await decode(body, piece);
      assert.equal(payload, 'hello world', `${name} in ${piece}-byte pieces`);
      if (name.endsWith('Trailer')) assert.equal(trailers.get('x-amz-checksum-crc32'), 'DQoNCg==');
    }
  }
});

test('aws-chunked: truncated or malformed framing is an error', async () => {
  await assert.rejects(decode('5\r\nhel', 3), /IncompleteBody|ended before/);
  await assert.rejects(decode('zz\r\nhello\r\n0\r\n\r\n', 3), /bad chunk size/);
  await assert.rejects(decode('2\r\nhello\r\n0\r\n\r\n', 100), /longer than its size/);
});

test('checksums: CRC32, CRC32C, SHA-1 and SHA-256 match the published check values', () => {
  const check = Buffer.from('123456789');
  const hex = (alg: 'CRC32' | 'CRC32C') => {
    const c = runningChecksum(alg);
    c.update(check.subarray(0, 4));
    c.update(check.subarray(4));
    return Buffer.from(c.digestBase64(), 'base64').toString('hex');
  };
  assert.equal(hex('CRC32'), 'cbf43926');
  assert.equal(hex('CRC32C'), 'e3069283');
  const sha1 = runningChecksum('SHA1');
  sha1.update(check);
  assert.equal(Buffer.from(sha1.digestBase64(), 'base64').toString('hex').slice(0, 8), 'f7c3bc1d');
  const sha256 = runningChecksum('SHA256');
  sha256.update(check);
  assert.equal(
    Buffer.from(sha256.digestBase64(), 'base64').toString('hex').slice(0, 8),
    '15e2b0d3',
  );
});

test('ranges: a-b, a-, -n, clamping, unsatisfiable and ignored forms', () => {
  assert.deepEqual(parseRange('bytes=0-4', 10), { start: 0, end: 4 });
  assert.deepEqual(parseRange('bytes=5-', 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=-30', 10), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=8-100', 10), { start: 8, end: 9 });
  assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
  assert.equal(parseRange('bytes=5-2', 10), null);
  assert.equal(parseRange('bytes=0-1,3-4', 10), null, 'several ranges: the whole object');
  assert.equal(parseRange('items=0-1', 10), null);
  assert.equal(parseRange(undefined, 10), null);
});

test('preconditions: If-Match over If-Unmodified-Since, If-None-Match over If-Modified-Since', () => {
  const at = Date.parse('2024-01-02T00:00:00Z');
  const before = 'Mon, 01 Jan 2024 00:00:00 GMT';
  const after = 'Wed, 03 Jan 2024 00:00:00 GMT';
  const ev = (h: Record<string, string>) => evaluatePreconditions(h, 'abc', at);
  assert.equal(ev({}), 'proceed');
  assert.equal(ev({ 'if-match': '"abc"' }), 'proceed');
  assert.equal(ev({ 'if-match': '"x", "abc"' }), 'proceed');
  assert.equal(ev({ 'if-match': '"x"' }), 'failed');
  assert.equal(ev({ 'if-unmodified-since': before }), 'failed');
  assert.equal(ev({ 'if-match': '"abc"', 'if-unmodified-since': before }), 'proceed');
  assert.equal(ev({ 'if-none-match': '"abc"' }), 'not-modified');
  assert.equal(ev({ 'if-none-match': '*' }), 'not-modified');
  assert.equal(ev({ 'if-modified-since': after }), 'not-modified');
  assert.equal(ev({ 'if-modified-since': before }), 'proceed');
  assert.equal(ev({ 'if-none-match': '"x"', 'if-modified-since': after }), 'proceed');
  assert.equal(
    evaluatePreconditions({ 'x-amz-copy-source-if-match': '"x"' }, 'abc', at, 'x-amz-copy-source-'),
    'failed',
  );
});

test('names: bucket names follow S3 rules; keys encode as S3 event keys do', () => {
  for (const ok of ['abc', 'my-bucket.v2', 'a'.repeat(63), '123']) checkBucketName(ok);
  for (const bad of [
    'ab',
    'a'.repeat(64),
    'Upper',
    'a..b',
    '-ab',
    'ab-',
    '192.168.1.1',
    'xn--ab',
    'a_b',
    'a.-b',
  ]) {
    assert.throws(() => checkBucketName(bad), /InvalidBucketName|not valid/, bad);
  }
  assert.equal(s3UrlEncode('Happy Face.jpg'), 'Happy+Face.jpg');
  assert.equal(s3UrlEncode('a/b c+d%e(1)~!*é'), 'a/b+c%2Bd%25e%281%29%7E%21*%C3%A9');
});

const config = (inner: string) =>
  parseXml(
    Buffer.from(
      `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</NotificationConfiguration>`,
    ),
  );
const rule = (id: string, events: string[], filters = '') =>
  `<CloudFunctionConfiguration><Id>${id}</Id><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction>${events
    .map((e) => `<Event>${e}</Event>`)
    .join('')}${filters}</CloudFunctionConfiguration>`;
const filter = (rules: Array<[string, string]>) =>
  `<Filter><S3Key>${rules.map(([n, v]) => `<FilterRule><Name>${n}</Name><Value>${v}</Value></FilterRule>`).join('')}</S3Key></Filter>`;

test('notification config: rules parse, and bad events, filters, overlaps and queues are refused', () => {
  const newId = () => 'generated';
  const [r] = parseNotificationConfig(
    config(
      rule(
        '',
        ['s3:ObjectCreated:*'],
        filter([
          ['prefix', 'in/'],
          ['Suffix', '.jpg'],
        ]),
      ),
    ),
    newId,
  );
  assert.deepEqual(r, {
    id: 'generated',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    events: ['s3:ObjectCreated:*'],
    filterRules: [
      { name: 'prefix', value: 'in/' },
      { name: 'Suffix', value: '.jpg' },
    ],
  });
  const refuse = (inner: string, message: RegExp) =>
    assert.throws(() => parseNotificationConfig(config(inner), newId), message);
  refuse(rule('a', ['s3:ObjectCreated:Nope']), /not supported/);
  refuse(rule('a', ['s3:ObjectCreated:*'], filter([['middle', 'x']])), /prefix or suffix/);
  refuse(
    rule(
      'a',
      ['s3:ObjectCreated:*'],
      filter([
        ['prefix', 'a'],
        ['prefix', 'b'],
      ]),
    ),
    /more than one/,
  );
  refuse(rule('a', ['s3:ObjectCreated:*']) + rule('b', ['s3:ObjectCreated:Put']), /overlapping/);
  refuse('<QueueConfiguration><Queue>arn:q</Queue></QueueConfiguration>', /Lambda functions only/);
  // Different prefixes, or different event families, do not overlap.
  assert.equal(
    parseNotificationConfig(
      config(
        rule('a', ['s3:ObjectCreated:*'], filter([['prefix', 'a/']])) +
          rule('b', ['s3:ObjectCreated:*'], filter([['prefix', 'b/']])) +
          rule('c', ['s3:ObjectRemoved:*']),
      ),
      newId,
    ).length,
    3,
  );
});

test('notification matching: event families, wildcards, prefix and suffix', () => {
  const r = {
    id: 'x',
    functionArn: 'f',
    events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'],
    filterRules: [
      { name: 'Prefix', value: 'in/' },
      { name: 'suffix', value: '.jpg' },
    ],
  };
  assert.equal(ruleMatches(r, 'ObjectCreated:Put', 'in/a.jpg'), true);
  assert.equal(ruleMatches(r, 'ObjectCreated:Copy', 'in/a.jpg'), false);
  assert.equal(ruleMatches(r, 'ObjectRemoved:Delete', 'in/a.jpg'), true);
  assert.equal(ruleMatches(r, 'ObjectCreated:Put', 'out/a.jpg'), false);
  assert.equal(ruleMatches(r, 'ObjectCreated:Put', 'in/a.png'), false);
  const spaced = { ...r, filterRules: [{ name: 'prefix', value: 'my+dir/' }] };
  assert.equal(ruleMatches(spaced, 'ObjectCreated:Put', 'my dir/a'), true, 'URL-encoded filter');
});

test('xml: malformed bodies and DOCTYPEs are MalformedXML', () => {
  assert.throws(() => parseXml(Buffer.from('<a><b></a>')), /not well-formed/);
  assert.throws(() => parseXml(Buffer.from('')), /not well-formed/);
  assert.throws(
    () => parseXml(Buffer.from('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')),
    /not well-formed/,
  );
  assert.deepEqual(parseXml(Buffer.from('<a><k> sp &amp; </k></a>')), { a: { k: ' sp & ' } });
});

test('docs: docs/s3.md lists every S3 error code with its status', () => {
  const doc = readFileSync(new URL('../../docs/s3.md', import.meta.url), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| `([A-Za-z0-9]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]),
  );
  for (const [code, spec] of Object.entries(S3_ERRORS)) {
    assert.equal(rows.get(code), spec.status, `docs/s3.md: ${code}`);
  }
  for (const code of rows.keys()) assert.ok(code && code in S3_ERRORS, `${code} is not catalogued`);
});
