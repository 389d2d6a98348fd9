import type { Kysely, Selectable } from 'kysely';
import type { Database, LayerVersionsTable } from '../schema.js';
import type { LayerStore, LayerVersionRecord, ListPage } from '../types.js';
import { page } from './function-store.js';

type LayerConfig = Omit<LayerVersionRecord, 'name' | 'version' | 'codeHexSha' | 'createdAtMs'>;

/** `LayerStore` on SQLite: versions in `layer_versions`, counters in `layer_names`. */
export class SqliteLayerStore implements LayerStore {
  constructor(private readonly db: Kysely<Database>) {}

  async publish(rec: Omit<LayerVersionRecord, 'version'>): Promise<LayerVersionRecord> {
    return this.db.transaction().execute(async (tx) => {
      const cur = await tx
        .selectFrom('layer_names')
        .select('last_version')
        .where('name', '=', rec.name)
        .executeTakeFirst();
      const version = Number(cur?.last_version ?? 0) + 1;
      if (cur)
        await tx
          .updateTable('layer_names')
          .set({ last_version: version })
          .where('name', '=', rec.name)
          .execute();
      else
        await tx
          .insertInto('layer_names')
          .values({ name: rec.name, last_version: version })
          .execute();
      const full: LayerVersionRecord = { ...rec, version };
      await tx.insertInto('layer_versions').values(toRow(full)).execute();
      return full;
    });
  }

  async get(name: string, version: number): Promise<LayerVersionRecord | undefined> {
    const row = await this.db
      .selectFrom('layer_versions')
      .selectAll()
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async listVersions(
    name: string,
    opts: { marker?: string; limit: number },
  ): Promise<ListPage<LayerVersionRecord>> {
    const rows = await this.db
      .selectFrom('layer_versions')
      .selectAll()
      .where('name', '=', name)
      .orderBy('version', 'desc')
      .execute();
    return page(rows.map(fromRow), opts, (l) => String(l.version));
  }

  async listLatest(opts: {
    marker?: string;
    limit: number;
  }): Promise<ListPage<LayerVersionRecord>> {
    const rows = await this.db
      .selectFrom('layer_versions')
      .selectAll()
      .orderBy('name')
      .orderBy('version', 'desc')
      .execute();
    const latest: LayerVersionRecord[] = [];
    for (const r of rows.map(fromRow)) if (latest.at(-1)?.name !== r.name) latest.push(r);
    return page(latest, opts, (l) => l.name);
  }

  async delete(name: string, version: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('layer_versions')
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}

function toRow(rec: LayerVersionRecord): LayerVersionsTable {
  const { name, version, codeHexSha, createdAtMs, ...config } = rec;
  return {
    name,
    version,
    code_hex_sha: codeHexSha,
    created_at_ms: createdAtMs,
    config: JSON.stringify(config satisfies LayerConfig),
  };
}

function fromRow(row: Selectable<LayerVersionsTable>): LayerVersionRecord {
  // Written only by toRow().
  const config = JSON.parse(row.config) as LayerConfig;
  return {
    ...config,
    name: row.name,
    version: Number(row.version),
    codeHexSha: row.code_hex_sha,
    createdAtMs: Number(row.created_at_ms),
  };
}
