import type { Kysely, Selectable } from 'kysely';
import { fail } from '../../shared/error-codes.js';
import type { AliasesTable, Database } from '../schema.js';
import type { AliasRecord, AliasStore, ListPage } from '../types.js';
import { isUniqueViolation, page } from './function-store.js';

/** `AliasStore` on SQLite: one row per (function, alias). */
export class SqliteAliasStore implements AliasStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(rec: AliasRecord): Promise<void> {
    try {
      await this.db.insertInto('aliases').values(toRow(rec)).execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw fail(
          'ResourceConflictException',
          `Alias already exists: ${rec.functionName}:${rec.name}`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  async get(functionName: string, name: string): Promise<AliasRecord | undefined> {
    const row = await this.db
      .selectFrom('aliases')
      .selectAll()
      .where('function_name', '=', functionName)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(
    functionName: string,
    opts: { functionVersion?: string; marker?: string; limit: number },
  ): Promise<ListPage<AliasRecord>> {
    let q = this.db
      .selectFrom('aliases')
      .selectAll()
      .where('function_name', '=', functionName)
      .orderBy('name');
    if (opts.functionVersion !== undefined)
      q = q.where('function_version', '=', opts.functionVersion);
    const rows = await q.execute();
    return page(rows.map(fromRow), opts, (a) => a.name);
  }

  async update(rec: AliasRecord, expectedRevisionId?: string): Promise<void> {
    const row = toRow(rec);
    let q = this.db
      .updateTable('aliases')
      .set({
        function_version: row.function_version,
        revision_id: row.revision_id,
        config: row.config,
      })
      .where('function_name', '=', rec.functionName)
      .where('name', '=', rec.name);
    if (expectedRevisionId !== undefined) q = q.where('revision_id', '=', expectedRevisionId);
    const r = await q.executeTakeFirst();
    if (r.numUpdatedRows > 0n) return;
    if (expectedRevisionId !== undefined && (await this.get(rec.functionName, rec.name))) {
      throw fail(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    throw fail('ResourceNotFoundException', `Alias not found: ${rec.functionName}:${rec.name}`);
  }

  async delete(functionName: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('aliases')
      .where('function_name', '=', functionName)
      .where('name', '=', name)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async deleteAllFor(functionName: string): Promise<void> {
    await this.db.deleteFrom('aliases').where('function_name', '=', functionName).execute();
  }
}

function toRow(rec: AliasRecord): AliasesTable {
  return {
    function_name: rec.functionName,
    name: rec.name,
    function_version: rec.functionVersion,
    revision_id: rec.revisionId,
    config: JSON.stringify({
      description: rec.description,
      additionalVersionWeights: rec.additionalVersionWeights,
    }),
  };
}

function fromRow(row: Selectable<AliasesTable>): AliasRecord {
  // Written only by toRow().
  const config = JSON.parse(row.config) as Pick<
    AliasRecord,
    'description' | 'additionalVersionWeights'
  >;
  return {
    functionName: row.function_name,
    name: row.name,
    functionVersion: row.function_version,
    revisionId: row.revision_id,
    description: config.description,
    additionalVersionWeights: config.additionalVersionWeights,
  };
}
