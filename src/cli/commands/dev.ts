import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { NimbusClient } from '../client.js';
import { type CliContext, contextFrom } from '../context.js';
import { err, formatFields } from '../output.js';
import { serverConfigFromFlags } from './server.js';

interface DevFlags {
  file?: string;
  attach?: boolean;
  port?: string;
  httpPort?: string;
  dataDir?: string;
}

/** Something to close on Ctrl-C / SIGTERM, in order. */
type Closer = () => Promise<void>;

/**
 * Starts a server of our own in this process (auth off, loopback only; a
 * temporary data dir unless --data-dir) and a context that talks to it.
 */
async function ownServer(flags: DevFlags, closers: Closer[]): Promise<CliContext> {
  const tempDir = flags.dataDir
    ? undefined
    : await mkdtemp(path.join(tmpdir(), 'nimbus-dev-data-'));
  const config = serverConfigFromFlags({
    auth: false,
    port: flags.port ?? '9000',
    httpPort: flags.httpPort ?? '8080',
    dataDir: flags.dataDir ?? tempDir ?? '',
  });
  const removeTemp = async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };
  const { startServer } = await import('../../server.js');
  const running = await startServer(config).catch(async (e: unknown) => {
    await removeTemp();
    throw e;
  });
  closers.push(async () => {
    await running.close();
    await removeTemp();
  });
  for (const note of running.notes) err(note);
  err(
    formatFields([
      ['Nimbus API', running.url],
      ['HTTP gateway', running.httpUrl],
      ['data dir', config.dataDir + (tempDir ? ' (removed on exit)' : '')],
    ]),
  );
  return { client: new NimbusClient(running.url), json: false };
}

async function dev(flags: DevFlags, cmd: Command): Promise<void> {
  // --endpoint / NIMBUS_ENDPOINT given, or --attach: use that server instead of starting one.
  const source = cmd.parent?.getOptionValueSource('endpoint');
  const attach = flags.attach === true || (source !== undefined && source !== 'default');
  const closers: Closer[] = [];
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    err(`${signal}: stopping the watcher${attach ? '' : ' and the server'}`);
    (async () => {
      for (const c of closers.reverse()) await c();
    })().then(
      () => process.exit(0),
      (e: unknown) => {
        err(`error: could not stop cleanly: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const ctx = attach ? contextFrom(cmd) : await ownServer(flags, closers);
    if (attach) err(`attached to ${ctx.client.endpoint}`);
    const { DevSession } = await import('../project/dev-session.js');
    const session = new DevSession(ctx, flags.file);
    closers.push(() => session.stop());
    await session.start();
    err('press Ctrl-C to stop');
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => {});
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    throw e;
  }
}

/** `nimbus dev [-f FILE] [--attach] [--port] [--http-port] [--data-dir]` */
export function devCommand(): Command {
  return new Command('dev')
    .description(
      'deploy the manifest to a local server, then reload changed functions on save and print their logs',
    )
    .option('-f, --file <manifest>', 'manifest (default: nimbus.yml in this folder)')
    .option('--attach', 'use the server at --endpoint instead of starting one')
    .option('--port <port>', 'control API port of the server it starts (default 9000)')
    .option('--http-port <port>', 'HTTP gateway port of the server it starts (default 8080)')
    .option('--data-dir <dir>', 'state of the server it starts (default: a temporary folder)')
    .action(async (flags: DevFlags, cmd: Command) => {
      await dev(flags, cmd);
    });
}
