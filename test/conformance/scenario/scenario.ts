import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeZip } from '../../helpers/platform.js';
import { ClientFailure, type Invoked, type Reply, type ScenarioClient } from './client.js';

/** The host node's major, the runtime Nimbus runs. */
export const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;
const REGION_ACCOUNT = 'us-east-1:000000000000';

/** Version `v` of the handler: it reports what it ran with, the layer's module and /opt file included. */
function handlerCode(v: number): Record<string, string> {
  return {
    'index.js': [
      "const fs = require('fs');",
      'const attempt = (f) => { try { return f(); } catch { return null; } };',
      'exports.handler = async (event, context) => {',
      `  console.log('scenario handler v${v}');`,
      '  return {',
      `    v: ${v},`,
      '    event,',
      '    version: context.functionVersion,',
      '    greeting: process.env.GREETING ?? null,',
      "    layer: attempt(() => require('scenario-greet')),",
      "    opt: attempt(() => fs.readFileSync('/opt/data/greeting.txt', 'utf8')),",
      '  };',
      '};',
    ].join('\n'),
  };
}

const LAYER_FILES = {
  'nodejs/node_modules/scenario-greet/index.js': "module.exports = 'greet from the layer';",
  'data/greeting.txt': 'hello from /opt',
};

/**
 * A zip every client accepts (the aws CLI opens `--zip-file` before sending and refuses a
 * non-zip itself) but the server must refuse: its one entry escapes the code root.
 */
async function escapingZip(): Promise<Buffer> {
  // yazl refuses `..` in names, so the name is swapped in afterwards (same length, so
  // the headers stay consistent; the CRC covers only the contents).
  const zip = await makeZip({ 'xx/escape.js': 'exports.handler = async () => 1;' });
  return Buffer.from(zip.toString('latin1').replaceAll('xx/escape.js', '../escape.js'), 'latin1');
}

/** Lambda's CodeSha256: base64 of the zip's SHA-256. */
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

/** Awaits a call the server must refuse: the client's own error code, the status, one attempt. */
export async function expectFailure(
  call: Promise<unknown>,
  code: string,
  status: number,
  opts: { modelled: boolean } = { modelled: true },
): Promise<ClientFailure> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof ClientFailure)) throw e;
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status, e.message);
    if (opts.modelled) assert.ok(e.modelled, `the client raised its modelled ${code}`);
    assert.equal(e.requests.length, 1, `${code}: one attempt, no retries`);
    return e;
  }
  assert.fail(`expected ${code}: the call succeeded`);
}

/** Like Promise.all, but every call has ended before a failure is reported: none outlives the test. */
async function together<T extends readonly unknown[] | []>(
  calls: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  for (const s of await Promise.allSettled(calls)) if (s.status === 'rejected') throw s.reason;
  return Promise.all(calls);
}

/** A successful RequestResponse invoke: 200, no function error; returns the handler's result. */
function ran(r: Reply<Invoked>): Record<string, unknown> {
  assert.equal(r.status, 200);
  assert.equal(r.data.StatusCode, 200);
  assert.equal(r.data.FunctionError, undefined, JSON.stringify(r.data.Payload));
  const out = r.data.Payload;
  assert.ok(typeof out === 'object' && out !== null, 'the handler returned an object');
  return Object.fromEntries(Object.entries(out));
}

export interface ScenarioOptions {
  /** Every function and layer name starts with it, so clients never collide. */
  prefix: string;
  /** The server's URL: every request of the client must go there and nowhere else. */
  endpoint: string;
  /** Instances run under bubblewrap: only there is a layer mounted at /opt itself. */
  sandboxed: boolean;
}

/**
 * The conformance scenario of issue #3 item 10, the same for every client:
 * create → get → list page by page → invoke (raw and base64 payload, Tail log) →
 * update code and config → publish versions → weighted alias → invoke by alias and
 * by version → reserved concurrency 0 throttles → layer at /opt → tags → modelled
 * errors → delete. Calls that do not depend on each other go out together: the aws
 * CLI's Python start-up per call would otherwise make the run long.
 */
