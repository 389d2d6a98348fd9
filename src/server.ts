import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessKeys, ensureFirstKey, MASTER_KEY_FILE_NAME, SecretBox } from './api/auth/index.js';
import { CodeLinks } from './api/code-links.js';
import type { ApiDeps } from './api/deps.js';
import { buildApp } from './api/index.js';
import { type AwsParts, createAwsParts } from './aws/wire.js';
import { CodeStore, LayerMerger } from './code/index.js';
import { consoleRoutes } from './console/index.js';
import {
  AliasService,
  FunctionRegistry,
  LayerService,
  ProvisionedConcurrency,
  ServiceRegistry,
} from './functions/index.js';
import { HttpGateway } from './gateway/index.js';
import { AsyncDispatcher, AsyncQueue } from './invoke/async/index.js';
import { Invoker, poolKeyOf } from './invoke/index.js';
import { listenMetrics, Metrics } from './metrics/index.js';
import { LogWriter, RecordWriter } from './observability/index.js';
import { RuntimeApiServer } from './runtime-api/index.js';
import { NodeInstaller, RuntimeCatalog } from './runtimes/index.js';
import {
  AWS_SOCKET_NAME,
  detectIsolation,
  findRelay,
  findUserNet,
  type IsolationInfo,
  listExtensions,
  RELAY_MISSING,
  removeStale,
  SANDBOX_AWS_ENDPOINT,
  SANDBOX_PATHS,
  USERNET_MISSING,
} from './sandbox/index.js';
import {
  Capacity,
  type FunctionAwsAccess,
  Instance,
  type InstanceHost,
  instancePlan,
  logStreamName,
  RUNTIMES_DIR,
  runSlotsOf,
  runtimeSetup,
  Scheduler,
} from './scheduler/index.js';
import { type Clock, systemClock } from './shared/clock.js';
import type { ServerConfig } from './shared/config.js';
import { fail } from './shared/error-codes.js';
import { type IdGenerator, randomIds } from './shared/ids.js';
import { openStore, type Store } from './store/index.js';
import { Tracing } from './tracing/index.js';
import { registryTargets, TimerManager, TimerService } from './triggers/timer/index.js';

export const VERSION = '0.1.0';

/** The assembled platform, before any socket is opened (tests use `app.inject`). */
export interface Platform {
  app: FastifyInstance;
  store: Store;
  scheduler: Scheduler;
  registry: FunctionRegistry;
  isolation: IsolationInfo;
  logs: LogWriter;
  records: RecordWriter;
  keys: AccessKeys;
  /** Accepts Event invocations (durable before it resolves). */
  asyncQueue: AsyncQueue;
  dispatcher: AsyncDispatcher;
  /** Fires timer triggers (tests call `timers.runDue()` after moving the clock). */
  timers: TimerService;
  /** The HTTP gateway (routes, function URLs, domains); `startServer` opens its port. */
  gateway: HttpGateway;
  /** The runtimes this host can run, and the Node.js installs (`nimbus runtimes`). */
  runtimes: RuntimeCatalog;
  /** The built-in SQS and S3 services and their event sources. */
  aws: AwsParts;
  /** The control API's URL as functions outside a sandbox reach it (set once listening). */
  endpoint: { url: string };
  /** Prometheus metrics and the per-minute aggregates (`/metrics`, `nimbus metrics`, `nimbus usage`). */
  metrics: Metrics;
  /** What starting did that the operator must hear of (the first access key's file). */
  notes: string[];
  /** Stops instances, flushes logs, closes the store. */
  shutdown(): Promise<void>;
}

export interface PlatformOptions {
  clock?: Clock;
  ids?: IdGenerator;
  /** Start delivering async events in the background (default true; tests drive `dispatcher.runDue()`). */
  startAsync?: boolean;
  /** Start firing timers in real time (default true; tests drive `timers.runDue()`). */
  startTimers?: boolean;
  /** Where refused signatures are reported (default: stderr). */
  authLog?: (line: string) => void;
  /** Where the HTTP gateway reports failed requests (default: stderr). */
  gatewayLog?: (line: string) => void;
  /** Where runtime installs report their progress (default: stderr). */
  runtimeLog?: (line: string) => void;
}

