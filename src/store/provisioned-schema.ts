/** Row of `provisioned_configs` (migration 0011). */
export interface ProvisionedConfigsTable {
  function_name: string;
  qualifier: string;
  requested: number;
  last_modified_ms: number;
}
