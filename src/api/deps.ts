import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CodeStore } from '../code/index.js';
import type {
  AliasService,
  FunctionRegistry,
  LayerService,
  ProvisionedConcurrency,
  ServiceRegistry,
} from '../functions/index.js';
import type { HttpGateway } from '../gateway/index.js';
import type { AsyncEnqueuer } from '../invoke/async/index.js';
import type { Invoker } from '../invoke/index.js';
import type { Metrics } from '../metrics/index.js';
import type { RuntimeCatalog } from '../runtimes/index.js';
import type { ArnContext } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import type { LogStore, Store } from '../store/types.js';
import type { Tracing } from '../tracing/index.js';
import type { EventSourceMappings } from '../triggers/queue/index.js';
import type { TimerManager } from '../triggers/timer/index.js';
import type { AccessKeys } from './auth/index.js';
import type { CodeLinks } from './code-links.js';

/** Everything the HTTP layer needs; built by the server, or by tests with real parts. */
export interface ApiDeps {
  arn: ArnContext;
  registry: FunctionRegistry;
  /** Presigned code download links. */
  codeLinks: CodeLinks;
  aliases: AliasService;
  /** Provisioned concurrency configurations (`/2019-09-30/functions/{name}/provisioned-concurrency`). */
  provisioned: ProvisionedConcurrency;
  layers: LayerService;
  /** Function Compute services (`/nimbus/v1/services`, the deploy body's `service`). */
  services: ServiceRegistry;
  /** Account limits for GetAccountSettings and reserved-concurrency checks. */
  limits: { maxConcurrency: number; maxZipBytes: number; maxUnzippedBytes: number };
  /** Told when the sum of reserved concurrency changed. */
  onReservedChange(): Promise<void>;
  invoker: Invoker;
  asyncQueue: AsyncEnqueuer;
  store: Store;
  code: CodeStore;
  logs: LogStore;
  /** Objects in Nimbus's own S3, for code and layer content given as S3Bucket/S3Key. */
  objects: { read(bucket: string, key: string): Promise<Buffer> };
  /** The built-in queues, as destinations of Event invocations. */
  queues: { byArn(arn: string): Promise<unknown | null> };
  /** Queue → function event source mappings (`/2015-03-31/event-source-mappings`). */
  mappings: EventSourceMappings;
  /** Timer triggers (`/nimbus/v1/timers`). */
  timers: TimerManager;
  /** SigV4 access keys (`/nimbus/v1/keys`). */
  keys: AccessKeys;
  /** Set when auth is on: every request but /health must be signed by a known key. */
  auth?: { clock: Clock; log?: (line: string) => void };
  /** Request id generator (tests inject one). */
  requestIds?: () => string;
  /** Facts for /health that need the store. */
  healthAsync?: () => Promise<Record<string, unknown>>;
  /** Facts for /health. */
  health(): Record<string, unknown>;
  /** Runtimes and Node.js installs (`/nimbus/v1/runtimes`). */
  runtimes: Pick<RuntimeCatalog, 'list' | 'row' | 'install'>;
  /**
   * Takes the SQS and S3 requests that arrive on the control API's port (true when
   * it answered the request); the rest go to the Lambda and native API.
   */
  frontDoor?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The HTTP gateway's routes, function URLs and API keys (`/nimbus/v1/routes`, function URL API). */
  gateway: Pick<HttpGateway, 'routes' | 'urls' | 'apiKeys'>;
  /** Prometheus metrics (`/metrics`) and the per-minute aggregates behind usage and metrics views. */
  metrics?: Pick<Metrics, 'scrape' | 'flush'>;
  /** OpenTelemetry spans of Invoke calls (only when an OTLP endpoint is configured). */
  tracing?: Pick<Tracing, 'invokeCall' | 'enqueueCall'> | undefined;
}