/** Builds every part from the config and wires them together. */
export async function createPlatform(
  cfg: ServerConfig,
  opts: PlatformOptions = {},
): Promise<Platform> {
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const arn = { region: cfg.region, accountId: cfg.accountId };
  mkdirSync(cfg.dataDir, { recursive: true });
  const isolation = detectIsolation(cfg.isolation);
  const store = await openStore(cfg.dataDir);
  const keys = new AccessKeys({
    store: store.accessKeys,
    box: new SecretBox(path.join(cfg.dataDir, MASTER_KEY_FILE_NAME)),
    clock,
  });
  const notes: string[] = [];
  try {
    const firstKey = cfg.auth ? await ensureFirstKey(keys, cfg.dataDir) : null;
    if (firstKey) notes.push(firstKey);
  } catch (e) {
    await store.close();
    throw e;
  }
  const code = new CodeStore(path.join(cfg.dataDir, 'code'), {
    maxZipBytes: cfg.maxZipBytes,
    maxUnzippedBytes: cfg.maxUnzippedBytes,
    maxZipEntries: cfg.maxZipEntries,
  });
  const layers = new LayerService({
    store,
    code,
    merger: new LayerMerger(path.join(cfg.dataDir, 'code')),
    clock,
    arn,
  });
  // Instance sockets live under a short path: Unix socket paths are limited to 107 bytes.
  removeStale('/tmp', 'nimbus-run-', 'folder');
  const runDir = path.join('/tmp', `nimbus-run-${process.pid}-${ids.hex(4)}`);
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  const rapi = new RuntimeApiServer();
  // Nimbus's own AWS endpoint inside sandboxes: a socket the runtimes relay
  // AWS_ENDPOINT_URL (127.0.0.1:9000 in the sandbox's network namespace) to.
  const awsSocketDir = path.join(runDir, 'aws');
  mkdirSync(awsSocketDir, { recursive: true, mode: 0o755 });
  const endpoint = { url: `http://127.0.0.1:${cfg.port}` };
  const awsAccess = (functionName: string): FunctionAwsAccess => ({
    ...keys.functionCredentials(functionName),
    ...(isolation.kind === 'bwrap'
      ? {
          endpoint: SANDBOX_AWS_ENDPOINT,
          relaySocket: `${SANDBOX_PATHS.awsSocketDir}/${AWS_SOCKET_NAME}`,
        }
      : { endpoint: endpoint.url }),
  });
  const logs = new LogWriter(store.logs);
  const isolated = isolation.kind === 'bwrap';
  const runtimes = new RuntimeCatalog(
    new NodeInstaller({
      dir: path.join(cfg.dataDir, 'runtimes'),
      log: opts.runtimeLog ?? ((line) => process.stderr.write(`nimbus: runtimes: ${line}\n`)),
    }),
    isolated,
  );
  if (isolated && !findRelay()) notes.push(RELAY_MISSING);
  if (isolated && !findUserNet()) notes.push(USERNET_MISSING);
  const services = new ServiceRegistry({
    store,
    clock,
    // A service's env or network changed: its functions' instances are replaced.
    onSandboxChange: (name) =>
      void services
        .functionNames(name)
        .then((fns) => {
          for (const f of fns) scheduler.recycle(`${f}:`);
        })
        .catch(() => undefined),
  });
  await services.load();

  const metrics = new Metrics({ clock, store: store.metrics, collect: cfg.metrics });
  // Off unless an OTLP endpoint is configured: then nothing on the request paths holds one.
  const tracing = cfg.otlpEndpoint ? new Tracing({ endpoint: cfg.otlpEndpoint, arn }) : undefined;
  let scheduler: Scheduler;
  let capacity: Capacity;
  const host: InstanceHost = {
    isolation,
    rapi,
    runDir,
    tmpSizeMb: cfg.tmpSizeMb,
    awsSocketDir,
    clock,
    onDeath: (inst) => {
      scheduler.forget(inst);
      capacity.onDeath(inst);
    },
    onStrayLines: (inst, lines) =>
      logs.write(
        lines.map((l) => ({
          functionName: inst.opts.functionName,
          timestampMs: l.timestampMs,
          requestId: null,
          message: l.text,
        })),
      ),
  };
  scheduler = new Scheduler({
    clock,
    maxConcurrency: cfg.maxConcurrency,
    functionMaxConcurrency: cfg.functionMaxConcurrency,
    idleTtlMs: cfg.idleTtlMs,
    runSlots: runSlotsOf(cfg),
    onThrottle: (target) => metrics.throttled(target),
    createInstance: (target, initializationType) => {
      // The service's default env (under the function's own) and network policy.
      const { fn, internetAccess } = services.sandboxOf(target.fn);
      const rt = runtimes.lookup(fn.runtime);
      if (!rt?.supported) {
        throw fail(
          'InvalidRuntimeException',
          `The runtime ${fn.runtime} cannot be started on this host${rt ? `: ${rt.reason}` : ''}`,
        );
      }
      const stream = logStreamName(fn.version, clock.now(), ids.hex(16));
      const codeDir = code.dirFor(fn.codeHexSha);
      const optDir = layers.optDirFor(fn.layers);
      const setup = runtimeSetup(rt.info, { codeDir, optDir }, isolated);
      const pooled = capacity.pooledFor({
        runtime: rt.info,
        memoryMb: fn.memoryMb,
        env: fn.env,
        codeDir,
        optDir,
        internetAccess,
        hasExtensions: optDir !== null && listExtensions(optDir).length > 0,
      });
      return new Instance(
        {
          id: ids.hex(8),
          poolKey: target.poolKey,
          functionName: fn.name,
          memoryMb: fn.memoryMb,
          internetAccess,
          codeDir,
          runtimeDir: path.join(RUNTIMES_DIR, rt.info.runtimeFolder),
          optDir,
          initTimeoutMs: fn.initializer ? fn.initializationTimeoutS * 1000 + 10_000 : 10_000,
          ...setup.options,
          plan: (paths, where) =>
            instancePlan(
              {
                fn,
                runtime: rt.info,
                config: cfg,
                logStreamName: stream,
                initializationType,
                hostDirs: { codeDir, optDir },
                aws: awsAccess(fn.name),
                ...setup.plan,
              },
              paths,
              where,
            ),
        },
        host,
        pooled,
      );
    },
  });
  capacity = new Capacity({
    host,
    runDir,
    scheduler,
    prewarmPoolSize: isolated ? cfg.prewarmPoolSize : 0,
    memoryReserveMb: cfg.memoryReserveMb,
    newId: () => ids.hex(8),
    initLog: (inst, lines) => host.onStrayLines(inst, lines),
    log: opts.runtimeLog ?? ((line) => process.stderr.write(`nimbus: ${line}\n`)),
  });
  host.starts = capacity.starts;
  scheduler.start();
  capacity.start();
  const registry = new FunctionRegistry({
    store,
    code,
    clock,
    ids,
    arn,
    layers,
    nodes: runtimes.nodes,
    onChange: (name, deleted) => {
      if (deleted) {
        void provisioned.onFunctionDeleted(name).catch(() => undefined);
        scheduler.retire(`${name}:`);
        aliases.forgetFunction(name);
        void aws.mappings.forgetFunction(name).catch(() => undefined);
        void gateway.urls.forgetFunction(name).catch(() => undefined);
        return;
      }
      const cur = registry.cached(name);
      scheduler.retire(`${name}:$LATEST:`, cur ? poolKeyOf(cur) : undefined);
    },
    onVersionDeleted: (name, version) => {
      void provisioned.onVersionDeleted(name, version).catch(() => undefined);
      scheduler.retire(`${name}:${version}:`);
    },
  });
  const aliases = new AliasService({
    store,
    registry,
    ids,
    arn,
    onChange: (fn, alias) => void provisioned.onAliasChanged(fn, alias).catch(() => undefined),
  });
  const provisioned = new ProvisionedConcurrency({
    store,
    registry,
    aliases,
    fleet: capacity.fleetControl(poolKeyOf),
    clock,
    arn,
    maxConcurrency: cfg.maxConcurrency,
  });
  const records = new RecordWriter(store.invocations);
  const invoker = new Invoker({ scheduler, logs, records, clock, ids, arn, metrics });
  let dispatcher: AsyncDispatcher;
  const asyncQueue = new AsyncQueue({
    store,
    registry,
    aliases,
    clock,
    ids,
    maxPayloadBytes: cfg.asyncMaxPayloadBytes,
    idempotencyWindowMs: cfg.idempotencyWindowMs,
    onEnqueued: (fn) => dispatcher.kick(fn),
  });
  dispatcher = new AsyncDispatcher({
    store,
    invoker,
    registry,
    aliases,
    clock,
    arn,
    enqueuer: () => asyncQueue,
    sendToQueue: async (queueArn, body) => {
      const q = await aws.queues.byArn(queueArn);
      if (!q) throw new Error(`the queue ${queueArn} does not exist`);
      await aws.queues.send(q.name, body);
    },
    maxInFlight: cfg.maxConcurrency,
    instanceCount: (fn) => scheduler.instanceCount(fn),
    retryBaseMs: cfg.asyncRetryBaseMs,
    metrics,
    tracing,
  });
  if (opts.startAsync !== false) dispatcher.start();
  const timerTargets = registryTargets(registry, aliases);
  const timerService = new TimerService({
    store: store.timers,
    enqueuer: asyncQueue,
    targets: timerTargets,
    clock,
    ids,
    arn,
  });
  const timers = new TimerManager({
    store: store.timers,
    targets: timerTargets,
    clock,
    onChange: () => timerService.wake(),
  });
  if (opts.startTimers !== false) timerService.start();
  const gateway = new HttpGateway({
    store,
    registry,
    aliases,
    invoker,
    keys,
    clock,
    ids,
    arn,
    config: cfg,
    ...(opts.gatewayLog ? { log: opts.gatewayLog } : {}),
    functionLog: (functionName, requestId, message) =>
      logs.write([{ functionName, timestampMs: clock.now(), requestId, message }]),
    metrics,
    tracing,
  });
  await gateway.load();
  const aws: AwsParts = await createAwsParts({
    cfg,
    store,
    clock,
    ids,
    arn,
    keys,
    registry,
    aliases,
    invoker,
    asyncQueue,
    ...(opts.authLog ? { authLog: opts.authLog } : {}),
    metrics,
    tracing,
  });
  metrics.watch({
    instances: () => scheduler.instances(),
    prewarmed: () => capacity.stats().prewarmed,
    asyncBacklog: () => store.metrics.asyncBacklog(),
    queueDepths: async () => {
      const now = clock.now();
      const queues = await store.queues.listQueues();
      return Promise.all(
        queues.map(async (q) => ({ queue: q.name, ...(await store.queues.counts(q.name, now)) })),
      );
    },
    nowMs: () => clock.now(),
  });
  const startedMs = clock.monotonicMs();
  const syncReserved = async () =>
    scheduler.setReservedTotal((await registry.usage()).reservedTotal);
  await syncReserved();
  const apiDeps: ApiDeps = {
    arn,
    registry,
    codeLinks: new CodeLinks(clock),
    aliases,
    provisioned,
    layers,
    services,
    limits: {
      maxConcurrency: cfg.maxConcurrency,
      maxZipBytes: cfg.maxZipBytes,
      maxUnzippedBytes: cfg.maxUnzippedBytes,
    },
    onReservedChange: syncReserved,
    invoker,
    asyncQueue,
    store,
    timers,
    mappings: aws.mappings,
    queues: aws.queues,
    objects: { read: (bucket, key) => aws.buckets.readObject(bucket, key) },
    frontDoor: aws.frontDoor,
    code,
    logs: store.logs,
    keys,
    gateway,
    runtimes,
    auth: cfg.auth ? { clock, log: opts.authLog } : undefined,
    requestIds: () => ids.uuid(),
    health: () => ({
      version: VERSION,
      isolation: isolation.kind,
      cgroup: isolation.cgroup?.version ?? 'none',
      auth: cfg.auth,
      uptimeMs: Math.round(clock.monotonicMs() - startedMs),
      instances: { ...scheduler.stats(), ...capacity.stats() },
    }),
    healthAsync: async () => ({ asyncPending: await store.asyncEvents.pending() }),
    metrics,
    tracing,
  };
  const app = buildApp(apiDeps);
  consoleRoutes(app, apiDeps);
  // Provisioned concurrency is started again as the server starts.
  await provisioned.load();
  const awsSocket = await listenAwsSocket(app, path.join(awsSocketDir, AWS_SOCKET_NAME));
  const pruner = setInterval(() => {
    // Each function's logs are kept for its service's retention, else the server's.
    void store.services.pruneLogs(clock.now(), cfg.logRetentionMs).catch(() => undefined);
    void store.invocations.prune(clock.now() - cfg.recordRetentionMs).catch(() => undefined);
    void store.asyncEvents
      .pruneTokens(clock.now() - cfg.idempotencyWindowMs)
      .catch(() => undefined);
    void store.metrics.prune(clock.now() - cfg.metricsRetentionMs).catch(() => undefined);
  }, 60_000);
  pruner.unref();

  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(pruner);
      awsSocket.close();
      await gateway.close();
      await aws.close();
      await timerService.stop();
      await dispatcher.stop();
      capacity.stopBackground();
      scheduler.shutdown();
      await waitForInstances(scheduler, 3000);
      // The prewarm pool's code mounts go before the folder holding them.
      await capacity.close();
      rapi.close();
      isolation.cgroup?.dispose();
      rmSync(runDir, { recursive: true, force: true });
      await logs.close();
      await records.close();
      await metrics.close();
      await tracing?.shutdown();
      await store.close();
    })();
    return closing;
  };
  return {
    app,
    store,
    scheduler,
    registry,
    isolation,
    logs,
    records,
    keys,
    gateway,
    runtimes,
    aws,
    endpoint,
    metrics,
    notes,
    asyncQueue,
    dispatcher,
    timers: timerService,
    shutdown,
  };
}

