import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Clock } from '../../src/shared/clock.js';
import {
  CREDENTIALS_FILE_NAME,
  parseCredentialsIni,
  profileCredentials,
} from '../../src/shared/credentials-file.js';
import type { Credentials } from '../../src/shared/sigv4.js';
import { testPlatform } from '../helpers/platform.js';
import { signedInject } from '../helpers/sigv4.js';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const UNRECOGNIZED = 'The security token included in the request is invalid.';

/** A wall clock the test moves; monotonic time stays real. */
function movableClock(startMs: number): Clock & { set(ms: number): void } {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    monotonicMs: () => performance.now(),
    set: (ms) => {
      nowMs = ms;
    },
  };
}

describe('auth on: SigV4 verification (in-process)', () => {
  const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
  const clock = movableClock(T0);
  const logLines: string[] = [];
  let p: Awaited<ReturnType<typeof testPlatform>>;
  let admin: Credentials;
  before(async () => {
    p = await testPlatform({ auth: 1 }, { clock, authLog: (l) => logLines.push(l) });
    const ini = readFileSync(path.join(p.dataDir, CREDENTIALS_FILE_NAME), 'utf8');
    const creds = profileCredentials(parseCredentialsIni(ini), 'nimbus');
    assert.ok(creds, 'the credentials file has profile nimbus');
    admin = creds;
  });
  after(async () => p.close());
  const app = () => p.platform.app;
  const at = (ms: number) => new Date(ms);

  test('first start: one key, written 0600 to <dataDir>/credentials; no plaintext secret in the store', async () => {
    assert.match(admin.accessKeyId, /^NIMB[A-Z2-7]{16}$/);
    assert.equal(admin.secretAccessKey.length, 40);
    assert.equal(statSync(path.join(p.dataDir, 'credentials')).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(p.dataDir, 'master.key')).mode & 0o777, 0o600);
    assert.equal(p.platform.notes.length, 1);
    assert.ok(p.platform.notes[0]!.includes(path.join(p.dataDir, 'credentials')));
    assert.ok(
      !p.platform.notes[0]!.includes(admin.secretAccessKey),
      'the note never holds the secret',
    );
    const keys = await p.platform.store.accessKeys.list();
    assert.equal(keys.length, 1);
    assert.match(keys[0]!.secretSealed, /^v1:/);
    assert.ok(!keys[0]!.secretSealed.includes(admin.secretAccessKey));
    for (const f of ['nimbus.db', 'nimbus.db-wal']) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path.join(p.dataDir, f));
      } catch {
        continue;
      }
      assert.ok(!bytes.includes(admin.secretAccessKey), `${f} holds no plaintext secret`);
    }
  });

  test('a signed request with the right secret is served; /health needs no signature', async () => {
    const res = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().Functions, []);
    const health = await app().inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().auth, true);
  });

  test('the raw path is verified as sent: percent-encoded names, trailing slash, query, JSON body', async () => {
    const qualified = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions/hello%3A%24LATEST',
      date: at(T0),
    });
    assert.equal(qualified.statusCode, 404, 'signature accepted; the function does not exist');
    assert.equal(qualified.headers['x-amzn-errortype'], 'ResourceNotFoundException');
    const slash = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions/',
      date: at(T0),
      contentSha256: false,
    });
    assert.equal(slash.statusCode, 200, 'awscli sends a trailing slash and no content hash');
    const query = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions?MaxItems=5&Marker=a%20b',
      date: at(T0),
    });
    assert.notEqual(query.statusCode, 403, query.body);
    const posted = await signedInject(app(), admin, {
      method: 'POST',
      url: '/nimbus/v1/keys',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'ci' }),
      date: at(T0),
    });
    assert.equal(posted.statusCode, 201, posted.body);
  });

  test('no Authorization header: 403 UnrecognizedClientException in Lambda shape', async () => {
    const res = await app().inject({ method: 'GET', url: '/2015-03-31/functions' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['x-amzn-errortype'], 'UnrecognizedClientException');
    assert.deepEqual(res.json(), { Type: 'User', Message: UNRECOGNIZED });
    const native = await app().inject({ method: 'GET', url: '/nimbus/v1/keys' });
    assert.equal(native.statusCode, 403);
    assert.deepEqual(native.json(), {
      error: { code: 'UnrecognizedClientException', message: UNRECOGNIZED },
    });
  });

  test('wrong secret: 403 InvalidSignatureException with AWS message', async () => {
    const res = await signedInject(
      app(),
      { accessKeyId: admin.accessKeyId, secretAccessKey: 'x'.repeat(40) },
      { method: 'GET', url: '/2015-03-31/functions', date: at(T0) },
    );
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.equal(res.json().Message, MISMATCH);
  });

  test('unknown access key id: 403 UnrecognizedClientException', async () => {
    const res = await signedInject(
      app(),
      { accessKeyId: 'NIMBAAAAAAAAAAAAAAAA', secretAccessKey: admin.secretAccessKey },
      { method: 'GET', url: '/2015-03-31/functions', date: at(T0) },
    );
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['x-amzn-errortype'], 'UnrecognizedClientException');
    assert.equal(res.json().Message, UNRECOGNIZED);
  });

  test('a body changed after signing is refused, with or without X-Amz-Content-Sha256', async () => {
    for (const contentSha256 of [true, false]) {
      const res = await signedInject(app(), admin, {
        method: 'POST',
        url: '/nimbus/v1/keys',
        headers: { 'content-type': 'application/json' },
        body: '{"description":"a"}',
        tamperedBody: '{"description":"b"}',
        date: at(T0),
        contentSha256,
      });
      assert.equal(res.statusCode, 403, `contentSha256=${contentSha256}`);
      assert.equal(res.json().error.code, 'InvalidSignatureException');
    }
  });

  test('request dates more than 5 minutes off are refused with AWS wording', async () => {
    const old = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0 - 6 * 60_000),
    });
    assert.equal(old.statusCode, 403);
    assert.equal(old.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.equal(
      old.json().Message,
      'Signature expired: 20240601T115400Z is now earlier than 20240601T115500Z (20240601T120000Z - 5 min.)',
    );
    const future = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0 + 6 * 60_000),
    });
    assert.equal(future.statusCode, 403);
    assert.equal(
      future.json().Message,
      'Signature not yet current: 20240601T120600Z is still later than 20240601T120500Z (20240601T120000Z + 5 min.)',
    );
    const edge = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0 - 4 * 60_000),
    });
    assert.equal(edge.statusCode, 200, 'four minutes of skew is fine');
  });

  test('the credential scope must be <date>/<region>/lambda/aws4_request', async () => {
    const s3 = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0),
      service: 's3',
    });
    assert.equal(s3.statusCode, 403);
    assert.equal(s3.json().Message, "Credential should be scoped to correct service: 'lambda'.");
    const region = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0),
      region: 'ap-southeast-2',
    });
    assert.equal(region.statusCode, 200, 'any well-formed region is accepted');
    const badRegion = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0),
      region: 'Mars',
    });
    assert.equal(badRegion.statusCode, 403);
    assert.equal(badRegion.json().Message, 'Credential should be scoped to a valid region.');
  });

  test('an incomplete Authorization header: 400 IncompleteSignatureException', async () => {
    const res = await app().inject({
      method: 'GET',
      url: '/2015-03-31/functions',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${admin.accessKeyId}/20240601` },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['x-amzn-errortype'], 'IncompleteSignatureException');
    assert.match(res.json().Message, /requires 'Signature' parameter/);
    const bearer = await app().inject({
      method: 'GET',
      url: '/2015-03-31/functions',
      headers: { authorization: 'Bearer abc' },
    });
    assert.equal(bearer.statusCode, 400);
  });

  test('unknown routes: 403 without a valid signature, 404 with one', async () => {
    const bad = await signedInject(
      app(),
      { accessKeyId: admin.accessKeyId, secretAccessKey: 'wrong' },
      { method: 'GET', url: '/2015-03-31/nope', date: at(T0) },
    );
    assert.equal(bad.statusCode, 403);
    const good = await signedInject(app(), admin, {
      method: 'GET',
      url: '/2015-03-31/nope',
      date: at(T0),
    });
    assert.equal(good.statusCode, 404);
    assert.equal(good.headers['x-amzn-errortype'], 'UnknownOperationException');
  });

  test('a deleted key stops working at once; the last key cannot be deleted', async () => {
    const created = await signedInject(app(), admin, {
      method: 'POST',
      url: '/nimbus/v1/keys',
      body: '{}',
      date: at(T0),
    });
    assert.equal(created.statusCode, 201);
    const second: Credentials = created.json();
    const before = await signedInject(app(), second, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0),
    });
    assert.equal(before.statusCode, 200);
    const del = await signedInject(app(), admin, {
      method: 'DELETE',
      url: `/nimbus/v1/keys/${second.accessKeyId}`,
      date: at(T0),
    });
    assert.equal(del.statusCode, 204);
    const afterDelete = await signedInject(app(), second, {
      method: 'GET',
      url: '/2015-03-31/functions',
      date: at(T0),
    });
    assert.equal(afterDelete.statusCode, 403);
    assert.equal(afterDelete.headers['x-amzn-errortype'], 'UnrecognizedClientException');

    // Leave only the admin key, then try to delete it.
    const list = await signedInject(app(), admin, {
      method: 'GET',
      url: '/nimbus/v1/keys',
      date: at(T0),
    });
    for (const k of list.json().keys as { accessKeyId: string }[]) {
      if (k.accessKeyId === admin.accessKeyId) continue;
      await signedInject(app(), admin, {
        method: 'DELETE',
        url: `/nimbus/v1/keys/${k.accessKeyId}`,
        date: at(T0),
      });
    }
    const last = await signedInject(app(), admin, {
      method: 'DELETE',
      url: `/nimbus/v1/keys/${admin.accessKeyId}`,
      date: at(T0),
    });
    assert.equal(last.statusCode, 400);
    assert.match(last.json().error.message, /last access key/);
  });

  test('refusals are logged with key id, method, path and reason, never the signature or secret', async () => {
    logLines.length = 0;
    const res = await signedInject(
      app(),
      { accessKeyId: admin.accessKeyId, secretAccessKey: 'not-the-secret' },
      { method: 'GET', url: '/2015-03-31/functions?MaxItems=1', date: at(T0) },
    );
    assert.equal(res.statusCode, 403);
    assert.equal(logLines.length, 1);
    const line = logLines[0]!;
    assert.match(
      line,
      new RegExp(
        `refused GET /2015-03-31/functions \\(key ${admin.accessKeyId}, from .*\\): signature does not match$`,
      ),
    );
    const sentSignature = /Signature=([0-9a-f]{64})/.exec(res.raw.req.headers.authorization ?? '');
    assert.ok(sentSignature, 'the request carried a signature');
    assert.ok(!line.includes(sentSignature[1]!));
    assert.ok(!line.includes('not-the-secret'));
    assert.ok(!line.includes(admin.secretAccessKey));
  });
});

describe('auth off (loopback default): keys API and unsigned requests', () => {
  let p: Awaited<ReturnType<typeof testPlatform>>;
  before(async () => {
    p = await testPlatform();
  });
  after(async () => p.close());

  test('unsigned requests work and a bogus Authorization header is ignored', async () => {
    const res = await p.platform.app.inject({ method: 'GET', url: '/2015-03-31/functions' });
    assert.equal(res.statusCode, 200);
    const bogus = await p.platform.app.inject({
      method: 'GET',
      url: '/2015-03-31/functions',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature=0' },
    });
    assert.equal(bogus.statusCode, 200);
    assert.deepEqual(p.platform.notes, [], 'no key is created while auth is off');
  });

  test('create → list → delete; the secret is shown once and never listed', async () => {
    const created = await p.platform.app.inject({
      method: 'POST',
      url: '/nimbus/v1/keys',
      payload: { description: 'laptop' },
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const key = created.json();
    assert.match(key.accessKeyId, /^NIMB[A-Z2-7]{16}$/);
    assert.match(key.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
    assert.equal(key.description, 'laptop');
    assert.equal(statSync(path.join(p.dataDir, 'master.key')).mode & 0o777, 0o600);

    const list = await p.platform.app.inject({ method: 'GET', url: '/nimbus/v1/keys' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().keys, [
      {
        accessKeyId: key.accessKeyId,
        description: 'laptop',
        createdAtMs: key.createdAtMs,
        lastUsedAtMs: null,
      },
    ]);
    assert.ok(!list.body.includes(key.secretAccessKey));

    const del = await p.platform.app.inject({
      method: 'DELETE',
      url: `/nimbus/v1/keys/${key.accessKeyId}`,
    });
    assert.equal(del.statusCode, 204);
    const again = await p.platform.app.inject({
      method: 'DELETE',
      url: `/nimbus/v1/keys/${key.accessKeyId}`,
    });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'NotFound');
  });

  test('create rejects unknown fields and over-long descriptions', async () => {
    const extra = await p.platform.app.inject({
      method: 'POST',
      url: '/nimbus/v1/keys',
      payload: { description: 'x', admin: true },
    });
    assert.equal(extra.statusCode, 400);
    const long = await p.platform.app.inject({
      method: 'POST',
      url: '/nimbus/v1/keys',
      payload: { description: 'x'.repeat(257) },
    });
    assert.equal(long.statusCode, 400);
  });
});
