import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { functionsMigration } from './0001-functions.js';
import { logsMigration } from './0002-logs.js';
import { accessKeysMigration } from './0003-access-keys.js';
import { aliasesLayersMigration } from './0004-aliases-layers.js';
import { gatewayMigration } from './0005-gateway.js';
import { asyncMigration } from './0006-async.js';
import { timersMigration } from './0007-timers.js';
import { servicesMigration } from './0008-services.js';
import { queuesMigration } from './0009-queues.js';
import { bucketsMigration } from './0010-buckets.js';
import { provisionedMigration } from './0011-provisioned.js';
import { eventSourceMappingsMigration } from './0012-event-source-mappings.js';
import { metricMinutesMigration } from './0013-metric-minutes.js';
import { testEventsMigration } from './0014-test-events.js';
import { asyncTraceMigration } from './0015-async-trace.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * Every migration, in order. Keys sort lexically, so they are zero-padded; a
 * new migration gets the next number and is never edited once released.
 * Listed statically (no folder scan) so they run the same from src/ and dist/.
 */
export function buildMigrations(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '0001-functions': functionsMigration,
    '0002-logs': logsMigration(dialect),
    '0003-access-keys': accessKeysMigration,
    '0004-aliases-layers': aliasesLayersMigration,
    '0005-gateway': gatewayMigration,
    '0006-async': asyncMigration(dialect),
    '0007-timers': timersMigration,
    '0008-services': servicesMigration,
    '0009-queues': queuesMigration(dialect),
    '0010-buckets': bucketsMigration,
    '0011-provisioned': provisionedMigration,
    '0012-event-source-mappings': eventSourceMappingsMigration,
    '0013-metric-minutes': metricMinutesMigration,
    '0014-test-events': testEventsMigration,
    '0015-async-trace': asyncTraceMigration,
  };
}

/**
 * Brings the schema up to date; a no-op when it already is.
 * Throws the first failing migration's error (that migration is rolled back).
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => buildMigrations(dialect) };
  const { error, results } = await new Migrator({
    db,
    provider,
    allowUnorderedMigrations: true,
  }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`store migration ${failed} failed`, { cause: error });
  }
}
