import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';

/** The environment children get: ours without NODE_EXTRA_CA_CERTS, as the server gives instances. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // Parsing the CA bundle costs every node start ~30-40 ms (shared/bench/README.md).
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Children started by spawnOwned that have not exited yet. */
const owned = new Set<OwnedChild>();

// Last resort if we exit before an owner stopped its child (a signal mid-start, a crash):
// kill it so nothing outlives the bench. Instances die with the server (bwrap --die-with-parent).
process.on('exit', () => {
  for (const c of owned) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A child we own: its exit as a promise and the tail of its stderr. */
export interface OwnedChild {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail(): string;
}

/**
 * Spawns `cmd argv` (never through a shell) in its own process group, with
 * stdout ignored and the last 4 KB of stderr kept for error messages.
 * `cpus` (e.g. "0") pins it and everything it starts with taskset.
 */
export function spawnOwned(
  cmd: string,
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; cpus?: string | undefined },
): OwnedChild {
  const [file, args] = opts.cpus ? ['taskset', ['-c', opts.cpus, cmd, ...argv]] : [cmd, argv];
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-4096);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const c: OwnedChild = { child, pid: child.pid, exited, stderrTail: () => tail };
  owned.add(c);
  void exited.then(() => owned.delete(c));
  return c;
}

/** SIGTERM by pid, then SIGKILL if it has not exited within `graceMs`. Resolves once it has exited. */
export async function stopOwned(c: OwnedChild, graceMs = 10_000): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  try {
    process.kill(c.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const done = await Promise.race([c.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (done) return;
  try {
    process.kill(c.pid, 'SIGKILL');
  } catch {
    return;
  }
  await Promise.race([c.exited, sleep(2000)]);
}

/** Pins every thread of `pid` to `cpus` (children it starts later inherit the mask). */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** Time from spawn() to exit of `cmd argv`, in ms. Rejects if it exits non-zero. */
export function timeSpawnExit(
  cmd: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`));
    });
  });
}
