import { spawn } from 'node:child_process';
import { SQSClient } from '@aws-sdk/client-sqs';
import { TEST_ARN } from './sqs-server.js';

/** Debian's AWS CLI v2 and Python (with boto3), never the pyenv ones on PATH. */
export const AWS_CLI = '/usr/bin/aws';
export const PYTHON = '/usr/bin/python3';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Dummy credentials only, no config or credentials file, no instance metadata,
 * so nothing a client does leaves loopback.
 */
export function awsEnv(): Record<string, string> {
  return {
    PATH: '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'dummy-secret',
    AWS_DEFAULT_REGION: TEST_ARN.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

/** Runs a client as a child (no shell), killed by pid if it outlives `timeoutMs`. */
export function run(cmd: string, args: string[], o: { stdin?: string; timeoutMs?: number } = {}) {
  const child = spawn(cmd, args, { env: awsEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  child.stdin.end(o.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
  return new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `aws sqs <args> --endpoint-url … --region …`, parsed as JSON when it succeeds. */
export async function awsSqs(endpoint: string, ...args: string[]) {
  const r = await run(AWS_CLI, [
    'sqs',
    ...args,
    '--endpoint-url',
    endpoint,
    '--region',
    TEST_ARN.region,
    '--output',
    'json',
  ]);
  const json: unknown = r.code === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : null;
  return { ...r, json: json as Record<string, unknown> | null };
}

/** An SDK v3 client for the test endpoint (explicit endpoint, region and dummy credentials). */
export function sdkClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: TEST_ARN.region,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'dummy-secret' },
    maxAttempts: 1,
  });
}
