// A real `nimbus server` (built CLI, free ports, own data dir) for the manifest
// tests, with its gateway URL, and the built CLI run in a project folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CliOptions, type CliRun, runCli } from '../unit/cli-harness.js';
import { BIN } from './cli-server.js';

export interface ProjectServer {
  child: ChildProcess;
  url: string;
  httpUrl: string;
  dataDir: string;
  /** Runs `nimbus ...args` in `cwd` against this server (no credentials from the environment). */
  nimbus(args: string[], cwd: string, opts?: Omit<CliOptions, 'endpoint' | 'cwd'>): Promise<CliRun>;
  /** Stops the server by its pid (SIGTERM, SIGKILL after 15 s) and removes its data dir. */
  close(): Promise<void>;
}

/** Starts `nimbus --json server --port 0 --http-port 0` and waits for its banner. */
export async function startProjectServer(): Promise<ProjectServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-project-'));
  const child = spawn(
    process.execPath,
    [
      BIN,
      '--json',
      'server',
      '--port',
      '0',
      '--http-port',
      '0',
      '--data-dir',
      dataDir,
      '--no-auth',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (c) => (err += c));
  const banner = await new Promise<{ url: string; httpUrl: string }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
  });
  const env = {
    NIMBUS_ACCESS_KEY_ID: '',
    NIMBUS_SECRET_ACCESS_KEY: '',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    NIMBUS_PROFILE: '',
    NIMBUS_CREDENTIALS_FILE: '',
  };
  return {
    child,
    url: banner.url,
    httpUrl: banner.httpUrl,
    dataDir,
    nimbus: (args, cwd, opts = {}) =>
      runCli(args, {
        timeoutMs: 60_000,
        ...opts,
        cwd,
        endpoint: banner.url,
        env: { ...env, ...opts.env },
      }),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(stuck);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (fails after `maxMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  maxMs = 20_000,
): Promise<T> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
