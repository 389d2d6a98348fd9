import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them after every migration has run. Shared by the
 * SQLite and (later) PostgreSQL stores; change it together with a new migration.
 * Column types are the portable subset: text, integer, bigint; JSON is text.
 */
export interface Database {
  functions: FunctionsTable;
  logs: LogsTable;
  access_keys: AccessKeysTable;
  aliases: AliasesTable;
  layer_versions: LayerVersionsTable;
  layer_names: LayerNamesTable;
}

export interface AliasesTable {
  function_name: string;
  name: string;
  function_version: string;
  revision_id: string;
  /** JSON: description, routing weights. */
  config: string;
}

export interface LayerVersionsTable {
  name: string;
  version: number;
  code_hex_sha: string;
  created_at_ms: number;
  /** JSON of the LayerVersionRecord fields that are not columns. */
  config: string;
}

export interface LayerNamesTable {
  name: string;
  last_version: number;
}

/** One row per (name, version); `$LATEST` is the mutable head. */
export interface FunctionsTable {
  name: string;
  version: string;
  service: string;
  code_hex_sha: string;
  revision_id: string;
  created_at_ms: number;
  /** JSON of the FunctionRecord fields that are not columns. */
  config: string;
}

export interface LogsTable {
  id: Generated<number>;
  function_name: string;
  timestamp_ms: number;
  request_id: string | null;
  message: string;
}

/** One row per SigV4 access key; the secret only sealed (never plain text). */
export interface AccessKeysTable {
  id: string;
  description: string;
  secret_sealed: string;
  created_at_ms: number;
  last_used_at_ms: number | null;
}
