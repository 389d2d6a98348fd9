import type { Kysely, Selectable } from 'kysely';
import type { EventSourceMappingsTable } from '../esm-schema.js';
import type {
  EventSourceMapping,
  EventSourceMappingSettings,
  EventSourceMappingStore,
} from '../esm-types.js';
import type { Database } from '../schema.js';

/** Event source mappings (queue → function) in SQLite. */
export class SqliteEventSourceMappingStore implements EventSourceMappingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(m: EventSourceMapping): Promise<void> {
    const settings: EventSourceMappingSettings = {
      batchSize: m.batchSize,
      maximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
      functionResponseTypes: m.functionResponseTypes,
      maximumConcurrency: m.maximumConcurrency,
    };
    const row: EventSourceMappingsTable = {
      uuid: m.uuid,
      function_name: m.functionName,
      qualifier: m.qualifier,
      event_source_arn: m.eventSourceArn,
      enabled: m.enabled ? 1 : 0,
      config: JSON.stringify(settings),
      last_result: m.lastResult,
      created_at_ms: m.createdAtMs,
      last_modified_ms: m.lastModifiedMs,
    };
    const { uuid: _uuid, ...update } = row;
    await this.db
      .insertInto('event_source_mappings')
      .values(row)
      .onConflict((oc) => oc.column('uuid').doUpdateSet(update))
      .execute();
  }

  async get(uuid: string): Promise<EventSourceMapping | undefined> {
    const row = await this.db
      .selectFrom('event_source_mappings')
      .selectAll()
      .where('uuid', '=', uuid)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(
    filter: { functionName?: string; eventSourceArn?: string } = {},
  ): Promise<EventSourceMapping[]> {
    let q = this.db.selectFrom('event_source_mappings').selectAll();
    if (filter.functionName !== undefined) q = q.where('function_name', '=', filter.functionName);
    if (filter.eventSourceArn !== undefined)
      q = q.where('event_source_arn', '=', filter.eventSourceArn);
    const rows = await q.orderBy('created_at_ms').orderBy('uuid').execute();
    return rows.map(fromRow);
  }

  async setLastResult(uuid: string, lastResult: string): Promise<void> {
    await this.db
      .updateTable('event_source_mappings')
      .set({ last_result: lastResult })
      .where('uuid', '=', uuid)
      .execute();
  }

  async delete(uuid: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('event_source_mappings')
      .where('uuid', '=', uuid)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

function fromRow(row: Selectable<EventSourceMappingsTable>): EventSourceMapping {
  const s = JSON.parse(row.config) as EventSourceMappingSettings; // written by put()
  return {
    ...s,
    uuid: row.uuid,
    functionName: row.function_name,
    qualifier: row.qualifier,
    eventSourceArn: row.event_source_arn,
    enabled: row.enabled === 1,
    lastResult: row.last_result,
    createdAtMs: Number(row.created_at_ms),
    lastModifiedMs: Number(row.last_modified_ms),
  };
}
