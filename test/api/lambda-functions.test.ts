import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { Platform } from '../../src/server.js';
import { createBody, makeZip, testPlatform } from '../helpers/platform.js';

const HELLO = { 'index.js': 'exports.handler = async () => "hi";' };

describe('Lambda API: function management (in-process)', () => {
  let p: Platform;
  let close: () => Promise<void>;
  before(async () => {
    ({ platform: p, close } = await testPlatform());
  });
  after(async () => close());

  const inject = (o: InjectOptions) => p.app.inject(o);

  test('create → get → get configuration → list → delete', async () => {
    const res = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('crud', HELLO, {
        MemorySize: 256,
        Timeout: 5,
        Environment: { Variables: { A: '1' } },
      }),
    });
    assert.equal(res.statusCode, 201);
    const cfg = res.json();
    assert.equal(cfg.FunctionName, 'crud');
    assert.equal(cfg.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:crud');
    assert.equal(cfg.MemorySize, 256);
    assert.equal(cfg.Timeout, 5);
    assert.deepEqual(cfg.Environment, { Variables: { A: '1' } });
    assert.equal(cfg.Version, '$LATEST');
    assert.equal(cfg.State, 'Active');
    const zip = await makeZip(HELLO);
    const { createHash } = await import('node:crypto');
    assert.equal(cfg.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(cfg.CodeSize, zip.length);

    const got = await inject({ method: 'GET', url: '/2015-03-31/functions/crud' });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().Configuration.RevisionId, cfg.RevisionId);
    assert.match(
      got.json().Code.Location,
      /\/nimbus\/v1\/code\/[0-9a-f]{64}\.zip\?Expires=\d+&Signature=[0-9a-f]{64}$/,
    );
    const codeUrl = new URL(got.json().Code.Location);
    const download = await inject({ method: 'GET', url: codeUrl.pathname + codeUrl.search });
    assert.equal(download.statusCode, 200);
    assert.deepEqual(download.rawPayload, zip);
    const tampered = await inject({
      method: 'GET',
      url: `${codeUrl.pathname}?Expires=${codeUrl.searchParams.get('Expires')}&Signature=${'0'.repeat(64)}`,
    });
    assert.equal(tampered.statusCode, 403, 'a presigned link with a wrong signature is refused');

    const conf = await inject({ method: 'GET', url: '/2015-03-31/functions/crud/configuration/' });
    assert.equal(conf.statusCode, 200, 'trailing slash is tolerated');
    assert.equal(conf.json().Handler, 'index.handler');

    const byArn = await inject({
      method: 'GET',
      url: `/2015-03-31/functions/${encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:crud')}`,
    });
    assert.equal(byArn.statusCode, 200, 'a percent-encoded ARN names the function');
    const partial = await inject({
      method: 'GET',
      url: `/2015-03-31/functions/${encodeURIComponent('000000000000:function:crud')}/configuration`,
    });
    assert.equal(partial.statusCode, 200, 'a partial ARN names the function');

    const del = await inject({ method: 'DELETE', url: '/2015-03-31/functions/crud' });
    assert.equal(del.statusCode, 204);
    const gone = await inject({ method: 'GET', url: '/2015-03-31/functions/crud' });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.headers['x-amzn-errortype'], 'ResourceNotFoundException');
    assert.deepEqual(gone.json(), {
      Type: 'User',
      Message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:crud',
    });
  });

  test('list pages with Marker/MaxItems and follows NextMarker to the end', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) {
      const r = await inject({
        method: 'POST',
        url: '/2015-03-31/functions',
        payload: await createBody(n, HELLO),
      });
      assert.equal(r.statusCode, 201);
    }
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const r = await inject({
        method: 'GET',
        url: `/2015-03-31/functions/?MaxItems=2${marker ? `&Marker=${encodeURIComponent(marker)}` : ''}`,
      });
      assert.equal(r.statusCode, 200);
      const body = r.json();
      assert.ok(body.Functions.length <= 2);
      names.push(...body.Functions.map((f: { FunctionName: string }) => f.FunctionName));
      marker = body.NextMarker;
      pages++;
    } while (marker && pages < 10);
    assert.deepEqual(
      names.filter((n) => n.startsWith('page-')),
      ['page-a', 'page-b', 'page-c'],
    );
    assert.ok(pages >= 2);
  });

  test('errors: duplicate create, bad zip, zip-slip, reserved env, bad memory, unknown runtime, missing handler', async () => {
    const dup = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('dup', HELLO),
    });
    assert.equal(dup.statusCode, 201);
    const again = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('dup', HELLO),
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.headers['x-amzn-errortype'], 'ResourceConflictException');
    assert.equal(again.json().Message, 'Function already exist: dup');

    const notZip = JSON.parse(await createBody('badzip', HELLO));
    notZip.Code.ZipFile = Buffer.from('definitely not a zip').toString('base64');
    const bz = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: JSON.stringify(notZip),
    });
    assert.equal(bz.statusCode, 400);
    assert.equal(bz.headers['x-amzn-errortype'], 'InvalidParameterValueException');
    assert.match(bz.json().Message, /Could not unzip uploaded file/);

    // yazl refuses to write `../` names, so write `xx/` and patch the bytes (same length).
    const slipZip = await makeZip({ 'xx/evil.js': 'x', 'index.js': 'x' });
    const patched = Buffer.from(
      slipZip.toString('latin1').replaceAll('xx/evil.js', '../evil.js'),
      'latin1',
    );
    const slipBody = JSON.parse(await createBody('slip', HELLO));
    slipBody.Code.ZipFile = patched.toString('base64');
    const slip = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: JSON.stringify(slipBody),
    });
    assert.equal(slip.statusCode, 400);
    assert.match(slip.json().Message, /\.\.\/evil\.js/);
    const slipGone = await inject({ method: 'GET', url: '/2015-03-31/functions/slip' });
    assert.equal(slipGone.statusCode, 404, 'nothing is stored for a rejected zip');

    const env = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('env', HELLO, { Environment: { Variables: { AWS_REGION: 'x' } } }),
    });
    assert.equal(env.statusCode, 400);
    assert.match(env.json().Message, /reserved keys.*AWS_REGION/);

    const mem = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('mem', HELLO, { MemorySize: 64 }),
    });
    assert.equal(mem.statusCode, 400);
    assert.equal(mem.headers['x-amzn-errortype'], 'ValidationException');
    assert.match(mem.json().message, /memorySize.*greater than or equal to 128/);

    const rt = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('rt', HELLO, { Runtime: 'cobol9' }),
    });
    assert.equal(rt.statusCode, 400);
    assert.match(rt.json().Message, /Value cobol9 at 'runtime'/);

    const noHandler = JSON.parse(await createBody('nh', HELLO));
    delete noHandler.Handler;
    const nh = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: JSON.stringify(noHandler),
    });
    assert.equal(nh.statusCode, 400);

    const badJson = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: '{"FunctionName": ',
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.headers['x-amzn-errortype'], 'InvalidRequestContentException');

    const badName = await inject({ method: 'GET', url: '/2015-03-31/functions/bad%20name' });
    assert.equal(badName.statusCode, 400);
    assert.equal(badName.headers['x-amzn-errortype'], 'ValidationException');

    const unknownOp = await inject({ method: 'GET', url: '/2015-03-31/nothing-here' });
    assert.equal(unknownOp.statusCode, 404);
    assert.equal(unknownOp.headers['x-amzn-errortype'], 'UnknownOperationException');
  });

  test('update code and configuration change RevisionId; a stale RevisionId is refused with 412', async () => {
    const c = await inject({
      method: 'POST',
      url: '/2015-03-31/functions',
      payload: await createBody('upd', HELLO),
    });
    const rev0 = c.json().RevisionId;
    const zip2 = await makeZip({ 'index.js': 'exports.handler = async () => "v2";' });
    const u = await inject({
      method: 'PUT',
      url: '/2015-03-31/functions/upd/code',
      payload: JSON.stringify({ ZipFile: zip2.toString('base64') }),
    });
    assert.equal(u.statusCode, 200);
    assert.notEqual(u.json().RevisionId, rev0);
    assert.notEqual(u.json().CodeSha256, c.json().CodeSha256);
    const stale = await inject({
      method: 'PUT',
      url: '/2015-03-31/functions/upd/configuration',
      payload: JSON.stringify({ MemorySize: 512, RevisionId: rev0 }),
    });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.headers['x-amzn-errortype'], 'PreconditionFailedException');
    const ok = await inject({
      method: 'PUT',
      url: '/2015-03-31/functions/upd/configuration',
      payload: JSON.stringify({
        MemorySize: 512,
        Description: 'd',
        RevisionId: u.json().RevisionId,
      }),
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().MemorySize, 512);
    assert.equal(ok.json().Description, 'd');
    const missing = await inject({
      method: 'PUT',
      url: '/2015-03-31/functions/nope/configuration',
      payload: '{"MemorySize":256}',
    });
    assert.equal(missing.statusCode, 404);
  });

  test('native deploy creates then updates; unknown fields are rejected', async () => {
    const zip = await makeZip(HELLO);
    const runtime = `nodejs${process.versions.node.split('.')[0]}.x`;
    const a = await inject({
      method: 'PUT',
      url: '/nimbus/v1/functions/nat',
      payload: {
        zipFile: zip.toString('base64'),
        runtime,
        handler: 'index.handler',
        initializer: 'index.init',
        flavour: 'fc',
      },
    });
    assert.equal(a.statusCode, 201);
    assert.equal(a.json().created, true);
    assert.deepEqual(a.json().function.Nimbus, {
      Initializer: 'index.init',
      InitializationTimeout: 3,
      Flavour: 'fc',
      Service: 'default',
    });
    const b = await inject({
      method: 'PUT',
      url: '/nimbus/v1/functions/nat',
      payload: { timeoutS: 9 },
    });
    assert.equal(b.statusCode, 200);
    assert.equal(b.json().function.Timeout, 9);
    assert.equal(b.json().function.Handler, 'index.handler');
    const bad = await inject({
      method: 'PUT',
      url: '/nimbus/v1/functions/nat',
      payload: { timeoutS: 9, colour: 'red' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'ValidationException');
    const health = await inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'ok');
  });
});
