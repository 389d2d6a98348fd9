import type { Kysely } from 'kysely';
import type { ProvisionedConfigsTable } from '../provisioned-schema.js';
import type { ProvisionedConfig, ProvisionedConfigStore } from '../provisioned-types.js';
import type { Database } from '../schema.js';

/** Provisioned concurrency configurations, one row per (function, qualifier). */
export class SqliteProvisionedStore implements ProvisionedConfigStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(cfg: ProvisionedConfig): Promise<void> {
    const row = {
      function_name: cfg.functionName,
      qualifier: cfg.qualifier,
      requested: cfg.requested,
      last_modified_ms: cfg.lastModifiedMs,
    };
    await this.db
      .insertInto('provisioned_configs')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['function_name', 'qualifier'])
          .doUpdateSet({ requested: row.requested, last_modified_ms: row.last_modified_ms }),
      )
      .execute();
  }

  async get(functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined> {
    const row = await this.db
      .selectFrom('provisioned_configs')
      .selectAll()
      .where('function_name', '=', functionName)
      .where('qualifier', '=', qualifier)
      .executeTakeFirst();
    return row ? toConfig(row) : undefined;
  }

  async list(functionName?: string): Promise<ProvisionedConfig[]> {
    let q = this.db.selectFrom('provisioned_configs').selectAll();
    if (functionName !== undefined) q = q.where('function_name', '=', functionName);
    const rows = await q.orderBy('function_name').orderBy('qualifier').execute();
    return rows.map(toConfig);
  }

  async delete(functionName: string, qualifier: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('provisioned_configs')
      .where('function_name', '=', functionName)
      .where('qualifier', '=', qualifier)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async deleteAllFor(functionName: string): Promise<void> {
    await this.db
      .deleteFrom('provisioned_configs')
      .where('function_name', '=', functionName)
      .execute();
  }
}

function toConfig(row: ProvisionedConfigsTable): ProvisionedConfig {
  return {
    functionName: row.function_name,
    qualifier: row.qualifier,
    requested: Number(row.requested),
    lastModifiedMs: Number(row.last_modified_ms),
  };
}
