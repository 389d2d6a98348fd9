// Shared by the cli-*.test.ts files: a fake Nimbus server that records requests
// and answers from a handler, and a runner for the real CLI as a child process.
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The built CLI (`npm test` builds before running tests): starting it is several times
// faster than loading the TypeScript through tsx, which kept this suite near its time limit.
const CLI = path.join(ROOT, 'bin/nimbus.js');

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CannedAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: unknown;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a fake server on 127.0.0.1, port 0; `handler` picks the answer. */
export async function startFakeServer(
  handler: (req: RecordedRequest) => CannedAnswer,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      const answer = handler(rec);
      const body =
        answer.body === undefined
          ? ''
          : typeof answer.body === 'string' || Buffer.isBuffer(answer.body)
            ? answer.body
            : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/json',
        ...answer.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // listen() on a TCP port always yields an AddressInfo.
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL nobody listens on: a port that was opened, then closed. */
export async function closedPortUrl(): Promise<string> {
  const s = await startFakeServer(() => ({}));
  await s.close();
  return s.url;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  endpoint?: string;
  stdin?: string;
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Called once the child has written something to stdout (e.g. to send it a signal). */
  onStdout?: (child: { kill(signal: NodeJS.Signals): void }, stdout: string) => void;
}

/** Runs `node bin/nimbus.js ...args`; kills it if it outlives the timeout. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  const env = { ...process.env };
  delete env.NIMBUS_ENDPOINT;
  if (opts.endpoint) env.NIMBUS_ENDPOINT = opts.endpoint;
  Object.assign(env, opts.env);
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    opts.onStdout?.(child, stdout);
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A Lambda FunctionConfiguration as the fake server answers it. */
export function functionConfig(name: string, extra: Record<string, unknown> = {}) {
  return {
    FunctionName: name,
    FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    MemorySize: 128,
    Timeout: 3,
    CodeSize: 1536,
    CodeSha256: 'c2hhMjU2LW9mLXRoZS16aXA=',
    Description: '',
    LastModified: '2024-01-01T00:00:00.000+0000',
    Version: '$LATEST',
    State: 'Active',
    ...extra,
  };
}

/** The Lambda error answer: header + `{"Type","Message"}`. */
export function lambdaError(status: number, type: string, message: string): CannedAnswer {
  return {
    status,
    headers: { 'x-amzn-ErrorType': type },
    body: { Type: 'User', Message: message },
  };
}
