import path from 'node:path';

/** Which isolation the server asks for; `auto` uses bubblewrap when it works. */
export type IsolationMode = 'auto' | 'bwrap' | 'none';

/** Every server setting, with its unit in the name. README's config table lists them all. */
export interface ServerConfig {
  host: string;
  port: number;
  httpPort: number;
  dataDir: string;
  region: string;
  accountId: string;
  isolation: IsolationMode;
  /** Concurrent invocations allowed across all functions (account limit). */
  maxConcurrency: number;
  /** Concurrent invocations allowed per function unless reserved concurrency says otherwise. */
  functionMaxConcurrency: number;
  /** Idle instances are stopped after this long without an invocation. */
  idleTtlMs: number;
  /** Largest zipped code accepted. */
  maxZipBytes: number;
  /** Largest unzipped code accepted. */
  maxUnzippedBytes: number;
  /** Most files a code zip may hold. */
  maxZipEntries: number;
  /** Log lines older than this are pruned. */
  logRetentionMs: number;
  /** Size of each sandbox's private /tmp. */
  tmpSizeMb: number;
  /** Largest Event (async) invocation payload. */
  asyncMaxPayloadBytes: number;
  /** Delay before the first retry of a failed async event; later retries double it. */
  asyncRetryBaseMs: number;
  /** A repeated `X-Nimbus-Client-Token` within this window queues nothing new. */
  idempotencyWindowMs: number;
  /** Invocation records older than this are pruned. */
  recordRetentionMs: number;
  /**
   * Every control-API request must carry a valid SigV4 signature. Defaults to on
   * unless `host` is a loopback address; cannot be off on any other address.
   */
  auth: boolean;
  /** HTTP gateway: largest request head (request line + headers); bigger gets 431. */
  httpMaxHeaderBytes: number;
  /** HTTP gateway: largest request body; bigger gets 413. */
  httpMaxBodyBytes: number;
  /** HTTP gateway: a client must send its whole request head within this (else 408). */
  httpHeadersTimeoutMs: number;
  /** HTTP gateway: a client must send its whole request within this (else 408). */
  httpRequestTimeoutMs: number;
  /** HTTP gateway: idle keep-alive connections are closed after this. */
  httpKeepAliveTimeoutMs: number;
  /**
   * Host name in function URLs (`http://<id>.lambda-url.<urlHost>:<httpPort>/`); empty:
   * `localhost` when `host` is loopback, else `host`.
   */
  urlHost: string;
  /** Built-in SQS: largest message body plus attributes (SQS's own default, 256 KiB). */
  sqsMaxMessageBytes: number;
  /** Built-in S3: largest object (single PutObject body or completed multipart upload). */
  s3MaxObjectBytes: number;
  /**
   * Prewarmed sandboxes kept ready per runtime (and memory size, for Node) once a
   * function of it has been started; 0 turns the prewarm pool off.
   */
  prewarmPoolSize: number;
  /** Idle instances are reaped when the host's MemAvailable drops below this; 0: never. */
  memoryReserveMb: number;
  /** Serves `GET /metrics` alone, unsigned, on 127.0.0.1 at this port; 0: only on the control port. */
  metricsPort: number;
  /** Per-minute metric aggregates (`nimbus metrics`, `nimbus usage`) older than this are pruned. */
  metricsRetentionMs: number;
  /** Collect metrics on the request paths (off: /metrics keeps only process figures). */
  metrics: boolean;
  /** OTLP/HTTP collector base URL spans are sent to; empty: tracing off. */
  otlpEndpoint: string;
  /**
   * How Nimbus's own Node and Python bootstraps talk to the server: `frames` (the framed
   * channel on the instance's socket) or `http` (the Lambda Runtime API, as any runtime).
   */
  runtimeChannel: string;
  /**
   * Invocations the node runs at once before a new one briefly waits for a busy instance
   * instead of starting another (0: twice the CPUs this process may use).
   */
  runSlots: number;
}

