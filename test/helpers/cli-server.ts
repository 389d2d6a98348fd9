import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real `nimbus` binary (bin/nimbus.js → dist/, built by `npm test` before the tests run). */
export const BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../bin/nimbus.js',
);

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nimbus ...args` to completion (SIGKILL after 60 s). */
export function runNimbus(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface CliServer {
  child: ChildProcess;
  url: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
}

/** Starts `nimbus --json server` on free ports and waits for its one-line JSON banner. */
export function startNimbusServer(
  dataDir: string,
  extra: string[] = [],
  /** Variables the server process gets on top of this one's. */
  env: Record<string, string> = {},
): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, '--json', 'server', '--port', '0', '--http-port', '0', '--data-dir', dataDir, ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: JSON.parse(line).url, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
  });
}

/** Resolves with the exit code once `child` has exited (rejects after `maxMs`). */
export function waitExit(child: ChildProcess, maxMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => reject(new Error('did not exit in time')), maxMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}
