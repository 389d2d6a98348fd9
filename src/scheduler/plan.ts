import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRelay, RELAY_MISSING, type SandboxPaths } from '../sandbox/index.js';
import type { ServerConfig } from '../shared/config.js';
import { HOST_PYTHON_PATH, type RuntimeInfo } from '../shared/runtimes.js';
import type { FunctionRecord } from '../store/types.js';
import { type BootstrapRoot, locateBootstrap, providedArgv } from './custom-runtime.js';
import type { InstanceOptions, InstancePlan, PlanWhere } from './instance-types.js';
import { libraryPath } from './library-path.js';
import { nodeBootstrapFile } from './node-bootstrap.js';

/** The repo's `runtimes/` folder (works from src/ under tsx and from dist/). */
export const RUNTIMES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../runtimes',
);

export interface PlanContext {
  fn: FunctionRecord;
  runtime: RuntimeInfo;
  config: ServerConfig;
  logStreamName: string;
  initializationType: 'on-demand' | 'provisioned-concurrency';
  /** Custom runtimes: where `locateBootstrap` found the bootstrap. */
  bootstrapRoot?: BootstrapRoot;
  /** Custom runtimes in a sandbox: the relay program (socat) that serves AWS_LAMBDA_RUNTIME_API. */
  relay?: string | null;
  /** Nimbus's own AWS endpoint and the function's credentials for it (DESIGN §4.3). */
  aws?: FunctionAwsAccess;
  /** The function's code and layers on the host: LD_LIBRARY_PATH lists only their folders that hold libraries. */
  hostDirs?: { codeDir: string; optDir: string | null };
}

/** How the AWS SDK inside a function reaches Nimbus's SQS, S3 and Lambda APIs. */
export interface FunctionAwsAccess {
  /** AWS_ENDPOINT_URL as the function sees it. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** In a sandbox: the socket the runtime relays `endpoint` to; none when the endpoint is direct. */
  relaySocket?: string;
}

/** Lambda's log stream name for a new instance: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function logStreamName(version: string, nowMs: number, hex32: string): string {
  const d = new Date(nowMs).toISOString().slice(0, 10).replaceAll('-', '/');
  return `${d}/[${version}]${hex32}`;
}

/**
 * The environment of a runtime process (reference §1.7) plus the function's own variables.
 * `runtimeApi` is the `host:port` of AWS_LAMBDA_RUNTIME_API (Nimbus's own bootstraps use
 * the socket instead).
 */
export function runtimeEnv(
  ctx: PlanContext,
  paths: SandboxPaths,
  runtimeApi: string,
): Record<string, string> {
  const { fn, config } = ctx;
  const major = ctx.runtime.major;
  const aws = ctx.aws;
  return {
    // The function's own variables may point the SDK elsewhere; its credentials are reserved.
    ...(aws ? { AWS_ENDPOINT_URL: aws.endpoint } : {}),
    // The sandbox user has no passwd entry: os.homedir() (the AWS SDK's config lookup) needs this.
    HOME: '/tmp',
    ...fn.env,
    ...(aws
      ? {
          AWS_ACCESS_KEY_ID: aws.accessKeyId,
          AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
          ...(aws.relaySocket ? { NIMBUS_AWS_SOCKET: aws.relaySocket } : {}),
        }
      : {}),
    _HANDLER: fn.handler,
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeoutS),
    AWS_LAMBDA_INITIALIZATION_TYPE: ctx.initializationType,
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: ctx.logStreamName,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    LAMBDA_TASK_ROOT: paths.taskRoot,
    LAMBDA_RUNTIME_DIR: paths.runtimeDir,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    // A Node.js Nimbus installed comes first, as /var/lang/bin does on Lambda.
    PATH: `${ctx.runtime.installedNode ? `${paths.langDir}/bin:` : ''}/usr/local/bin:/usr/bin/:/bin:${paths.optDir}/bin`,
    LD_LIBRARY_PATH: ctx.hostDirs
      ? libraryPath(paths, ctx.hostDirs)
      : `/lib64:/usr/lib64:${paths.taskRoot}:${paths.taskRoot}/lib:${paths.optDir}/lib`,
    NODE_PATH: nodePath(paths, major),
    NIMBUS_RUNTIME_SOCKET: paths.socketPath,
    ...(config.runtimeChannel === 'frames' && ctx.runtime.family !== 'provided'
      ? { NIMBUS_RUNTIME_FRAMES: '1' }
      : {}),
    NIMBUS_FLAVOUR: fn.flavour,
    ...(fn.initializer ? { NIMBUS_INITIALIZER: fn.initializer } : {}),
    NIMBUS_INITIALIZATION_TIMEOUT_S: String(fn.initializationTimeoutS),
    NIMBUS_FUNCTION_TIMEOUT_S: String(fn.timeoutS),
    NIMBUS_SERVICE_NAME: fn.service,
    NIMBUS_ACCOUNT_ID: config.accountId,
    NIMBUS_QUALIFIER: fn.version,
  };
}

