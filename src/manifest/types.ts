/**
 * The `nimbus.yml` model: one project's functions, their triggers, and the
 * queues and buckets they use. docs/manifest.md documents every key; the JSON
 * Schema in schema.ts (published as docs/nimbus.schema.json) is its contract.
 */

/** An HTTP route of the gateway: `GET /users/{id}`, optionally on a custom domain. */
export interface RouteSpec {
  route: string;
  domain?: string;
  payload?: '2.0' | '1.0' | 'fc';
  auth?: 'none' | 'key';
  cors?: CorsSpec;
}

/** CORS of a route or function URL. */
export interface CorsSpec {
  allowOrigins: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  allowCredentials?: boolean;
  maxAgeS?: number;
}

/** A Lambda function URL. */
export interface UrlSpec {
  authType?: 'NONE' | 'AWS_IAM';
  invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
}

/** A timer trigger; its name is the key in `timers:`. */
export interface TimerSpec {
  schedule: string;
  timezone?: string;
  payload?: string;
  enabled?: boolean;
}

/** An event source mapping from a queue of the project (or any queue on the server). */
export interface QueueTriggerSpec {
  queue: string;
  batchSize?: number;
  windowS?: number;
  reportFailures?: boolean;
  enabled?: boolean;
}

/** A bucket notification rule invoking the function. */
export interface BucketTriggerSpec {
  bucket: string;
  events?: string[];
  prefix?: string;
  suffix?: string;
}

/** Async invocation settings (Lambda's function event invoke config). */
export interface AsyncSpec {
  maxRetries?: number;
  maxEventAgeS?: number;
  onSuccess?: string;
  onFailure?: string;
}

/** One function of the project; its name is the key in `functions:`. */
export interface FunctionSpec {
  /** A folder (zipped deterministically) or a `.zip`, relative to the manifest. */
  code: string;
  runtime?: string;
  handler?: string;
  memoryMb?: number;
  timeoutS?: number;
  env?: Record<string, string>;
  description?: string;
  flavour?: 'lambda' | 'fc';
  initializer?: string;
  initializationTimeoutS?: number;
  service?: string;
  reservedConcurrency?: number;
  /** Layers under /opt, in order: names of `layers:` of this manifest, or layer version ARNs. */
  layers?: string[];
  async?: AsyncSpec;
  routes?: (string | RouteSpec)[];
  url?: boolean | UrlSpec;
  timers?: Record<string, TimerSpec>;
  queues?: QueueTriggerSpec[];
  buckets?: BucketTriggerSpec[];
}

/** A queue the project owns; its name is the key in `queues:`. */
export interface QueueSpec {
  visibilityTimeoutS?: number;
  delayS?: number;
  retentionS?: number;
}

/** A layer the project publishes; its name is the key in `layers:`. */
export interface LayerSpec {
  /** A folder (zipped deterministically) or a `.zip`, relative to the manifest. */
  code: string;
  description?: string;
  compatibleRuntimes?: string[];
}

/** A Function Compute service the project's functions live in; its name is the key in `services:`. */
export interface ServiceSpec {
  description?: string;
  internetAccess?: boolean;
  logRetentionDays?: number;
  env?: Record<string, string>;
}

/** A whole `nimbus.yml`. */
export interface Manifest {
  /** Marks what this manifest owns on the server (tag `nimbus:project`); `--prune` touches nothing else. */
  project: string;
  /** Defaults for every function (each function's own keys win; env is merged). */
  defaults?: Omit<FunctionSpec, 'code' | 'routes' | 'url' | 'timers' | 'queues' | 'buckets'>;
  functions: Record<string, FunctionSpec>;
  services?: Record<string, ServiceSpec | null>;
  layers?: Record<string, LayerSpec>;
  queues?: Record<string, QueueSpec | null>;
  buckets?: Record<string, Record<string, never> | null>;
}

/** A problem in a manifest file, with where it is. */
export interface ManifestIssue {
  file: string;
  /** 1-based; 0 when the position is unknown. */
  line: number;
  column: number;
  message: string;
}

/** A translated manifest plus what the importer could not map (never dropped silently). */
export interface ImportResult {
  manifest: Manifest;
  /** Base folder code paths are relative to. */
  baseDir: string;
  warnings: ManifestIssue[];
}
