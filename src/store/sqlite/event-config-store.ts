import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { EventInvokeConfig, EventInvokeConfigStore } from '../types.js';

type Stored = Omit<EventInvokeConfig, 'functionName' | 'qualifier' | 'lastModifiedMs'>;

/** Per-function (and qualifier) retry and destination settings for Event invocations. */
export class SqliteEventConfigStore implements EventInvokeConfigStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(cfg: EventInvokeConfig): Promise<void> {
    const { functionName, qualifier, lastModifiedMs, ...rest } = cfg;
    const config = JSON.stringify(rest satisfies Stored);
    await this.db
      .insertInto('event_invoke_configs')
      .values({ function_name: functionName, qualifier, config, last_modified_ms: lastModifiedMs })
      .onConflict((oc) =>
        oc
          .columns(['function_name', 'qualifier'])
          .doUpdateSet({ config, last_modified_ms: lastModifiedMs }),
      )
      .execute();
  }

  async get(functionName: string, qualifier: string): Promise<EventInvokeConfig | undefined> {
    const row = await this.db
      .selectFrom('event_invoke_configs')
      .selectAll()
      .where('function_name', '=', functionName)
      .where('qualifier', '=', qualifier)
      .executeTakeFirst();
    return row ? toConfig(row) : undefined;
  }

  async list(functionName: string): Promise<EventInvokeConfig[]> {
    const rows = await this.db
      .selectFrom('event_invoke_configs')
      .selectAll()
      .where('function_name', '=', functionName)
      .orderBy('qualifier')
      .execute();
    return rows.map(toConfig);
  }

  async delete(functionName: string, qualifier: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('event_invoke_configs')
      .where('function_name', '=', functionName)
      .where('qualifier', '=', qualifier)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async deleteAllFor(functionName: string): Promise<void> {
    await this.db
      .deleteFrom('event_invoke_configs')
      .where('function_name', '=', functionName)
      .execute();
  }
}

function toConfig(row: {
  function_name: string;
  qualifier: string;
  config: string;
  last_modified_ms: number;
}): EventInvokeConfig {
  // Written only by put().
  const rest = JSON.parse(row.config) as Stored;
  return {
    ...rest,
    functionName: row.function_name,
    qualifier: row.qualifier,
    lastModifiedMs: Number(row.last_modified_ms),
  };
}
