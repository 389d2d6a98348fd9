import type { Kysely, Selectable } from 'kysely';
import { fail } from '../../shared/error-codes.js';
import type { FunctionUrlsTable, HttpRoutesTable } from '../gateway-schema.js';
import type {
  FunctionUrlRecord,
  GatewayStore,
  HttpApiKeyRecord,
  HttpRouteRecord,
} from '../gateway-types.js';
import type { Database } from '../schema.js';
import { isUniqueViolation } from './function-store.js';

/** `GatewayStore` on SQLite: `http_routes`, `http_api_keys`, `function_urls`. */
export class SqliteGatewayStore implements GatewayStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listRoutes(): Promise<HttpRouteRecord[]> {
    const rows = await this.db
      .selectFrom('http_routes')
      .selectAll()
      .orderBy('domain')
      .orderBy('path')
      .orderBy('method')
      .execute();
    return rows.map(routeFromRow);
  }

  async createRoute(rec: HttpRouteRecord): Promise<void> {
    const { target, payload, auth, cors } = rec;
    try {
      await this.db
        .insertInto('http_routes')
        .values({
          id: rec.id,
          domain: rec.domain ?? '',
          method: rec.method,
          path: rec.path,
          created_at_ms: rec.createdAtMs,
          config: JSON.stringify({ target, payload, auth, cors }),
        })
        .execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        const where = rec.domain ? ` on ${rec.domain}` : '';
        throw fail('ResourceConflictException', `Route ${rec.method} ${rec.path}${where} exists`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  async deleteRoute(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('http_routes').where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async listApiKeys(): Promise<HttpApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('http_api_keys')
      .selectAll()
      .orderBy('created_at_ms')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      description: r.description,
      keyHash: r.key_hash,
      // bigint columns come back as strings from PostgreSQL.
      createdAtMs: Number(r.created_at_ms),
    }));
  }

  async createApiKey(rec: HttpApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('http_api_keys')
      .values({
        id: rec.id,
        description: rec.description,
        key_hash: rec.keyHash,
        created_at_ms: rec.createdAtMs,
      })
      .execute();
  }

  async deleteApiKey(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('http_api_keys').where('id', '=', id).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async listUrls(): Promise<FunctionUrlRecord[]> {
    const rows = await this.db
      .selectFrom('function_urls')
      .selectAll()
      .orderBy('function_name')
      .orderBy('qualifier')
      .execute();
    return rows.map(urlFromRow);
  }

  async createUrl(rec: FunctionUrlRecord): Promise<void> {
    try {
      await this.db.insertInto('function_urls').values(urlToRow(rec)).execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw fail(
          'ResourceConflictException',
          `Failed to create function url config for [functionArn = ${rec.functionName}${rec.qualifier ? `:${rec.qualifier}` : ''}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  async updateUrl(rec: FunctionUrlRecord): Promise<void> {
    await this.db
      .updateTable('function_urls')
      .set({ config: urlToRow(rec).config })
      .where('url_id', '=', rec.urlId)
      .execute();
  }

  async deleteUrl(functionName: string, qualifier: string | null): Promise<boolean> {
    const r = await this.db
      .deleteFrom('function_urls')
      .where('function_name', '=', functionName)
      .where('qualifier', '=', qualifier ?? '')
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  async deleteUrlsFor(functionName: string): Promise<void> {
    await this.db.deleteFrom('function_urls').where('function_name', '=', functionName).execute();
  }
}

function routeFromRow(row: Selectable<HttpRoutesTable>): HttpRouteRecord {
  const config = JSON.parse(row.config) as Pick<
    HttpRouteRecord,
    'target' | 'payload' | 'auth' | 'cors'
  >;
  return {
    id: row.id,
    domain: row.domain === '' ? null : row.domain,
    method: row.method,
    path: row.path,
    createdAtMs: Number(row.created_at_ms),
    target: config.target,
    payload: config.payload,
    auth: config.auth,
    cors: config.cors,
  };
}

function urlToRow(rec: FunctionUrlRecord): FunctionUrlsTable {
  const { authType, cors, invokeMode, creationTime, lastModifiedTime } = rec;
  return {
    url_id: rec.urlId,
    function_name: rec.functionName,
    qualifier: rec.qualifier ?? '',
    config: JSON.stringify({ authType, cors, invokeMode, creationTime, lastModifiedTime }),
  };
}

function urlFromRow(row: Selectable<FunctionUrlsTable>): FunctionUrlRecord {
  const c = JSON.parse(row.config) as Omit<
    FunctionUrlRecord,
    'urlId' | 'functionName' | 'qualifier'
  >;
  return {
    urlId: row.url_id,
    functionName: row.function_name,
    qualifier: row.qualifier === '' ? null : row.qualifier,
    authType: c.authType,
    cors: c.cors,
    invokeMode: c.invokeMode,
    creationTime: c.creationTime,
    lastModifiedTime: c.lastModifiedTime,
  };
}
