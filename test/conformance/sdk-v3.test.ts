import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  paginateListFunctions,
  ResourceConflictException,
  ResourceNotFoundException,
  type Runtime,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { type RunningServer, startServer } from '../../src/server.js';
import { resolveConfig } from '../../src/shared/config.js';
import { makeZip } from '../helpers/platform.js';

// The SDK types Runtime as an enum of known names; the host's major is one of them.
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x` as Runtime;

describe('conformance: @aws-sdk/client-lambda against a real Nimbus server', () => {
  let server: RunningServer;
  let dataDir: string;
  let lambda: LambdaClient;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-sdk-'));
    server = await startServer(resolveConfig({ dataDir, port: 0, httpPort: 0 }, {}));
    lambda = new LambdaClient({
      endpoint: server.url, // explicit: never the real AWS
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDNIMBUSTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
  });
  after(async () => {
    lambda.destroy();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('create → wait active → invoke → update code → invoke new code → delete', async () => {
    const v1 = await makeZip({
      'index.mjs': 'export const handler = async (e) => ({ v: 1, got: e });',
    });
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'sdk-hello',
        Runtime: RUNTIME,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda',
        Code: { ZipFile: v1 },
        MemorySize: 256,
        Tags: { team: 'core' },
      }),
    );
    assert.equal(created.FunctionName, 'sdk-hello');
    assert.equal(created.MemorySize, 256);
    assert.equal(created.$metadata.httpStatusCode, 201);
    await waitUntilFunctionActiveV2(
      { client: lambda, maxWaitTime: 10 },
      { FunctionName: 'sdk-hello' },
    );

    const r1 = await lambda.send(
      new InvokeCommand({
        FunctionName: 'sdk-hello',
        Payload: Buffer.from('{"a":1}'),
        LogType: 'Tail',
      }),
    );
    assert.equal(r1.StatusCode, 200);
    assert.equal(r1.FunctionError, undefined);
    assert.equal(r1.ExecutedVersion, '$LATEST');
    assert.deepEqual(JSON.parse(Buffer.from(r1.Payload!).toString()), { v: 1, got: { a: 1 } });
    assert.match(Buffer.from(r1.LogResult!, 'base64').toString(), /REPORT RequestId: /);

    const v2 = await makeZip({ 'index.mjs': 'export const handler = async () => ({ v: 2 });' });
    const upd = await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'sdk-hello', ZipFile: v2 }),
    );
    assert.notEqual(upd.CodeSha256, created.CodeSha256);
    const r2 = await lambda.send(new InvokeCommand({ FunctionName: 'sdk-hello' }));
    assert.deepEqual(JSON.parse(Buffer.from(r2.Payload!).toString()), { v: 2 });

    const cfg = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'sdk-hello',
        Timeout: 7,
        Environment: { Variables: { K: 'v' } },
      }),
    );
    assert.equal(cfg.Timeout, 7);
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'sdk-hello' }));
    assert.equal(got.Configuration?.Timeout, 7);
    assert.deepEqual(got.Configuration?.Environment?.Variables, { K: 'v' });
    assert.deepEqual(got.Tags, { team: 'core' });

    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'sdk-hello' }));
    await assert.rejects(
      lambda.send(new GetFunctionCommand({ FunctionName: 'sdk-hello' })),
      (e: unknown) => {
        assert.ok(e instanceof ResourceNotFoundException);
        assert.equal(e.$metadata.httpStatusCode, 404);
        return true;
      },
    );
  });

  test('function errors, ARN names, pagination and modelled exceptions', async () => {
    const zip = await makeZip({
      'index.js': 'exports.handler = async () => { throw new Error("nope"); };',
    });
    for (const n of ['sdk-p1', 'sdk-p2', 'sdk-p3']) {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: n,
          Runtime: RUNTIME,
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/lambda',
          Code: { ZipFile: zip },
        }),
      );
    }
    await assert.rejects(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'sdk-p1',
          Runtime: RUNTIME,
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/lambda',
          Code: { ZipFile: zip },
        }),
      ),
      (e: unknown) => e instanceof ResourceConflictException,
    );
    const err = await lambda.send(
      new InvokeCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:sdk-p1' }),
    );
    assert.equal(err.FunctionError, 'Unhandled');
    assert.equal(JSON.parse(Buffer.from(err.Payload!).toString()).errorMessage, 'nope');

    const names: string[] = [];
    for await (const page of paginateListFunctions({ client: lambda, pageSize: 2 }, {})) {
      assert.ok((page.Functions ?? []).length <= 2);
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
    }
    assert.deepEqual(
      names.filter((n) => n.startsWith('sdk-p')),
      ['sdk-p1', 'sdk-p2', 'sdk-p3'],
    );
  });
});
