import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from '../migrations/index.js';
import type { Database } from '../schema.js';
import type { Store } from '../types.js';
import { SqliteAccessKeyStore } from './access-key-store.js';
import { SqliteAliasStore } from './alias-store.js';
import { SqliteAsyncStore } from './async-store.js';
import { SqliteBucketStore } from './bucket-store.js';
import { SqliteEventSourceMappingStore } from './esm-store.js';
import { SqliteEventConfigStore } from './event-config-store.js';
import { SqliteFunctionStore } from './function-store.js';
import { SqliteGatewayStore } from './gateway-store.js';
import { SqliteInvocationStore } from './invocation-store.js';
import { SqliteLayerStore } from './layer-store.js';
import { SqliteLogStore } from './log-store.js';
import { SqliteMetricsStore } from './metrics-store.js';
import { SqliteProvisionedStore } from './provisioned-store.js';
import { SqliteQueueStore } from './queue-store.js';
import { SqliteServiceStore } from './service-store.js';
import { SqliteTestEventStore } from './test-event-store.js';
import { SqliteTimerStore } from './timer-store.js';

/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite store at `file` and migrates it to the
 * latest schema. Safe to call on an existing file: finished migrations are skipped.
 *
 * @example
 * const store = await openSqliteStore('/var/lib/nimbus/nimbus.db');
 * try { await store.functions.count(); } finally { await store.close(); }
 */
export async function openSqliteStore(file: string): Promise<Store> {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside the writer; NORMAL is durable across a process
  // crash and loses at most the last commits on power loss, which logs tolerate.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return {
    functions: new SqliteFunctionStore(db),
    services: new SqliteServiceStore(db),
    logs: new SqliteLogStore(db, sqlite),
    accessKeys: new SqliteAccessKeyStore(db),
    aliases: new SqliteAliasStore(db),
    asyncEvents: new SqliteAsyncStore(db, sqlite),
    eventConfigs: new SqliteEventConfigStore(db),
    invocations: new SqliteInvocationStore(db, sqlite),
    layers: new SqliteLayerStore(db),
    gateway: new SqliteGatewayStore(db),
    eventSourceMappings: new SqliteEventSourceMappingStore(db),
    provisioned: new SqliteProvisionedStore(db),
    timers: new SqliteTimerStore(db),
    buckets: new SqliteBucketStore(db),
    queues: new SqliteQueueStore(db, sqlite),
    metrics: new SqliteMetricsStore(db, sqlite),
    testEvents: new SqliteTestEventStore(db),
    close: () => db.destroy(),
  };
}
