import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { request } from './http-load.js';
import { childEnv, freePort, type OwnedChild, sleep, spawnOwned, stopOwned } from './processes.js';

/** A server under load: where its hello answers, and how to stop it. */
export interface Target {
  name: string;
  port: number;
  path: string;
  proc: OwnedChild;
  stop(): Promise<void>;
}

/** Polls until `GET path` answers 200 (or the process exits, or `timeoutMs` passes). */
async function waitFor200(
  proc: OwnedChild,
  port: number,
  p: string,
  timeoutMs: number,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    try {
      const a = await request({ port, method: 'GET', path: p, agent: false, timeoutMs: 5000 });
      if (a.status === 200) return;
    } catch {
      // not up yet
    }
    const exited = await Promise.race([proc.exited, sleep(20).then(() => null)]);
    if (exited) throw new Error(`exited early (${JSON.stringify(exited)}): ${proc.stderrTail()}`);
  }
  throw new Error(`no 200 from :${port}${p} within ${timeoutMs} ms: ${proc.stderrTail()}`);
}

/** shared/bench/peers/node-http/server.js: the physical limit. */
const NODE_HELLO = `
const http = require('node:http');
const body = JSON.stringify({ hello: 'world' });
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

export async function startNodeHttp(cpus: string | undefined): Promise<Target> {
  const port = await freePort();
  const proc = spawnOwned(process.execPath, ['-e', NODE_HELLO], {
    cwd: process.cwd(),
    env: childEnv({ PORT: String(port) }),
    ...(cpus ? { cpus } : {}),
  });
  const stop = () => stopOwned(proc, 3000);
  try {
    await waitFor200(proc, port, '/', 10_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: 'node:http', port, path: '/', proc, stop };
}

/** The hello function, in the HTTP API response shape (as serverless-offline's handler). */
const HELLO = `exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hello: 'world' }),
});`;

function helloZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(HELLO), 'index.js', { mode: 0o100644 });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

async function callApi(port: number, method: 'POST', p: string, body: unknown): Promise<void> {
  const a = await request({
    port,
    method,
    path: p,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    agent: false,
  });
  if (a.status >= 300) throw new Error(`${method} ${p}: ${a.status} ${a.body.toString()}`);
}

/**
 * `nimbus server` (the built CLI) with a hello function behind `GET /hello` on its gateway.
 * Its instances inherit the server's CPU mask.
 */
export async function startNimbusGateway(
  root: string,
  cpus: string | undefined,
): Promise<Target & { health: unknown }> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-gw-'));
  const proc = spawnOwned(
    process.execPath,
    [
      path.join(root, 'bin', 'nimbus.js'),
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--http-port',
      String(httpPort),
      '--data-dir',
      dataDir,
      '--idle-ttl-ms',
      '600000',
      '--max-concurrency',
      '64',
      '--function-max-concurrency',
      '64',
    ],
    { cwd: root, env: childEnv(), ...(cpus ? { cpus } : {}) },
  );
  const stop = async () => {
    await stopOwned(proc);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor200(proc, port, '/health', 30_000);
    const node = `nodejs${process.versions.node.split('.')[0]}.x`;
    await callApi(port, 'POST', '/2015-03-31/functions', {
      FunctionName: 'hello',
      Runtime: node,
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/bench',
      Code: { ZipFile: (await helloZip()).toString('base64') },
    });
    await callApi(port, 'POST', '/nimbus/v1/routes', { route: 'GET /hello', function: 'hello' });
    await waitFor200(proc, httpPort, '/hello', 30_000);
    const h = await request({ port, method: 'GET', path: '/health', agent: false });
    return {
      name: 'nimbus gateway',
      port: httpPort,
      path: '/hello',
      proc,
      stop,
      health: JSON.parse(h.body.toString()),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

const SLS_ENV = {
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  SLS_INTERACTIVE_SETUP_DISABLE: '1',
};

/**
 * serverless-offline (serverless 3.40 + serverless-offline 13.10) from a copy of
 * shared/bench installed with its install.sh; null (with why) when there is none.
 * Its port is fixed by peers/sls-offline/serverless.yml: 8083.
 */
export async function startSlsOffline(
  peersDir: string,
  cpus: string | undefined,
): Promise<Target | { missing: string }> {
  const bin = path.join(peersDir, 'node_modules', 'serverless', 'bin', 'serverless.js');
  if (!existsSync(bin)) {
    return {
      missing: `serverless-offline not installed in ${peersDir} (cp -r ../shared/bench ${peersDir} && ${peersDir}/install.sh)`,
    };
  }
  const proc = spawnOwned(process.execPath, [bin, 'offline', 'start'], {
    cwd: path.join(peersDir, 'peers', 'sls-offline'),
    env: childEnv({ ...SLS_ENV, PORT: '8083' }),
    ...(cpus ? { cpus } : {}),
  });
  const stop = () => stopOwned(proc, 5000);
  try {
    await waitFor200(proc, 8083, '/hello', 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: 'serverless-offline', port: 8083, path: '/hello', proc, stop };
}