export async function runScenario(c: ScenarioClient, o: ScenarioOptions): Promise<void> {
  const fn = `${o.prefix}-scenario`;
  const second = `${o.prefix}-scenario-2`;
  const fnArn = `arn:aws:lambda:${REGION_ACCOUNT}:function:${fn}`;
  const [v1, v2, v3, layerZip, badZip] = await Promise.all([
    makeZip(handlerCode(1)),
    makeZip(handlerCode(2)),
    makeZip(handlerCode(3)),
    makeZip(LAYER_FILES),
    escapingZip(),
  ]);

  // Create with a zip, and a second function so that listing has pages to follow.
  const [created, createdSecond] = await together([
    c.createFunction({ name: fn, zip: v1, runtime: RUNTIME }),
    c.createFunction({ name: second, zip: v1, runtime: RUNTIME }),
  ]);
  assert.equal(created.status, 201);
  assert.equal(created.data.FunctionName, fn);
  assert.equal(created.data.FunctionArn, fnArn);
  assert.equal(created.data.Version, '$LATEST');
  assert.equal(created.data.Runtime, RUNTIME);
  assert.equal(created.data.CodeSha256, sha256(v1));
  assert.equal(createdSecond.status, 201);

  const got = await c.getFunction(fn);
  assert.equal(got.status, 200);
  assert.equal(got.data.Configuration?.FunctionArn, fnArn);
  assert.equal(got.data.Configuration?.RevisionId, created.data.RevisionId);
  assert.equal(got.data.Code?.RepositoryType, 'S3');

  // One function per page, each request carrying the NextMarker of the page before.
  const listed = await c.listFunctionPages();
  const pages = listed.data;
  const names = pages.flatMap((p) => p.names);
  assert.ok(pages.length >= 2, `${pages.length} pages`);
  for (const p of pages) assert.ok(p.names.length <= 1, `a page of ${p.names.length}`);
  assert.equal(names.filter((n) => n === fn || n === second).length, 2, names.join());
  assert.equal(new Set(names).size, names.length, 'no function listed twice');
  assert.equal(pages.at(-1)?.nextMarker, undefined, 'the last page has no NextMarker');
  assert.equal(listed.requests.length, pages.length, 'one request per page');
  listed.requests.forEach((req, i) => {
    const q = new URL(req.url).searchParams;
    assert.equal(q.get('MaxItems'), '1');
    assert.equal(q.get('Marker') ?? undefined, i === 0 ? undefined : pages[i - 1]?.nextMarker);
  });

  // Invoke: a raw JSON payload with the Tail log, and the payload base64 (the aws CLI's default).
  const [tailed, b64] = await together([
    c.invoke({ name: fn, payload: '{"hello":"raw"}', tail: true }),
    c.invoke({ name: fn, payload: '{"hello":"base64"}', form: 'base64' }),
  ]);
  assert.equal(tailed.data.ExecutedVersion, '$LATEST');
  assert.deepEqual(ran(tailed).event, { hello: 'raw' });
  const log = tailed.data.Log ?? '';
  assert.match(log, /^START RequestId: \S+ Version: \$LATEST$/m);
  assert.match(log, /scenario handler v1/);
  assert.match(log, /^END RequestId: \S+$/m);
  assert.match(log, /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms/m);
  assert.deepEqual(ran(b64).event, { hello: 'base64' });

  // Update code (with the current RevisionId), then configuration: both take effect.
  const code2 = await c.updateCode({ name: fn, zip: v2, revisionId: created.data.RevisionId });
  assert.equal(code2.status, 200);
  assert.equal(code2.data.CodeSha256, sha256(v2));
  const cfg = await c.updateConfig({
    name: fn,
    description: 'updated by the scenario',
    timeoutS: 7,
    memoryMb: 256,
    env: { GREETING: 'hi' },
  });
  assert.equal(cfg.status, 200);
  assert.equal(cfg.data.Timeout, 7);
  const [afterUpdate, updatedRun] = await together([
    c.getFunction(fn),
    c.invoke({ name: fn, payload: '{}' }),
  ]);
  const visible = afterUpdate.data.Configuration;
  assert.equal(visible?.Description, 'updated by the scenario');
  assert.equal(visible?.Timeout, 7);
  assert.equal(visible?.MemorySize, 256);
  assert.deepEqual(visible?.Environment?.Variables, { GREETING: 'hi' });
  const updated = ran(updatedRun);
  assert.equal(updated.v, 2, 'the new code runs');
  assert.equal(updated.greeting, 'hi', 'with the new environment');

  // Versions 1 (code v2) and 2 (code v3); an alias sends half of its traffic to 2.
  const pub1 = await c.publishVersion(fn);
  assert.equal(pub1.status, 201);
  assert.equal(pub1.data.Version, '1');
  assert.equal(pub1.data.CodeSha256, sha256(v2));
  await c.updateCode({ name: fn, zip: v3 });
  assert.equal((await c.publishVersion(fn)).data.Version, '2');
  const alias = await c.createAlias({
    name: fn,
    alias: 'live',
    version: '1',
    weights: { '2': 0.5 },
  });
  assert.equal(alias.status, 201);
  assert.equal(alias.data.AliasArn, `${fnArn}:live`);
  assert.equal(alias.data.FunctionVersion, '1');
  assert.deepEqual(alias.data.RoutingConfig?.AdditionalVersionWeights, { '2': 0.5 });
  const [viaAlias1, viaAlias2, viaQualifier, viaName] = await together([
    c.invoke({ name: fn, qualifier: 'live', payload: '{}' }),
    c.invoke({ name: fn, qualifier: 'live', payload: '{}' }),
    c.invoke({ name: fn, qualifier: '1', payload: '{}' }),
    c.invoke({ name: `${fn}:1`, payload: '{}' }),
  ]);
  // Which version an alias call gets is random: only that it is one of the two is certain.
  const codeOf: Record<string, number> = { '1': 2, '2': 3 };
  for (const r of [viaAlias1, viaAlias2]) {
    const executed = r.data.ExecutedVersion ?? '';
    assert.ok(executed in codeOf, `alias executed version ${executed}`);
    const out = ran(r);
    assert.equal(out.v, codeOf[executed], 'the executed version ran its own code');
    assert.equal(out.version, executed);
  }
  for (const r of [viaQualifier, viaName]) {
    assert.equal(r.data.ExecutedVersion, '1');
    assert.equal(ran(r).v, 2);
  }

  // Reserved concurrency 0: every invoke is throttled until it is removed.
  const reserved = await c.putConcurrency(fn, 0);
  assert.equal(reserved.status, 200);
  assert.equal(reserved.data.ReservedConcurrentExecutions, 0);
  await expectFailure(c.invoke({ name: fn, payload: '{}' }), 'TooManyRequestsException', 429);
  const layerName = `${o.prefix}-layer`;
  const [unreserved, layer] = await together([
    c.deleteConcurrency(fn),
    c.publishLayer({ name: layerName, zip: layerZip }),
  ]);
  assert.equal(unreserved.status, 204);

  // A layer (the invoke that reads it also shows the throttle is gone): its Node module
  // resolves, and its files are at /opt.
  assert.equal(layer.status, 201);
  const layerArn = `arn:aws:lambda:${REGION_ACCOUNT}:layer:${layerName}:1`;
  assert.equal(layer.data.LayerVersionArn, layerArn);
  const attached = await c.updateConfig({ name: fn, layers: [layerArn] });
  assert.deepEqual(
    attached.data.Layers?.map((l) => l.Arn),
    [layerArn],
  );
  const layered = ran(await c.invoke({ name: fn, payload: '{}' }));
  assert.equal(layered.v, 3);
  assert.equal(layered.layer, 'greet from the layer');
  // Unsandboxed there is no private /opt: the layer is reached through NODE_PATH only.
  if (o.sandboxed) assert.equal(layered.opt, 'hello from /opt');

  // Tags on the function ARN.
  assert.equal((await c.tag(fnArn, { team: 'core', stage: 'test' })).status, 204);
  assert.deepEqual((await c.listTags(fnArn)).data, { team: 'core', stage: 'test' });
  assert.equal((await c.untag(fnArn, ['stage'])).status, 204);
  assert.deepEqual((await c.listTags(fnArn)).data, { team: 'core' });

  // Refusals, each as the client's own modelled exception.
  const [, , bad] = await together([
    expectFailure(c.getFunction(`${o.prefix}-missing`), 'ResourceNotFoundException', 404),
    expectFailure(
      c.createFunction({ name: fn, zip: v1, runtime: RUNTIME }),
      'ResourceConflictException',
      409,
    ),
    expectFailure(
      c.createFunction({ name: `${o.prefix}-bad-zip`, zip: badZip, runtime: RUNTIME }),
      'InvalidParameterValueException',
      400,
    ),
    expectFailure(
      c.updateConfig({ name: fn, description: 'stale', revisionId: created.data.RevisionId }),
      'PreconditionFailedException',
      412,
    ),
  ]);
  assert.match(bad.message, /escapes the code root/);

  // Delete: the function is gone.
  const deleted = await together([c.deleteFunction(fn), c.deleteFunction(second)]);
  assert.deepEqual(
    deleted.map((d) => d.status),
    [204, 204],
  );
  await expectFailure(c.getFunction(fn), 'ResourceNotFoundException', 404);

  assert.ok(c.sent.length > 0);
  for (const req of c.sent) {
    assert.ok(req.url.startsWith(`${o.endpoint}/`), `a request left the test server: ${req.url}`);
  }
}
