/** Row of `event_source_mappings` (migration 0012). */
export interface EventSourceMappingsTable {
  uuid: string;
  function_name: string;
  qualifier: string | null;
  event_source_arn: string;
  enabled: number;
  /** JSON of `EventSourceMappingSettings`. */
  config: string;
  last_result: string;
  created_at_ms: number;
  last_modified_ms: number;
}
