import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from './http-load.js';
import { createFunction, helloZip } from './lambda-api.js';
import { childEnv, freePort, type OwnedChild, sleep, spawnOwned, stopOwned } from './processes.js';

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtimeMs(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Compiles src/ into dist/ when dist/ is missing or older than any source file.
 * Returns what happened, for the results file. tsc still emits on type errors
 * (another engineer may be mid-edit), so those are reported, not fatal.
 * Synchronous (bench/gateway.ts relies on that): a signal is handled once tsc is done.
 */
export function ensureBuilt(root: string): 'up-to-date' | 'built' | 'built-with-type-errors' {
  let builtMs = 0;
  try {
    builtMs = statSync(path.join(root, 'dist', 'server.js')).mtimeMs;
  } catch {
    // not built yet
  }
  if (builtMs > newestMtimeMs(path.join(root, 'src'))) return 'up-to-date';
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status === 0) return 'built';
  if (r.error || r.status === null) {
    throw new Error(`tsc did not finish: ${r.error?.message ?? r.signal ?? 'unknown'}`);
  }
  process.stderr.write(`warning: tsc reported errors; measuring what it emitted\n${r.stdout}`);
  return 'built-with-type-errors';
}

/** A running `nimbus server` we started. */
export interface NimbusServer {
  port: number;
  /** The HTTP gateway's port. */
  httpPort: number;
  pid: number;
  dataDir: string;
  /** /health's answer once it came up. */
  health: Record<string, unknown>;
  proc: OwnedChild;
  /** SIGTERM, bounded wait, SIGKILL; then removes the data dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  root: string;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Extra `nimbus server` flags (later ones win), e.g. ['--max-concurrency', '256']. */
  serverArgs?: string[];
  /** Extra environment (NIMBUS_* settings that have no flag). */
  env?: Record<string, string>;
  /** Pins the server, and so its instances, to these CPUs (taskset list, e.g. "0"). */
  cpus?: string | undefined;
  startTimeoutMs?: number;
  /** Called as soon as the process exists with its stop function, so a signal during start cleans up. */
  own?(stop: () => Promise<void>): void;
  /** A data dir of the caller's (kept on stop) instead of a fresh temp one, e.g. to restart on it. */
  dataDir?: string;
}

/**
 * Starts the real CLI: `node bin/nimbus.js server` on free 127.0.0.1 ports with
 * a fresh temp data dir, and waits for `GET /health` to answer 200.
 */
export async function startNimbus(o: StartOptions): Promise<NimbusServer> {
  const port = await freePort();
  const httpPort = await freePort();
  const ownsData = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-'));
  const argv = [
    ...(o.nodeFlags ?? []),
    path.join(o.root, 'bin', 'nimbus.js'),
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
    '--function-max-concurrency',
    '64',
    '--max-concurrency',
    '64',
    ...(o.serverArgs ?? []),
  ];
  let proc: OwnedChild;
  try {
    proc = spawnOwned(process.execPath, argv, {
      cwd: o.root,
      env: childEnv(o.env),
      cpus: o.cpus,
    });
  } catch (e) {
    if (ownsData) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopOwned(proc);
    if (ownsData) rmSync(dataDir, { recursive: true, force: true });
    // The server removes its socket folder (/tmp/nimbus-run-<pid>-*, src/server.ts) on a
    // clean stop; not if it had to be killed.
    for (const e of readdirSync('/tmp')) {
      if (!e.startsWith(`nimbus-run-${proc.pid}-`)) continue;
      try {
        rmSync(path.join('/tmp', e), { recursive: true, force: true });
      } catch {
        // A killed server's code mounts are still there: the next server's stale sweep
        // (src/sandbox/stale.ts) takes them.
      }
    }
  };
  o.own?.(stop);
  try {
    const health = await waitHealthy(proc, port, o.startTimeoutMs ?? 30_000);
    return { port, httpPort, pid: proc.pid, dataDir, health, proc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitHealthy(
  proc: OwnedChild,
  port: number,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    try {
      const a = await request({
        port,
        method: 'GET',
        path: '/health',
        agent: false,
        timeoutMs: 2000,
      });
      // Our own server's /health: a JSON object.
      if (a.status === 200) return JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      // not listening yet
    }
    const exited = await Promise.race([proc.exited, sleep(20).then(() => null)]);
    if (exited) {
      throw new Error(
        `nimbus server exited early (${JSON.stringify(exited)}): ${proc.stderrTail()}`,
      );
    }
  }
  throw new Error(
    `nimbus server did not answer /health within ${timeoutMs} ms: ${proc.stderrTail()}`,
  );
}

/**
 * Runs `fn` with a fresh server (prewarm pool off unless `env` says otherwise) that has
 * the hello function (`source`, HELLO_SOURCE by default) deployed; stops the server after.
 */
export async function withHelloServer<T>(
  o: Omit<StartOptions, 'env'> & { env?: Record<string, string>; source?: string },
  fn: (server: NimbusServer) => Promise<T>,
): Promise<T> {
  const { source, env, ...start } = o;
  const server = await startNimbus({ ...start, env: { NIMBUS_PREWARM_POOL_SIZE: '0', ...env } });
  try {
    await createFunction(server.port, 'hello', await helloZip(source));
    return await fn(server);
  } finally {
    await server.stop();
  }
}