export const DEFAULTS: ServerConfig = {
  host: '127.0.0.1',
  port: 9000,
  httpPort: 8080,
  dataDir: './.nimbus',
  region: 'us-east-1',
  accountId: '000000000000',
  isolation: 'auto',
  maxConcurrency: 64,
  functionMaxConcurrency: 64,
  idleTtlMs: 5 * 60_000,
  maxZipBytes: 50 * 1024 * 1024,
  maxUnzippedBytes: 250 * 1024 * 1024,
  maxZipEntries: 10_000,
  logRetentionMs: 7 * 24 * 3600_000,
  tmpSizeMb: 512,
  asyncMaxPayloadBytes: 1024 * 1024,
  asyncRetryBaseMs: 60_000,
  idempotencyWindowMs: 10 * 60_000,
  recordRetentionMs: 7 * 24 * 3600_000,
  // Decided by resolveConfig from `host` unless set: off on loopback, on elsewhere.
  auth: false,
  httpMaxHeaderBytes: 16 * 1024,
  httpMaxBodyBytes: 6 * 1024 * 1024,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  httpKeepAliveTimeoutMs: 5_000,
  urlHost: '',
  sqsMaxMessageBytes: 256 * 1024,
  s3MaxObjectBytes: 5 * 1024 * 1024 * 1024,
  prewarmPoolSize: 2,
  memoryReserveMb: 256,
  metricsPort: 0,
  metricsRetentionMs: 14 * 24 * 3600_000,
  metrics: true,
  otlpEndpoint: '',
  runtimeChannel: 'frames',
  runSlots: 0,
};

/** Environment variable that overrides each setting. */
export const ENV_NAMES: Record<keyof ServerConfig, string> = {
  host: 'NIMBUS_HOST',
  port: 'NIMBUS_PORT',
  httpPort: 'NIMBUS_HTTP_PORT',
  dataDir: 'NIMBUS_DATA_DIR',
  region: 'NIMBUS_REGION',
  accountId: 'NIMBUS_ACCOUNT_ID',
  isolation: 'NIMBUS_ISOLATION',
  maxConcurrency: 'NIMBUS_MAX_CONCURRENCY',
  functionMaxConcurrency: 'NIMBUS_FUNCTION_MAX_CONCURRENCY',
  idleTtlMs: 'NIMBUS_IDLE_TTL_MS',
  maxZipBytes: 'NIMBUS_MAX_ZIP_BYTES',
  maxUnzippedBytes: 'NIMBUS_MAX_UNZIPPED_BYTES',
  maxZipEntries: 'NIMBUS_MAX_ZIP_ENTRIES',
  logRetentionMs: 'NIMBUS_LOG_RETENTION_MS',
  tmpSizeMb: 'NIMBUS_TMP_SIZE_MB',
  asyncMaxPayloadBytes: 'NIMBUS_ASYNC_MAX_PAYLOAD_BYTES',
  asyncRetryBaseMs: 'NIMBUS_ASYNC_RETRY_BASE_MS',
  idempotencyWindowMs: 'NIMBUS_IDEMPOTENCY_WINDOW_MS',
  recordRetentionMs: 'NIMBUS_RECORD_RETENTION_MS',
  auth: 'NIMBUS_AUTH',
  httpMaxHeaderBytes: 'NIMBUS_HTTP_MAX_HEADER_BYTES',
  httpMaxBodyBytes: 'NIMBUS_HTTP_MAX_BODY_BYTES',
  httpHeadersTimeoutMs: 'NIMBUS_HTTP_HEADERS_TIMEOUT_MS',
  httpRequestTimeoutMs: 'NIMBUS_HTTP_REQUEST_TIMEOUT_MS',
  httpKeepAliveTimeoutMs: 'NIMBUS_HTTP_KEEP_ALIVE_TIMEOUT_MS',
  urlHost: 'NIMBUS_URL_HOST',
  sqsMaxMessageBytes: 'NIMBUS_SQS_MAX_MESSAGE_BYTES',
  s3MaxObjectBytes: 'NIMBUS_S3_MAX_OBJECT_BYTES',
  prewarmPoolSize: 'NIMBUS_PREWARM_POOL_SIZE',
  memoryReserveMb: 'NIMBUS_MEMORY_RESERVE_MB',
  metricsPort: 'NIMBUS_METRICS_PORT',
  metricsRetentionMs: 'NIMBUS_METRICS_RETENTION_MS',
  metrics: 'NIMBUS_METRICS',
  otlpEndpoint: 'NIMBUS_OTLP_ENDPOINT',
  runtimeChannel: 'NIMBUS_RUNTIME_CHANNEL',
  runSlots: 'NIMBUS_RUN_SLOTS',
};

