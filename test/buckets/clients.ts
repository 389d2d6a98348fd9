import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before } from 'node:test';
import { CreateBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { REGION, type S3TestServer, startS3Server } from './server.js';

/** Keys that need encoding on the wire: spaces, plus, percent, unicode, slashes. */
export const KEYS = [
  'plain.txt',
  'with space.txt',
  'plus+sign.txt',
  '100% done.txt',
  'ünïcödé/日本語 ✓.txt',
  'a/b/c.txt',
];

/** An SDK v3 client for the test server: path style, explicit region and dummy credentials. */
export function sdkClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

/** Only dummy credentials, no config files, no instance metadata: nothing leaves loopback. */
export function clientEnv(): Record<string, string> {
  return {
    PATH: '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

export interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program (no shell) with `clientEnv()`, killed if it outlives `timeoutMs`. */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; stdin?: string } = {},
): Promise<Run> {
  const child = spawn(cmd, args, { env: clientEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** Debian's AWS CLI v2 (`/usr/bin/aws`) against `endpoint`; throws on a non-zero exit. */
export async function aws(endpoint: string, args: string[], timeoutMs?: number): Promise<Buffer> {
  const r = await run('/usr/bin/aws', ['--endpoint-url', endpoint, '--region', REGION, ...args], {
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Like `aws`, but answers the exit code and stderr instead of throwing. */
export function awsTry(endpoint: string, args: string[]): Promise<Run> {
  return run('/usr/bin/aws', ['--endpoint-url', endpoint, '--region', REGION, ...args]);
}

/** Runs a Python script with Debian's boto3 (`/usr/bin/python3`); its stdout as JSON. */
export async function python(script: string, args: string[]): Promise<unknown> {
  const r = await run('/usr/bin/python3', ['-c', script, ...args], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`python exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.toString('utf8')) as unknown;
}

/** A raw HTTP request (for what no SDK sends: malformed bodies, wrong digests). */
export async function raw(
  endpoint: string,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The S3 error code and status an SDK call fails with (HEAD failures are named `NotFound` etc.). */
export async function errorOf(
  p: Promise<unknown>,
): Promise<{ code: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException)
      return { code: e.name, status: e.$metadata.httpStatusCode };
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** MD5 hex, as a single-PUT ETag carries it. */
export function md5Hex(b: Buffer | string): string {
  return createHash('md5').update(b).digest('hex');
}

/**
 * Registers before/after hooks in the current `describe`: a test server with
 * `bucket` created, and an SDK client for it.
 */
export function useSdkServer(bucket: string): {
  server: () => S3TestServer;
  client: () => S3Client;
} {
  let s: S3TestServer | undefined;
  let c: S3Client | undefined;
  before(async () => {
    s = await startS3Server();
    c = sdkClient(s.endpoint);
    await c.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    c?.destroy();
    await s?.close();
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useSdkServer: used outside its tests');
    return v;
  };
  return { server: () => need(s), client: () => need(c) };
}
