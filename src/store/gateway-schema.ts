/** The gateway's tables (migration 0005-gateway); part of `Database` in schema.ts. */

export interface HttpRoutesTable {
  id: string;
  /** '' for routes without a domain (a unique key must not hold NULLs). */
  domain: string;
  method: string;
  path: string;
  created_at_ms: number;
  /** JSON: target, payload, auth, cors. */
  config: string;
}

export interface HttpApiKeysTable {
  id: string;
  description: string;
  key_hash: string;
  created_at_ms: number;
}

export interface FunctionUrlsTable {
  url_id: string;
  function_name: string;
  /** '' when unqualified. */
  qualifier: string;
  /** JSON: auth type, CORS, invoke mode, times. */
  config: string;
}
