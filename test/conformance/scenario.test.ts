import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/shared/sigv4.js';
import { startAuthServer } from '../helpers/auth-server.js';
import { awsCliClient } from './scenario/aws-cli.js';
import { boto3Client } from './scenario/boto3.js';
import type { ScenarioClient } from './scenario/client.js';
import { expectFailure, runScenario } from './scenario/scenario.js';
import { sdkV3Client } from './scenario/sdk-v3.js';

type MakeClient = (endpoint: string, creds: Credentials, workDir: string) => ScenarioClient;

const CLIENTS: { label: string; prefix: string; make: MakeClient }[] = [
  { label: '@aws-sdk/client-lambda', prefix: 'sdk', make: sdkV3Client },
  { label: 'aws CLI v2 (/usr/bin/aws)', prefix: 'cli', make: awsCliClient },
  { label: 'boto3 (/usr/bin/python3)', prefix: 'boto3', make: boto3Client },
];

// The clients' tests run side by side (each has its own functions): the aws CLI, a
// Python start-up per call, sets the pace.
describe('conformance: one scenario through the SDK v3, the aws CLI and boto3, auth on', {
  concurrency: true,
}, () => {
  let env: Awaited<ReturnType<typeof startAuthServer>> | undefined;
  let key: Credentials;
  let workDir: string;
  // The SDK runs in this process: no AWS_* variable of the host may steer it.
  const hostAwsEnv: Record<string, string | undefined> = {};

  before(async () => {
    for (const k of Object.keys(process.env).filter((k) => k.startsWith('AWS_'))) {
      hostAwsEnv[k] = process.env[k];
      delete process.env[k];
    }
    workDir = mkdtempSync(path.join(tmpdir(), 'nimbus-scenario-'));
    env = await startAuthServer();
    key = await env.server.platform.keys.create('conformance scenario');
  });
  after(async () => {
    await env?.close();
    rmSync(workDir, { recursive: true, force: true });
    Object.assign(process.env, hostAwsEnv);
  });

  /** Runs `body` with a client of `make`, closed whatever happens. */
  async function using(
    make: MakeClient,
    creds: Credentials,
    body: (c: ScenarioClient, endpoint: string) => Promise<void>,
  ): Promise<void> {
    assert.ok(env, 'the server started');
    const endpoint = env.server.url;
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/, 'the server listens on loopback only');
    const c = make(endpoint, creds, mkdtempSync(path.join(workDir, 'client-')));
    try {
      await body(c, endpoint);
    } finally {
      await c.close();
    }
  }

  for (const { label, prefix, make } of CLIENTS) {
    // About 40 CLI runs of 1.5 s each on an idle machine; room for a busy one.
    test(`${label}: the whole scenario, from create to delete`, { timeout: 240_000 }, () =>
      using(make, key, (c, endpoint) =>
        runScenario(c, {
          prefix,
          endpoint,
          sandboxed: env?.server.isolation === 'bwrap',
        }),
      ),
    );
  }

  for (const { label, make } of CLIENTS) {
    test(`${label}: the same setup with a wrong secret is refused: 403 InvalidSignatureException`, () =>
      using(make, { ...key, secretAccessKey: `${key.secretAccessKey.slice(1)}x` }, async (c) => {
        const refused = await expectFailure(
          c.listFunctionPages(),
          'InvalidSignatureException',
          403,
          // Lambda's model has no InvalidSignatureException: clients raise their generic error.
          { modelled: false },
        );
        assert.match(refused.message, /The request signature we calculated does not match/);
      }));
  }
});
