/** A provisioned concurrency configuration: how many instances a version or alias keeps ready. */
export interface ProvisionedConfig {
  functionName: string;
  /** A published version or an alias (never `$LATEST`). */
  qualifier: string;
  /** ProvisionedConcurrentExecutions as requested. */
  requested: number;
  lastModifiedMs: number;
}

export interface ProvisionedConfigStore {
  /** Inserts or replaces the configuration of (functionName, qualifier). */
  put(cfg: ProvisionedConfig): Promise<void>;
  get(functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined>;
  /** One function's configurations by qualifier; every function's when none is named. */
  list(functionName?: string): Promise<ProvisionedConfig[]>;
  /** false when it did not exist. */
  delete(functionName: string, qualifier: string): Promise<boolean>;
  deleteAllFor(functionName: string): Promise<void>;
}