/** NODE_PATH of Node.js `major`: layers' node_modules, the runtime's, the task root (as Lambda). */
export function nodePath(paths: SandboxPaths, major: number): string {
  return `${paths.optDir}/nodejs/node${major}/node_modules:${paths.optDir}/nodejs/node_modules:${paths.runtimeDir}/node_modules:${paths.runtimeDir}:${paths.taskRoot}`;
}

/**
 * Node's heap flags for a memory size: the old generation capped below the cgroup cap (V8
 * fails before the kernel kills), and a young generation in proportion (1 MB per 64 MB,
 * 1–16 MB; V8's default grows it to 16 MB even for the smallest function, which an idle
 * instance then keeps: measured, it about doubles an idle instance's private memory once
 * it has served some traffic).
 */
export function nodeHeapFlags(memoryMb: number): string[] {
  const semiSpaceMb = Math.min(16, Math.max(1, Math.floor(memoryMb / 64)));
  return [`--max-old-space-size=${nodeHeapMb(memoryMb)}`, `--max-semi-space-size=${semiSpaceMb}`];
}

/** Node's heap cap inside an instance: below the cgroup cap so V8 fails before the kernel kills. */
export function nodeHeapMb(memoryMb: number): number {
  return Math.max(32, Math.floor(memoryMb * 0.85));
}

/**
 * Defaults a Python instance adds (Lambda's search path: task root, then layers); the
 * function's own variables may override them, the reserved ones may not.
 */
export function pythonEnv(ctx: PlanContext, paths: SandboxPaths): Record<string, string> {
  const version = `python${ctx.runtime.major}.${ctx.runtime.minor}`;
  return {
    PYTHONPATH: `${paths.taskRoot}:${paths.optDir}/python/lib/${version}/site-packages:${paths.optDir}/python`,
    PYTHONUNBUFFERED: '1',
    // The code folders are read-only (and shared outside the sandbox): no __pycache__ there.
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

/** argv and env for one instance of `ctx.fn`. */
export function instancePlan(
  ctx: PlanContext,
  paths: SandboxPaths,
  where: PlanWhere,
): InstancePlan {
  const env = runtimeEnv(ctx, paths, where.runtimeApi);
  if (ctx.runtime.family === 'python') {
    const argv = [HOST_PYTHON_PATH, '-u', `${paths.runtimeDir}/bootstrap.py`];
    return { argv, env: { ...pythonEnv(ctx, paths), ...env } };
  }
  if (ctx.runtime.family === 'provided') {
    const relay = where.isolated ? (ctx.relay ?? null) : null;
    return { argv: providedArgv(paths, ctx.bootstrapRoot ?? 'task', relay), env };
  }
  const argv = [
    ctx.runtime.installedNode ? `${paths.langDir}/bin/node` : process.execPath,
    ...nodeHeapFlags(ctx.fn.memoryMb),
    `${paths.runtimeDir}/${nodeBootstrapFile(path.join(RUNTIMES_DIR, ctx.runtime.runtimeFolder))}`,
  ];
  return { argv, env };
}

/** What a runtime adds to an instance's options, and to its plan context. */
export interface RuntimeSetup {
  options: Pick<InstanceOptions, 'langDir' | 'tcpRuntimeApi' | 'writesMarker' | 'preflight'>;
  plan: Pick<PlanContext, 'bootstrapRoot' | 'relay'>;
}

/**
 * The per-runtime parts of an instance: an installed Node.js is mounted at /var/lang;
 * a custom runtime needs its bootstrap (checked before start), a relay for
 * AWS_LAMBDA_RUNTIME_API in a sandbox or a TCP port without one, and writes no
 * end-of-invocation marker.
 */
export function runtimeSetup(
  runtime: RuntimeInfo,
  dirs: { codeDir: string; optDir: string | null },
  isolated: boolean,
): RuntimeSetup {
  if (runtime.family !== 'provided') {
    return {
      options: { langDir: runtime.installedNode?.dir ?? null, writesMarker: true },
      plan: {},
    };
  }
  const relay = isolated ? findRelay() : null;
  const found = locateBootstrap(dirs.codeDir, dirs.optDir);
  const failure =
    'failure' in found
      ? found.failure
      : isolated && !relay
        ? { kind: 'failure' as const, errorType: 'Sandbox.Failure', errorMessage: RELAY_MISSING }
        : null;
  return {
    options: { tcpRuntimeApi: true, writesMarker: false, preflight: () => failure },
    plan: { relay, ...('root' in found ? { bootstrapRoot: found.root } : {}) },
  };
}
