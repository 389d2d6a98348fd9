import type { Kysely, Selectable } from 'kysely';
import { fail } from '../../shared/error-codes.js';
import type { Database, FunctionsTable } from '../schema.js';
import {
  type FunctionRecord,
  type FunctionStore,
  LATEST_VERSION,
  type ListPage,
} from '../types.js';

/** The record fields kept in their own columns; everything else lives in `config`. */
type ColumnFields = 'name' | 'version' | 'service' | 'codeHexSha' | 'revisionId' | 'createdAtMs';
type FunctionConfig = Omit<FunctionRecord, ColumnFields>;

/** `FunctionStore` on SQLite: `$LATEST` and published versions in the `functions` table. */
export class SqliteFunctionStore implements FunctionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(rec: FunctionRecord): Promise<void> {
    if (rec.version !== LATEST_VERSION) {
      throw new Error(`create() inserts ${LATEST_VERSION} only, got version ${rec.version}`);
    }
    try {
      await this.db.insertInto('functions').values(toRow(rec)).execute();
    } catch (e) {
      // The primary key decides, so two racing creates cannot both succeed.
      if (isUniqueViolation(e)) {
        throw fail('ResourceConflictException', `Function already exist: ${rec.name}`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  async get(name: string, version: string = LATEST_VERSION): Promise<FunctionRecord | undefined> {
    const row = await this.db
      .selectFrom('functions')
      .selectAll()
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async list(opts: { marker?: string; limit: number }): Promise<ListPage<FunctionRecord>> {
    const limit = Math.max(1, Math.floor(opts.limit));
    let query = this.db
      .selectFrom('functions')
      .selectAll()
      .where('version', '=', LATEST_VERSION)
      .orderBy('name')
      // One extra row tells whether another page exists.
      .limit(limit + 1);
    if (opts.marker !== undefined) query = query.where('name', '>', decodeMarker(opts.marker));
    const rows = await query.execute();
    const items = rows.slice(0, limit).map(fromRow);
    const last = items.at(-1);
    return rows.length > limit && last !== undefined
      ? { items, nextMarker: encodeMarker(last.name) }
      : { items };
  }

  /** Replaces everything but the key and `createdAtMs`, which stays the creation time. */
  async update(rec: FunctionRecord, expectedRevisionId?: string): Promise<void> {
    const row = toRow(rec);
    let query = this.db
      .updateTable('functions')
      .set({
        service: row.service,
        code_hex_sha: row.code_hex_sha,
        revision_id: row.revision_id,
        config: row.config,
      })
      .where('name', '=', rec.name)
      .where('version', '=', rec.version);
    // Compare-and-swap in the same statement: no window between check and write.
    if (expectedRevisionId !== undefined) {
      query = query.where('revision_id', '=', expectedRevisionId);
    }
    const result = await query.executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    // Nothing changed; a read now only picks which error to report.
    if (expectedRevisionId !== undefined && (await this.exists(rec.name, rec.version))) {
      throw fail(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    throw fail('ResourceNotFoundException', `Function not found: ${rec.name}`);
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('functions')
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async insertVersion(rec: FunctionRecord): Promise<void> {
    if (rec.version === LATEST_VERSION)
      throw new Error('insertVersion() takes published versions only');
    try {
      await this.db.insertInto('functions').values(toRow(rec)).execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw fail(
          'ResourceConflictException',
          `Version ${rec.version} of ${rec.name} already exists`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  async listVersions(
    name: string,
    opts: { marker?: string; limit: number },
  ): Promise<ListPage<FunctionRecord>> {
    const rows = await this.db
      .selectFrom('functions')
      .selectAll()
      .where('name', '=', name)
      .execute();
    return page(rows.map(fromRow).sort(byVersion), opts, (r) => r.version);
  }

  async listAll(opts: { marker?: string; limit: number }): Promise<ListPage<FunctionRecord>> {
    const rows = await this.db.selectFrom('functions').selectAll().execute();
    const sorted = rows
      .map(fromRow)
      .sort((a, b) => (a.name === b.name ? byVersion(a, b) : a.name < b.name ? -1 : 1));
    return page(sorted, opts, (r) => `${r.name}:${r.version}`);
  }

  async deleteVersion(name: string, version: string): Promise<boolean> {
    if (version === LATEST_VERSION)
      throw new Error('deleteVersion() takes published versions only');
    const result = await this.db
      .deleteFrom('functions')
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('functions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('version', '=', LATEST_VERSION)
      .executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a string; Number() keeps this portable.
    return Number(row.n);
  }

  private async exists(name: string, version: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('functions')
      .select('name')
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row !== undefined;
  }
}

function toRow(rec: FunctionRecord): FunctionsTable {
  const { name, version, service, codeHexSha, revisionId, createdAtMs, ...config } = rec;
  return {
    name,
    version,
    service,
    code_hex_sha: codeHexSha,
    revision_id: revisionId,
    created_at_ms: createdAtMs,
    config: JSON.stringify(config satisfies FunctionConfig),
  };
}

function fromRow(row: Selectable<FunctionsTable>): FunctionRecord {
  // Written only by toRow(), so the JSON has exactly the FunctionConfig fields.
  const config = JSON.parse(row.config) as FunctionConfig;
  return {
    ...config,
    name: row.name,
    version: row.version,
    service: row.service,
    codeHexSha: row.code_hex_sha,
    revisionId: row.revision_id,
    // bigint columns come back as strings from PostgreSQL.
    createdAtMs: Number(row.created_at_ms),
  };
}

/** `$LATEST` first, then published versions by number. */
function byVersion(a: FunctionRecord, b: FunctionRecord): number {
  const va = a.version === LATEST_VERSION ? 0 : Number(a.version);
  const vb = b.version === LATEST_VERSION ? 0 : Number(b.version);
  return va - vb;
}

/** One page of an in-memory ordered list, resuming after the item whose key is the marker. */
export function page<T>(
  items: T[],
  opts: { marker?: string; limit: number },
  key: (t: T) => string,
): ListPage<T> {
  const limit = Math.max(1, Math.floor(opts.limit));
  let start = 0;
  if (opts.marker !== undefined) {
    const after = decodeMarker(opts.marker);
    const i = items.findIndex((t) => key(t) === after);
    if (i < 0) throw fail('InvalidParameterValueException', `Invalid marker: ${opts.marker}`);
    start = i + 1;
  }
  const slice = items.slice(start, start + limit);
  const last = slice.at(-1);
  return start + limit < items.length && last !== undefined
    ? { items: slice, nextMarker: encodeMarker(key(last)) }
    : { items: slice };
}

function encodeMarker(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

/** Rejects markers this store did not hand out, rather than listing from a garbage position. */
function decodeMarker(marker: string): string {
  const name = Buffer.from(marker, 'base64url').toString('utf8');
  if (marker === '' || encodeMarker(name) !== marker) {
    throw fail('InvalidParameterValueException', `Invalid marker: ${marker}`);
  }
  return name;
}

/** SQLite (better-sqlite3) and PostgreSQL (pg, SQLSTATE 23505) unique-key violations. */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || !('code' in e)) return false;
  const code = e.code;
  return (
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === '23505'
  );
}
