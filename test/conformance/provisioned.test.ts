import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  ProvisionedConcurrencyConfigNotFoundException,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  type Runtime,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { type CliServer, runNimbus, startNimbusServer } from '../helpers/cli-server.js';
import { makeZip } from '../helpers/platform.js';
import { AWS_CLI } from './scenario/aws-cli.js';
import { clientEnv, runChild, stopChild } from './scenario/child.js';

// The SDK types Runtime as an enum of known names; the host's major is one of them.
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x` as Runtime;

/** What the function reports: how it was initialised, which version, and its environment's names. */
const HANDLER = `exports.handler = async () => ({ init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE,
  version: process.env.AWS_LAMBDA_FUNCTION_VERSION, env: Object.keys(process.env).sort() });`;

/** The server's environment: none of it may reach a sandbox. */
const SERVER_ENV = {
  NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
  NIMBUS_TEST_SECRET_TOKEN: 'hunter2',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Host pids of the node processes serving code tagged `// <tag>` (each code version of the
 * test function carries its own tag), found through each process's view of /var/task.
 */
function pidsServing(tag: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'node') continue;
      if (readFileSync(`/proc/${d}/root/var/task/index.js`, 'utf8').endsWith(`// ${tag}\n`))
        pids.push(Number(d));
    } catch {
      // gone, not a sandbox, or a prewarmed one with no code yet
    }
  }
  return pids;
}

