import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateFunctionCommand, LambdaClient, type Runtime } from '@aws-sdk/client-lambda';
import type { Credentials } from '../../src/shared/sigv4.js';
import { startAuthServer } from '../helpers/auth-server.js';
import { makeZip } from '../helpers/platform.js';
import { runCli } from '../unit/cli-harness.js';

// The SDK types Runtime as an enum of known names; the host's major is one of them.
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x` as Runtime;
const WRONG_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client as a child (no shell), killed if it outlives the timeout. */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Only these credentials, no config or credentials file, no instance metadata. */
function awsEnv(creds: Credentials): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

// boto3 against the endpoint only; prints what happened as one JSON line.
const BOTO3_SCRIPT = `
import json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
                 config=Config(retries={'max_attempts': 1}))
try:
    names = [f['FunctionName'] for f in c.list_functions()['Functions']]
    out = c.invoke(FunctionName='cli-hello', Payload=b'{"from":"boto3"}')
    print(json.dumps({'ok': True, 'names': names, 'payload': json.loads(out['Payload'].read())}))
except ClientError as e:
    print(json.dumps({'ok': False, 'code': e.response['Error']['Code'],
                      'status': e.response['ResponseMetadata']['HTTPStatusCode']}))
`;

describe('conformance: AWS CLI, boto3 and the nimbus CLI against a server with auth on', () => {
  let env: Awaited<ReturnType<typeof startAuthServer>>;
  let cwd: string;
  const unknown: Credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' };
  before(async () => {
    env = await startAuthServer();
    cwd = mkdtempSync(path.join(tmpdir(), 'nimbus-cli-cwd-'));
    const lambda = new LambdaClient({
      endpoint: env.server.url, // explicit: never the real AWS
      region: 'us-east-1',
      credentials: env.admin,
      maxAttempts: 1,
    });
    try {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'cli-hello',
          Runtime: RUNTIME,
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/lambda',
          Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async (e) => e;' }) },
        }),
      );
    } finally {
      lambda.destroy();
    }
  });
  after(async () => {
    await env.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const aws = (creds: Credentials, ...args: string[]) =>
    run(
      '/usr/bin/aws',
      ['--endpoint-url', env.server.url, '--region', 'us-east-1', 'lambda', ...args],
      awsEnv(creds),
    );

  test('aws CLI: list-functions and invoke signed with the right secret', async () => {
    const listed = await aws(env.admin, 'list-functions');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      JSON.parse(listed.stdout).Functions.map((f: { FunctionName: string }) => f.FunctionName),
      ['cli-hello'],
    );
    const got = await aws(
      env.admin,
      'get-function-configuration',
      '--function-name',
      'cli-hello:$LATEST',
    );
    assert.equal(got.code, 0, got.stderr);
    const outFile = path.join(cwd, 'out.json');
    const invoked = await aws(
      env.admin,
      'invoke',
      '--function-name',
      'cli-hello',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      '{"from":"awscli"}',
      outFile,
    );
    assert.equal(invoked.code, 0, invoked.stderr);
  });

  test('aws CLI: a wrong secret and an unknown key fail as on AWS', async () => {
    const wrong = await aws({ ...env.admin, secretAccessKey: WRONG_SECRET }, 'list-functions');
    assert.notEqual(wrong.code, 0);
    assert.match(
      wrong.stderr,
      /\(InvalidSignatureException\).*The request signature we calculated/,
    );
    const stranger = await aws(unknown, 'list-functions');
    assert.notEqual(stranger.code, 0);
    assert.match(
      stranger.stderr,
      /\(UnrecognizedClientException\).*The security token included in the request is invalid\./,
    );
  });

  test('boto3: the right secret works, a wrong one and an unknown key do not', async () => {
    const py = (creds: Credentials) =>
      run('python3', ['-c', BOTO3_SCRIPT, env.server.url], awsEnv(creds));
    const ok = await py(env.admin);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), {
      ok: true,
      names: ['cli-hello'],
      payload: { from: 'boto3' },
    });
    const wrong = await py({ ...env.admin, secretAccessKey: WRONG_SECRET });
    assert.deepEqual(JSON.parse(wrong.stdout), {
      ok: false,
      code: 'InvalidSignatureException',
      status: 403,
    });
    const stranger = await py(unknown);
    assert.deepEqual(JSON.parse(stranger.stdout), {
      ok: false,
      code: 'UnrecognizedClientException',
      status: 403,
    });
  });

  test('nimbus CLI: keys create → list → delete; a deleted key is refused at once', async () => {
    // Nothing inherited: credentials come from the server's data dir or these variables.
    const blank = {
      // A data dir without a credentials file (the CLI runs from the repo root).
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      NIMBUS_ACCESS_KEY_ID: '',
      NIMBUS_SECRET_ACCESS_KEY: '',
      NIMBUS_PROFILE: '',
      NIMBUS_CREDENTIALS_FILE: '',
      NIMBUS_DATA_DIR: path.join(cwd, 'no-data-dir'),
    };
    const nimbus = (args: string[], extra: Record<string, string> = {}) =>
      runCli(args, { endpoint: env.server.url, env: { ...blank, ...extra } });
    const asAdmin = { NIMBUS_DATA_DIR: env.dataDir };

    const created = await nimbus(['--json', 'keys', 'create', '--description', 'ci'], asAdmin);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as Credentials & { description: string };
    assert.match(key.accessKeyId, /^NIMB[A-Z2-7]{16}$/);
    assert.equal(key.secretAccessKey.length, 40);
    assert.equal(key.description, 'ci');

    const listed = await nimbus(['keys', 'list'], asAdmin);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${key.accessKeyId} .* ci$`, 'm'));
    assert.match(listed.stdout, new RegExp(`^${env.admin.accessKeyId} `, 'm'));
    assert.ok(!listed.stdout.includes(key.secretAccessKey), 'list never shows a secret');
    assert.ok(!listed.stdout.includes(env.admin.secretAccessKey), 'list never shows a secret');

    const asKey = {
      NIMBUS_ACCESS_KEY_ID: key.accessKeyId,
      NIMBUS_SECRET_ACCESS_KEY: key.secretAccessKey,
    };
    const ls = await nimbus(['ls'], asKey);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^cli-hello /m);
    const byProfile = await nimbus([
      '--profile',
      'nimbus',
      '--credentials-file',
      path.join(env.dataDir, 'credentials'),
      'ls',
    ]);
    assert.equal(byProfile.code, 0, byProfile.stderr);

    const deleted = await nimbus(['keys', 'delete', key.accessKeyId], asAdmin);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout.trim(), `deleted ${key.accessKeyId}`);
    const refused = await nimbus(['ls'], asKey);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `UnrecognizedClientException: .* \\(signed with ${key.accessKeyId} from NIMBUS_ACCESS_KEY_ID\\)`,
      ),
    );
    assert.ok(!refused.stderr.includes(key.secretAccessKey));
  });

  test('nimbus CLI: unsigned requests are refused with a hint on how to sign', async () => {
    const r = await runCli(['ls'], {
      endpoint: env.server.url,
      env: {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        NIMBUS_ACCESS_KEY_ID: '',
        NIMBUS_SECRET_ACCESS_KEY: '',
        NIMBUS_PROFILE: '',
        NIMBUS_CREDENTIALS_FILE: '',
        NIMBUS_DATA_DIR: path.join(cwd, 'no-data-dir'),
      },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /UnrecognizedClientException: .*not signed: set NIMBUS_ACCESS_KEY_ID/);
  });
});
