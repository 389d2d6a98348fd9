import type { Generated } from 'kysely';
import type { BucketTables } from './bucket-schema.js';
import type { EventSourceMappingsTable } from './esm-schema.js';
import type { FunctionUrlsTable, HttpApiKeysTable, HttpRoutesTable } from './gateway-schema.js';
import type { MetricMinutesTable } from './metrics-schema.js';
import type { ProvisionedConfigsTable } from './provisioned-schema.js';
import type { QueueTables } from './queue-schema.js';

/**
 * The tables as Kysely sees them after every migration has run. Shared by the
 * SQLite and (later) PostgreSQL stores; change it together with a new migration.
 * Column types are the portable subset: text, integer, bigint; JSON is text.
 */
export interface Database extends BucketTables, QueueTables {
  functions: FunctionsTable;
  logs: LogsTable;
  access_keys: AccessKeysTable;
  aliases: AliasesTable;
  async_events: AsyncEventsTable;
  client_tokens: ClientTokensTable;
  event_invoke_configs: EventInvokeConfigsTable;
  dead_letters: DeadLettersTable;
  invocations: InvocationsTable;
  layer_versions: LayerVersionsTable;
  layer_names: LayerNamesTable;
  http_routes: HttpRoutesTable;
  http_api_keys: HttpApiKeysTable;
  function_urls: FunctionUrlsTable;
  timers: TimersTable;
  services: ServicesTable;
  event_source_mappings: EventSourceMappingsTable;
  provisioned_configs: ProvisionedConfigsTable;
  metric_minutes: MetricMinutesTable;
  test_events: TestEventsTable;
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

export interface AsyncEventsTable {
  request_id: string;
  function_name: string;
  qualifier: string | null;
  payload: Buffer;
  source: string;
  status: string;
  attempts: number;
  enqueued_at_ms: number;
  next_attempt_at_ms: number;
  lease_until_ms: number | null;
  last_error_type: string | null;
  last_error_message: string | null;
  /** W3C traceparent of the span that enqueued it (tracing on); null otherwise. */
  trace_parent: string | null;
}

export interface ClientTokensTable {
  function_name: string;
  token: string;
  request_id: string;
  created_at_ms: number;
}

export interface EventInvokeConfigsTable {
  function_name: string;
  qualifier: string;
  /** JSON: retry and destination settings. */
  config: string;
  last_modified_ms: number;
}

export interface DeadLettersTable {
  request_id: string;
  function_name: string;
  qualifier: string | null;
  payload: Buffer;
  source: string;
  attempts: number;
  reason: string;
  error_type: string | null;
  error_message: string | null;
  enqueued_at_ms: number;
  dead_at_ms: number;
}

export interface InvocationsTable {
  request_id: string;
  function_name: string;
  created_at_ms: number;
  status: string;
  /** JSON of the whole InvocationRecord. */
  record: string;
}

/** One row per timer trigger; booleans are 0/1 integers (portable). */
export interface TimersTable {
  name: string;
  function_name: string;
  qualifier: string | null;
  schedule: string;
  time_zone: string | null;
  payload: string | null;
  enabled: number;
  catch_up: number;
  next_fire_at_ms: number | null;
  last_fire_at_ms: number | null;
  lease_owner: string | null;
  lease_until_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
}

/** One row per service; `config` is JSON of the ServiceRecord settings. */
export interface ServicesTable {
  name: string;
  config: string;
  created_at_ms: number;
  updated_at_ms: number;
}

/** The console's saved test events: one JSON payload per function and name. */
export interface TestEventsTable {
  function_name: string;
  name: string;
  payload: string;
  created_at_ms: number;
  updated_at_ms: number;
}