/**
 * Merges defaults, environment and explicit overrides (flags win), and checks
 * every value. Throws an Error with a readable message on bad input.
 */
export function resolveConfig(
  overrides: Partial<Record<keyof ServerConfig, string | number | boolean | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const out = { ...DEFAULTS } as Record<keyof ServerConfig, unknown>;
  for (const key of Object.keys(DEFAULTS) as (keyof ServerConfig)[]) {
    const raw = overrides[key] ?? env[ENV_NAMES[key]];
    if (raw === undefined || raw === '') continue;
    const def = DEFAULTS[key];
    if (typeof def === 'boolean') {
      out[key] = parseBoolean(key, raw);
    } else if (typeof def === 'number') {
      const n = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isInteger(n) || n < 0) {
        throw new Error(`${key} must be a whole number >= 0 (got ${JSON.stringify(raw)})`);
      }
      out[key] = n;
    } else {
      out[key] = String(raw);
    }
  }
  const cfg = out as unknown as ServerConfig;
  if (!['auto', 'bwrap', 'none'].includes(cfg.isolation)) {
    throw new Error(`isolation must be auto, bwrap or none (got ${JSON.stringify(cfg.isolation)})`);
  }
  for (const p of ['port', 'httpPort', 'metricsPort'] as const) {
    if (cfg[p] > 65535) throw new Error(`${p} must be at most 65535`);
  }
  if (!/^\d{12}$/.test(cfg.accountId)) throw new Error('accountId must be 12 digits');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(cfg.region)) {
    throw new Error(`region ${JSON.stringify(cfg.region)} is not a region name like us-east-1`);
  }
  if (!['frames', 'http'].includes(cfg.runtimeChannel)) {
    throw new Error(
      `runtimeChannel must be frames or http (got ${JSON.stringify(cfg.runtimeChannel)})`,
    );
  }
  if (cfg.otlpEndpoint && !/^https?:\/\/[^/\s]+/.test(cfg.otlpEndpoint)) {
    throw new Error(
      `otlpEndpoint must be an http:// or https:// URL (got ${JSON.stringify(cfg.otlpEndpoint)})`,
    );
  }
  if (cfg.maxConcurrency < 1 || cfg.functionMaxConcurrency < 1) {
    throw new Error('concurrency limits must be at least 1');
  }
  if (cfg.httpMaxHeaderBytes < 1024) throw new Error('httpMaxHeaderBytes must be at least 1024');
  if (cfg.httpHeadersTimeoutMs < 1 || cfg.httpRequestTimeoutMs < cfg.httpHeadersTimeoutMs) {
    throw new Error('httpRequestTimeoutMs must be at least httpHeadersTimeoutMs (and both > 0)');
  }
  const authGiven = (overrides.auth ?? env[ENV_NAMES.auth] ?? '') !== '';
  if (!authGiven) cfg.auth = !isLoopbackHost(cfg.host);
  if (!cfg.auth && !isLoopbackHost(cfg.host)) {
    throw new Error(
      `refusing to serve on ${cfg.host} with auth off: anyone who can reach it could run code. ` +
        'Drop --no-auth / NIMBUS_AUTH=0, or bind a loopback address (--host 127.0.0.1)',
    );
  }
  cfg.dataDir = path.resolve(cfg.dataDir);
  return cfg;
}

/** `127.0.0.0/8`, `::1` and `localhost`: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' ||
    h === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(h)
  );
}

function parseBoolean(key: string, raw: string | number | boolean): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(text)) return true;
  if (['0', 'false', 'off', 'no'].includes(text)) return false;
  throw new Error(`${key} must be 1 or 0 (got ${JSON.stringify(raw)})`);
}