/**
 * Serves the control API on a Unix socket too: sandboxes have no route to the
 * host, so their runtimes relay Nimbus's AWS endpoint to this socket.
 */
function listenAwsSocket(app: FastifyInstance, file: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createNetServer((socket) => app.server.emit('connection', socket));
    server.once('error', reject);
    server.listen(file, () => {
      // The sandbox's user must be able to connect; the folder above is not writable.
      chmodSync(file, 0o777);
      resolve(server);
    });
  });
}

async function waitForInstances(scheduler: Scheduler, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (scheduler.instances().length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface RunningServer {
  url: string;
  httpUrl: string;
  /** `http://127.0.0.1:<port>/metrics` when `metricsPort` is set. */
  metricsUrl?: string;
  isolation: string;
  cgroup: string;
  notes: string[];
  platform: Platform;
  close(): Promise<void>;
}

/**
 * Opens the store, starts the control API on `cfg.host:cfg.port` and returns
 * a handle whose `close()` stops cleanly: in-flight invocations finish or fail,
 * every instance is killed, logs are flushed.
 */
export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const platform = await createPlatform(cfg);
  let metricsServer: HttpServer | null = null;
  try {
    await platform.app.listen({ host: cfg.host, port: cfg.port });
    await platform.gateway.listen();
    if (cfg.metricsPort) metricsServer = await listenMetrics(platform.metrics, cfg.metricsPort);
  } catch (e) {
    await platform.shutdown();
    throw e;
  }
  const addr = platform.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const hostForUrl = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  // Unsandboxed functions call the API directly; a wildcard address is reached on loopback.
  const reach = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : hostForUrl;
  platform.endpoint.url = `http://${reach}:${port}`;
  return {
    url: `http://${hostForUrl}:${port}`,
    httpUrl: `http://${hostForUrl}:${platform.gateway.port}`,
    ...(metricsServer ? { metricsUrl: `http://127.0.0.1:${cfg.metricsPort}/metrics` } : {}),
    isolation: platform.isolation.kind,
    cgroup: platform.isolation.cgroup?.version ?? 'none',
    notes: [...platform.isolation.notes, ...platform.notes],
    platform,
    async close() {
      // Stop taking requests, let in-flight ones settle (bounded), then tear down.
      metricsServer?.close();
      const closed = platform.app.close();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      await platform.shutdown();
    },
  };
}