describe('conformance: provisioned concurrency through the AWS SDK v3 and the aws CLI, against a nimbus server process', () => {
  let server: CliServer;
  let dataDir: string;
  let lambda: LambdaClient;
  const fn = `pc-${randomBytes(4).toString('hex')}`;
  /** The code of one version, tagged so its processes can be told apart. */
  const code = (v: string) => makeZip({ 'index.js': `${HANDLER}\n// ${fn} ${v}\n` });

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-pc-'));
    server = await startNimbusServer(dataDir, [], SERVER_ENV);
    lambda = new LambdaClient({
      endpoint: server.url, // explicit: never the real AWS
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDNIMBUSTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const zip = await code('v1');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: RUNTIME,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip },
      }),
    );
    await lambda.send(new PublishVersionCommand({ FunctionName: fn })); // version 1
  });
  after(async () => {
    lambda.destroy();
    await stopChild(server.child, 5000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const health = async () =>
    (
      (await (await fetch(`${server.url}/health`)).json()) as {
        instances: { provisioned: number; prewarmed: number; instances: number };
      }
    ).instances;
  /** Polls Get until the status is `status` (or time runs out) and returns the last answer. */
  async function waitStatus(qualifier: string, status: string) {
    let last = await lambda.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier }),
    );
    for (let i = 0; i < 100 && last.Status !== status; i++) {
      await sleep(100);
      last = await lambda.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier }),
      );
    }
    return last;
  }
  /** Invokes with the log tail; returns the payload and the REPORT line. */
  async function invoke(qualifier: string) {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: fn, Qualifier: qualifier, LogType: 'Tail' }),
    );
    const log = Buffer.from(r.LogResult ?? '', 'base64').toString();
    return {
      payload: JSON.parse(Buffer.from(r.Payload ?? []).toString()) as {
        init: string;
        version: string;
        env: string[];
      },
      report: log.split('\n').find((l) => l.startsWith('REPORT')) ?? '',
    };
  }

  test('put on a version: IN_PROGRESS, then READY with every instance started before any invoke; the first invoke is provisioned, with no Init Duration', async () => {
    const put = await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: fn,
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 2,
      }),
    );
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(put.Status, 'IN_PROGRESS');
    assert.ok(put.LastModified);
    const ready = await waitStatus('1', 'READY');
    assert.equal(ready.Status, 'READY');
    assert.equal(ready.AvailableProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal((await health()).provisioned, 2, 'both instances run before any invoke');
    assert.equal(pidsServing(`${fn} v1`).length, 2);
    const first = await invoke('1');
    assert.equal(first.payload.init, 'provisioned-concurrency');
    assert.equal(first.payload.version, '1');
    assert.doesNotMatch(first.report, /Init Duration/);
    assert.match(first.report, /Start Type: provisioned/);
    assert.equal((await health()).instances, 2, 'no on-demand instance was started');
  });

  test('a provisioned instance whose process is killed is replaced', async () => {
    const before = pidsServing(`${fn} v1`);
    assert.equal(before.length, 2);
    process.kill(before[0] as number, 'SIGKILL');
    let now: number[] = [];
    for (let i = 0; i < 100; i++) {
      await sleep(100);
      now = pidsServing(`${fn} v1`);
      if (now.length === 2 && !now.includes(before[0] as number)) break;
    }
    assert.equal(now.length, 2, 'two again');
    assert.ok(!now.includes(before[0] as number), 'a new process');
    assert.equal((await waitStatus('1', 'READY')).AvailableProvisionedConcurrentExecutions, 2);
  });

  test('no variable of the server reaches a sandbox: cold, prewarmed or provisioned', async () => {
    const leaks = (env: string[]) =>
      env.filter((k) => k in SERVER_ENV || k.startsWith('NIMBUS_TEST'));
    const provisioned = await invoke('1');
    assert.deepEqual(leaks(provisioned.payload.env), []);
    // $LATEST starts on demand: cold or from the prewarm pool, both checked.
    const cold = await invoke('$LATEST');
    assert.deepEqual(leaks(cold.payload.env), []);
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: fn,
        ZipFile: await code('latest'),
      }),
    );
    for (let i = 0; i < 50 && (await health()).prewarmed < 1; i++) await sleep(100);
    const pooled = await invoke('$LATEST');
    assert.match(pooled.report, /Start Type: prewarmed/);
    assert.deepEqual(leaks(pooled.payload.env), []);
    assert.deepEqual(pooled.payload.env, cold.payload.env, 'the same variables as a cold start');
  });

  test('an alias: provisioned for the version it points at; re-pointing it moves the instances', async () => {
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: fn, ZipFile: await code('v2') }),
    );
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    assert.equal(v2.Version, '2');
    await lambda.send(
      new CreateAliasCommand({ FunctionName: fn, Name: 'live', FunctionVersion: '2' }),
    );
    await lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: fn,
        Qualifier: 'live',
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    assert.equal((await waitStatus('live', 'READY')).Status, 'READY');
    const viaAlias = await invoke('live');
    assert.equal(viaAlias.payload.version, '2');
    assert.match(viaAlias.report, /Start Type: provisioned/);
    const list = await lambda.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: fn }),
    );
    assert.deepEqual(
      list.ProvisionedConcurrencyConfigs?.map((c) => [c.FunctionArn?.split(':').at(-1), c.Status]),
      [
        ['1', 'READY'],
        ['live', 'READY'],
      ],
    );
    // Version 1 is provisioned itself: an alias to it may not be provisioned too.
    await lambda.send(
      new CreateAliasCommand({ FunctionName: fn, Name: 'old', FunctionVersion: '1' }),
    );
    await assert.rejects(
      lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: fn,
          Qualifier: 'old',
          ProvisionedConcurrentExecutions: 1,
        }),
      ),
      ResourceConflictException,
    );
    // Re-pointed: the alias's instances are now of version 3.
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: fn,
        ZipFile: await code('v3'),
      }),
    );
    const v3 = await lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    assert.equal(v3.Version, '3');
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: fn, Name: 'live', FunctionVersion: '3' }),
    );
    for (let i = 0; i < 100 && pidsServing(`${fn} v2`).length > 0; i++) await sleep(100);
    assert.equal(pidsServing(`${fn} v2`).length, 0, "version 2's provisioned instance went");
    for (let i = 0; i < 100 && pidsServing(`${fn} v3`).length < 1; i++) await sleep(100);
    assert.equal(pidsServing(`${fn} v3`).length, 1, 'version 3 has one');
    assert.equal(pidsServing(`${fn} v1`).length, 2, 'version 1 kept its own');
    assert.equal((await waitStatus('live', 'READY')).Status, 'READY');
    const moved = await invoke('live');
    assert.equal(moved.payload.version, '3');
    assert.match(moved.report, /Start Type: provisioned/);
  });

  test('delete: the instances go; Get then says ProvisionedConcurrencyConfigNotFoundException', async () => {
    await lambda.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: 'live' }),
    );
    const del = await lambda.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: '1' }),
    );
    assert.equal(del.$metadata.httpStatusCode, 204);
    for (let i = 0; i < 50 && (await health()).provisioned > 0; i++) await sleep(100);
    assert.equal((await health()).provisioned, 0);
    for (let i = 0; i < 50 && pidsServing(`${fn} v3`).length > 0; i++) await sleep(100);
    assert.equal(pidsServing(`${fn} v1`).length + pidsServing(`${fn} v3`).length, 0);
    await assert.rejects(
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: '1' })),
      ProvisionedConcurrencyConfigNotFoundException,
    );
  });

  test('refused: $LATEST, an unknown version or alias, zero executions, more than the reserved concurrency', async () => {
    const put = (qualifier: string, n: number) =>
      lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: fn,
          Qualifier: qualifier,
          ProvisionedConcurrentExecutions: n,
        }),
      );
    await assert.rejects(put('$LATEST', 1), (e: Error) => {
      assert.ok(e instanceof InvalidParameterValueException);
      assert.match(e.message, /unpublished function versions/);
      return true;
    });
    await assert.rejects(put('99', 1), ResourceNotFoundException);
    await assert.rejects(put('nosuchalias', 1), ResourceNotFoundException);
    await assert.rejects(put('1', 0), (e: Error) => e.name === 'ValidationException');
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: fn, ReservedConcurrentExecutions: 1 }),
    );
    await assert.rejects(put('1', 2), InvalidParameterValueException);
    assert.equal((await health()).provisioned, 0, 'nothing was started for a refused request');
  });

  test('the aws CLI: put-provisioned-concurrency-config, get, list, delete', async () => {
    const env = clientEnv({ accessKeyId: 'AKIDNIMBUSTEST', secretAccessKey: 'secret' }, dataDir);
    const aws = async (args: string[]) => {
      const r = await runChild(
        AWS_CLI,
        [
          '--endpoint-url',
          server.url,
          '--region',
          'us-east-1',
          '--output',
          'json',
          'lambda',
          ...args,
        ],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout.trim() || '{}') as Record<string, unknown>;
    };
    const put = await aws([
      'put-provisioned-concurrency-config',
      '--function-name',
      fn,
      '--qualifier',
      '1',
      '--provisioned-concurrent-executions',
      '1',
    ]);
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 1);
    assert.equal(put.Status, 'IN_PROGRESS');
    assert.equal((await waitStatus('1', 'READY')).Status, 'READY');
    const got = await aws([
      'get-provisioned-concurrency-config',
      '--function-name',
      fn,
      '--qualifier',
      '1',
    ]);
    assert.equal(got.AvailableProvisionedConcurrentExecutions, 1);
    const list = await aws(['list-provisioned-concurrency-configs', '--function-name', fn]);
    assert.equal((list.ProvisionedConcurrencyConfigs as unknown[]).length, 1);
    // And `nimbus info` shows it.
    const info = await runNimbus(['--endpoint', server.url, 'info', fn]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^provisioned +1: 1\/1 READY$/m);
  });

  test('after a server restart the provisioned instances are started again', async () => {
    await stopChild(server.child, 5000);
    server = await startNimbusServer(dataDir, [], SERVER_ENV);
    lambda.destroy();
    lambda = new LambdaClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDNIMBUSTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
    const ready = await waitStatus('1', 'READY');
    assert.equal(ready.AvailableProvisionedConcurrentExecutions, 1);
    assert.equal((await health()).provisioned, 1);
    const r = await invoke('1');
    assert.match(r.report, /Start Type: provisioned/);
  });
});
