// A real `nimbus server` (the built CLI, free ports, its own data dir) and the
// built CLI pointed at it: for e2e tests of CLI commands with real effects.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CliOptions, type CliRun, runCli } from '../unit/cli-harness.js';
import { type CliServer, startNimbusServer } from './cli-server.js';

const RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x`;

export interface CliPlatform {
  server: CliServer;
  dataDir: string;
  /** A scratch folder for files the test writes; removed by close(). */
  work: string;
  /**
   * Runs `nimbus ...args` against the server. With auth on, the CLI signs with
   * the key the server wrote to its data dir; `env` may override that.
   */
  nimbus(args: string[], opts?: Omit<CliOptions, 'endpoint'>): Promise<CliRun>;
  /** Runs `nimbus ...args`, asserts it succeeded, and returns its stdout. */
  ok(...args: string[]): Promise<string>;
  /** Runs `nimbus ...args` and asserts it failed with exit code 1 and this stderr. */
  fails(args: string[], stderr: RegExp | string): Promise<void>;
  /** Deploys `source` as `index.js` of function `name` with `nimbus deploy`. */
  deploy(name: string, source: string): Promise<void>;
  /** Polls `nimbus logs name` until `pattern` shows (fails after `maxMs`); returns the logs. */
  logsUntil(name: string, pattern: RegExp, maxMs?: number): Promise<string>;
  /** Stops the server by its pid (SIGTERM, SIGKILL after 15 s) and removes its folders. */
  close(): Promise<void>;
}

/** Starts a server (`--auth` when asked) and returns the CLI bound to it. */
export async function startCliPlatform(opts: { auth?: boolean } = {}): Promise<CliPlatform> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nimbus-cli-e2e-'));
  const work = mkdtempSync(path.join(tmpdir(), 'nimbus-cli-e2e-work-'));
  const server = await startNimbusServer(dataDir, opts.auth ? ['--auth'] : ['--no-auth']);
  // No key from the environment or ./.nimbus: only the server's own, from its data dir.
  const baseEnv = {
    NIMBUS_ACCESS_KEY_ID: '',
    NIMBUS_SECRET_ACCESS_KEY: '',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    NIMBUS_PROFILE: '',
    NIMBUS_CREDENTIALS_FILE: '',
    NIMBUS_DATA_DIR: dataDir,
  };
  const nimbus: CliPlatform['nimbus'] = (args, o = {}) =>
    runCli(args, { ...o, endpoint: server.url, env: { ...baseEnv, ...o.env } });
  return {
    server,
    dataDir,
    work,
    nimbus,
    async ok(...args) {
      const r = await nimbus(args);
      assert.equal(r.code, 0, `nimbus ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    async fails(args, stderr) {
      const r = await nimbus(args);
      assert.equal(r.code, 1, `nimbus ${args.join(' ')} should fail: ${r.stdout}`);
      if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
      else assert.match(r.stderr, stderr);
    },
    async deploy(name, source) {
      const dir = path.join(work, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'index.js'), source);
      const r = await nimbus([
        'deploy',
        dir,
        '--name',
        name,
        '--runtime',
        RUNTIME,
        '--handler',
        'index.handler',
      ]);
      assert.equal(r.code, 0, r.stderr);
    },
    async logsUntil(name, pattern, maxMs = 20_000) {
      const until = Date.now() + maxMs;
      let logs = '';
      while (Date.now() < until) {
        logs = (await nimbus(['logs', name])).stdout;
        if (pattern.test(logs)) return logs;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.fail(`the logs of ${name} never matched ${pattern}:\n${logs}`);
    },
    async close() {
      const { child } = server;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(stuck);
      }
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
}
