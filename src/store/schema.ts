import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them after every migration has run. Shared by the
 * SQLite and (later) PostgreSQL stores; change it together with a new migration.
 * Column types are the portable subset: text, integer, bigint; JSON is text.
 */
export interface Database {
  functions: FunctionsTable;
  logs: LogsTable;
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
