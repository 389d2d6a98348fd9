import { Command, Option } from 'commander';
import { resolveConfig, type ServerConfig } from '../../shared/config.js';
import { CliError } from '../errors.js';
import { err, formatFields, out } from '../output.js';

/** Flags as commander hands them over; names match ServerConfig keys. */
type ServerFlags = { auth?: boolean } & Partial<
  Record<
    | 'host'
    | 'port'
    | 'httpPort'
    | 'dataDir'
    | 'isolation'
    | 'region'
    | 'accountId'
    | 'maxConcurrency'
    | 'functionMaxConcurrency'
    | 'idleTtlMs'
    | 'metricsPort'
    | 'metricsRetentionMs'
    | 'otlpEndpoint',
    string
  >
>;

interface RunningServer {
  url: string;
  httpUrl: string;
  /** Set with --metrics-port: where Prometheus scrapes without signing. */
  metricsUrl?: string;
  isolation: string;
  cgroup: string;
  /** What isolation detection and auth set-up found; WARNING lines say what is not enforced. */
  notes?: string[];
  close(): Promise<void>;
}

/** Flags win over NIMBUS_* variables, which win over defaults (see resolveConfig). */
export function serverConfigFromFlags(flags: ServerFlags, env = process.env): ServerConfig {
  try {
    return resolveConfig(flags, env);
  } catch (e) {
    // resolveConfig names the setting (`httpPort must be ...`); name the flag when one was given.
    const message = e instanceof Error ? e.message : String(e);
    const key = Object.keys(flags).find((k) => message.startsWith(`${k} `));
    const flag = key && `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new CliError(flag ? `${flag}${message.slice(key.length)}` : message);
  }
}

/** What stopOnSignal touches of the process; tests pass fakes. */
export interface SignalDeps {
  on(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): void;
  exit(code: number): void;
  log(text: string): void;
}

const processSignals: SignalDeps = {
  on: (signal, handler) => process.on(signal, handler),
  exit: (code) => process.exit(code),
  log: err,
};

/**
 * First SIGINT/SIGTERM calls `close()` once, then exits 0 (1 if closing failed);
 * a second signal while closing exits at once with 130.
 */
export function stopOnSignal(
  server: Pick<RunningServer, 'close'>,
  deps: SignalDeps = processSignals,
): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return deps.exit(130);
    closing = true;
    deps.log(`${signal}: stopping Nimbus (press Ctrl-C again to quit at once)`);
    server.close().then(
      () => deps.exit(0),
      (e: unknown) => {
        deps.log(`error: could not stop cleanly: ${e instanceof Error ? e.message : String(e)}`);
        deps.exit(1);
      },
    );
  };
  deps.on('SIGINT', onSignal);
  deps.on('SIGTERM', onSignal);
}

async function server(flags: ServerFlags, json: boolean): Promise<void> {
  const config = serverConfigFromFlags(flags);
  // Loaded on demand so that the other commands start without the server's code.
  const { startServer } = await import('../../server.js');
  const running: RunningServer = await startServer(config);
  stopOnSignal(running);
  const { url, httpUrl, isolation, cgroup } = running;
  // Said loudly, on stderr, where a missing sandbox cannot go unnoticed.
  for (const note of running.notes ?? []) err(note);
  if (json) {
    out(
      JSON.stringify({
        url,
        httpUrl,
        isolation,
        cgroup,
        auth: config.auth,
        dataDir: config.dataDir,
        ...(running.metricsUrl ? { metricsUrl: running.metricsUrl } : {}),
        ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
      }),
    );
    return;
  }
  out(
    formatFields([
      ['Nimbus API', url],
      ['HTTP gateway', httpUrl],
      ['isolation', `${isolation} (cgroup ${cgroup})`],
      ['auth', config.auth ? 'on: requests must be SigV4-signed' : 'off (loopback only)'],
      ['data dir', config.dataDir],
      ...(running.metricsUrl ? [['metrics', running.metricsUrl] as [string, string]] : []),
      ...(config.otlpEndpoint
        ? [['tracing', `spans to ${config.otlpEndpoint} (OTLP/HTTP)`] as [string, string]]
        : []),
    ]),
  );
  err('press Ctrl-C to stop');
}

/** `nimbus server [--host] [--port] ...` */
export function serverCommand(): Command {
  return new Command('server')
    .description('start Nimbus: the Lambda API and the native API')
    .option('--host <host>', 'address to bind (default 127.0.0.1, env NIMBUS_HOST)')
    .option('--port <port>', 'control API port (default 9000, env NIMBUS_PORT)')
    .option('--http-port <port>', 'HTTP trigger port (default 8080, env NIMBUS_HTTP_PORT)')
    .option('--data-dir <dir>', 'where state lives (default ./.nimbus, env NIMBUS_DATA_DIR)')
    .addOption(
      new Option('--isolation <mode>', 'sandboxing (default auto, env NIMBUS_ISOLATION)').choices([
        'auto',
        'bwrap',
        'none',
      ]),
    )
    .option('--region <region>', 'region in ARNs (default us-east-1, env NIMBUS_REGION)')
    .option('--account-id <id>', 'account id in ARNs (default 000000000000)')
    .option('--max-concurrency <n>', 'concurrent invocations in all (default 64)')
    .option('--function-max-concurrency <n>', 'concurrent invocations per function (default 64)')
    .option('--idle-ttl-ms <ms>', 'stop idle instances after this long (default 300000)')
    .option(
      '--metrics-port <port>',
      'also serve GET /metrics alone, unsigned, on 127.0.0.1:<port> (default off, env NIMBUS_METRICS_PORT)',
    )
    .option(
      '--metrics-retention-ms <ms>',
      'keep per-minute metrics this long (default 1209600000: 14 days)',
    )
    .option(
      '--otlp-endpoint <url>',
      'send OpenTelemetry spans over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 (default off, env NIMBUS_OTLP_ENDPOINT)',
    )
    .option('--auth', 'require SigV4-signed requests (default: on unless --host is loopback)')
    .option('--no-auth', 'accept unsigned requests (loopback hosts only; env NIMBUS_AUTH=0)')
    .action(async (flags: ServerFlags, cmd: Command) => {
      // Not contextFrom(): the server needs no client credentials.
      await server(flags, cmd.optsWithGlobals<{ json?: boolean }>().json === true);
    });
}
