import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from './http-load.js';
import { apiCall, createFunction, HTTP_HELLO_SOURCE, helloZip } from './lambda-api.js';
import { type NimbusServer, startNimbus } from './nimbus-server.js';
import { childEnv, freePort, type OwnedChild, sleep, spawnOwned, stopOwned } from './processes.js';

/** A server under load: where its hello answers, and how to stop it. */
export interface Target {
  name: string;
  port: number;
  path: string;
  /** The process whose CPU is the server's (instances of Nimbus are its descendants). */
  pid: number;
  stop(): Promise<void>;
}

/** A peer that could not be run, and why (`not installed ...`). */
export interface Missing {
  missing: string;
}

/**
 * Polls `GET path` every `everyMs` until it answers 200 (or the process exits, or
 * `timeoutMs` passes); resolves the time of the 200 (performance.now()).
 */
export async function waitFor200(
  proc: OwnedChild,
  port: number,
  p: string,
  timeoutMs: number,
  everyMs = 20,
): Promise<number> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    try {
      const a = await request({ port, method: 'GET', path: p, agent: false, timeoutMs: 5000 });
      if (a.status === 200) return performance.now();
    } catch {
      // not up yet
    }
    const exited = await Promise.race([proc.exited, sleep(everyMs).then(() => null)]);
    if (exited) throw new Error(`exited early (${JSON.stringify(exited)}): ${proc.stderrTail()}`);
  }
  throw new Error(`no 200 from :${port}${p} within ${timeoutMs} ms: ${proc.stderrTail()}`);
}

/** shared/bench/peers/node-http/server.js: the physical limit. */
const NODE_HELLO = `
const http = require('node:http');
const body = JSON.stringify({ hello: 'world' });
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** The plain node:http hello server (it drains a request body, so POSTs work too). */
export async function startNodeHttp(cpus: string | undefined): Promise<Target> {
  const port = await freePort();
  const proc = spawnOwned(process.execPath, ['-e', NODE_HELLO], {
    cwd: process.cwd(),
    env: childEnv({ PORT: String(port) }),
    cpus,
  });
  const stop = () => stopOwned(proc, 3000);
  try {
    await waitFor200(proc, port, '/', 10_000, 5);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: 'node:http', port, path: '/', pid: proc.pid, stop };
}

/**
 * `nimbus server` (the built CLI) with a warm hello function behind `GET /hello` on its
 * gateway (HTTP API payload 2.0). Its instances inherit the server's CPU mask.
 */
export async function startNimbusGateway(
  root: string,
  cpus: string | undefined,
  own?: (stop: () => Promise<void>) => void,
  /** More NIMBUS_* settings for the server. */
  env: Record<string, string> = {},
): Promise<Target & { server: NimbusServer }> {
  const server = await startNimbus({
    root,
    cpus,
    ...(own ? { own } : {}),
    // The prewarm pool's background starts would share the server's CPU during the load.
    env: { NIMBUS_PREWARM_POOL_SIZE: '0', ...env },
  });
  try {
    await createFunction(server.port, 'hello', await helloZip(HTTP_HELLO_SOURCE));
    await addRoute(server.port, 'GET /hello', 'hello');
    await waitFor200(server.proc, server.httpPort, '/hello', 30_000);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return {
    name: 'nimbus',
    port: server.httpPort,
    path: '/hello',
    pid: server.pid,
    stop: server.stop,
    server,
  };
}

/** `POST /nimbus/v1/routes`: `route` (`GET /path`) to `fn`. */
export async function addRoute(port: number, route: string, fn: string): Promise<void> {
  const a = await apiCall(port, 'POST', '/nimbus/v1/routes', { route, function: fn });
  if (a.status >= 300) throw new Error(`route ${route}: ${a.status} ${a.text}`);
}

/** The hello worker of shared/bench/peers/workerd (an ES module worker). */
const WORKER_JS = `const body = JSON.stringify({ hello: 'world' });
export default {
  async fetch(request) {
    return new Response(body, { headers: { 'content-type': 'application/json' } });
  },
};
`;

/** workerd's binary in a copy of shared/bench, or why there is none. */
export function workerdBinary(peersDir: string): string | Missing {
  const bin = path.join(peersDir, 'node_modules', '.bin', 'workerd');
  return existsSync(bin) ? bin : { missing: `not installed (no ${bin}; see bench/README.md)` };
}

/**
 * A workerd config for the hello worker on `127.0.0.1:port` (shared/bench's, on a free
 * port), written to a new temp dir; returns the dir.
 */
export function workerdConfig(port: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-workerd-'));
  writeFileSync(path.join(dir, 'worker.js'), WORKER_JS);
  writeFileSync(
    path.join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .helloWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const helloWorker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2024-09-23",
);
`,
  );
  return dir;
}

/**
 * Spawns workerd with a fresh hello config on a free port (not yet waited for);
 * `spawnedAtMs` is performance.now() right before the spawn.
 */
export async function spawnWorkerd(
  bin: string,
  cpus: string | undefined,
): Promise<{ proc: OwnedChild; port: number; spawnedAtMs: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = workerdConfig(port);
  const spawnedAtMs = performance.now();
  const proc = spawnOwned(bin, ['serve', 'config.capnp'], { cwd: dir, env: childEnv(), cpus });
  const stop = async () => {
    await stopOwned(proc, 3000);
    rmSync(dir, { recursive: true, force: true });
  };
  return { proc, port, spawnedAtMs, stop };
}

/** workerd (Cloudflare's Workers runtime) serving the hello worker, up and answering. */
export async function startWorkerd(
  peersDir: string,
  cpus: string | undefined,
): Promise<Target | Missing> {
  const bin = workerdBinary(peersDir);
  if (typeof bin !== 'string') return bin;
  const w = await spawnWorkerd(bin, cpus);
  try {
    await waitFor200(w.proc, w.port, '/', 30_000, 5);
  } catch (e) {
    await w.stop();
    throw e;
  }
  return { name: 'workerd', port: w.port, path: '/', pid: w.proc.pid, stop: w.stop };
}

const SLS_ENV = {
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  SLS_INTERACTIVE_SETUP_DISABLE: '1',
};

/**
 * serverless-offline (serverless 3.40 + serverless-offline 13.10) from a copy of
 * shared/bench installed with its install.sh, on free ports (its serverless.yml's 8083 /
 * 8093 / 8094 are overridden on the command line).
 */
export async function startSlsOffline(
  peersDir: string,
  cpus: string | undefined,
): Promise<Target | Missing> {
  const bin = path.join(peersDir, 'node_modules', 'serverless', 'bin', 'serverless.js');
  const cwd = path.join(peersDir, 'peers', 'sls-offline');
  if (!existsSync(bin) || !existsSync(cwd)) {
    return { missing: `not installed (no ${bin}; see bench/README.md)` };
  }
  const [port, lambdaPort, wsPort] = [await freePort(), await freePort(), await freePort()];
  const argv = [bin, 'offline', 'start', '--httpPort', String(port)];
  argv.push('--lambdaPort', String(lambdaPort), '--websocketPort', String(wsPort));
  const proc = spawnOwned(process.execPath, argv, { cwd, env: childEnv(SLS_ENV), cpus });
  const stop = () => stopOwned(proc, 5000);
  try {
    await waitFor200(proc, port, '/hello', 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: 'serverless-offline', port, path: '/hello', pid: proc.pid, stop };
}
