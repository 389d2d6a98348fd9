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
};

/**
 * Merges defaults, environment and explicit overrides (flags win), and checks
 * every value. Throws an Error with a readable message on bad input.
 */
export function resolveConfig(
  overrides: Partial<Record<keyof ServerConfig, string | number | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const out = { ...DEFAULTS } as Record<keyof ServerConfig, unknown>;
  for (const key of Object.keys(DEFAULTS) as (keyof ServerConfig)[]) {
    const raw = overrides[key] ?? env[ENV_NAMES[key]];
    if (raw === undefined || raw === '') continue;
    const def = DEFAULTS[key];
    if (typeof def === 'number') {
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
  for (const p of ['port', 'httpPort'] as const) {
    if (cfg[p] > 65535) throw new Error(`${p} must be at most 65535`);
  }
  if (!/^\d{12}$/.test(cfg.accountId)) throw new Error('accountId must be 12 digits');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(cfg.region)) {
    throw new Error(`region ${JSON.stringify(cfg.region)} is not a region name like us-east-1`);
  }
  if (cfg.maxConcurrency < 1 || cfg.functionMaxConcurrency < 1) {
    throw new Error('concurrency limits must be at least 1');
  }
  cfg.dataDir = path.resolve(cfg.dataDir);
  return cfg;
}
