/**
 * The store's public contract. The embedded implementation is SQLite (Kysely over
 * better-sqlite3); a PostgreSQL one plugs in later behind the same interfaces.
 */

import type { BucketStore } from './bucket-types.js';
import type { EventSourceMappingStore } from './esm-types.js';
import type { GatewayStore } from './gateway-types.js';
import type { MetricsStore } from './metrics-types.js';
import type { ProvisionedConfigStore } from './provisioned-types.js';
import type { QueueStore } from './queue-types.js';

export * from './bucket-types.js';
export * from './esm-types.js';
export * from './gateway-types.js';
export * from './metrics-types.js';
export * from './provisioned-types.js';
export * from './queue-types.js';

export type Flavour = 'lambda' | 'fc';

/** The version name of a function's mutable head. */
export const LATEST_VERSION = '$LATEST';

/** A function's configuration and code pointer: the `$LATEST` head, or a published version. */
export interface FunctionRecord {
  name: string;
  /** `$LATEST` for the mutable head; "1", "2", ... for published versions. */
  version: string;
  service: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  memoryMb: number;
  timeoutS: number;
  env: Record<string, string>;
  /** base64 sha256 of the zip, as Lambda reports CodeSha256. */
  codeSha256: string;
  /** hex sha256 of the zip: the code store's key. */
  codeHexSha: string;
  codeSizeBytes: number;
  initializer: string | null;
  initializationTimeoutS: number;
  flavour: Flavour;
  /** Layer versions mounted at /opt, in order. */
  layers: LayerRef[];
  tags: Record<string, string>;
  reservedConcurrency: number | null;
  architectures: string[];
  ephemeralStorageMb: number;
  /** Changes on every update (uuid). */
  revisionId: string;
  /** Lambda's format: 2024-01-01T00:00:00.000+0000 */
  lastModified: string;
  createdAtMs: number;
  /** On `$LATEST`: the highest version number ever published (never reused). */
  lastPublishedVersion?: number;
}

/** A function's reference to a layer version, with the code it resolved to when set. */
export interface LayerRef {
  arn: string;
  codeSizeBytes: number;
  codeHexSha: string;
}

export interface ListPage<T> {
  items: T[];
  /** Opaque; absent when there is no further page. */
  nextMarker?: string;
}

export interface FunctionStore {
  /** Inserts a new `$LATEST`; throws ResourceConflictException if the name exists. */
  create(rec: FunctionRecord): Promise<void>;
  get(name: string, version?: string): Promise<FunctionRecord | undefined>;
  /** `$LATEST` of every function, ordered by name. */
  list(opts: { marker?: string; limit: number }): Promise<ListPage<FunctionRecord>>;
  /**
   * Replaces a record. When `expectedRevisionId` is given and differs from the
   * stored one, throws PreconditionFailedException and changes nothing.
   */
  update(rec: FunctionRecord, expectedRevisionId?: string): Promise<void>;
  /** Deletes the function with all its versions; false when it did not exist. */
  delete(name: string): Promise<boolean>;
  /** Inserts a published version (never `$LATEST`). */
  insertVersion(rec: FunctionRecord): Promise<void>;
  /** `$LATEST` then published versions in number order. */
  listVersions(
    name: string,
    opts: { marker?: string; limit: number },
  ): Promise<ListPage<FunctionRecord>>;
  /** Every version of every function (ListFunctions with FunctionVersion=ALL), by name then version. */
  listAll(opts: { marker?: string; limit: number }): Promise<ListPage<FunctionRecord>>;
  deleteVersion(name: string, version: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface LogEvent {
  functionName: string;
  timestampMs: number;
  /** null for lines outside any invocation. */
  requestId: string | null;
  message: string;
}

export interface StoredLogEvent extends LogEvent {
  id: number;
}

export interface LogQuery {
  functionName: string;
  sinceMs?: number;
  /** Only events with id > afterId. */
  afterId?: number;
  requestId?: string;
  limit: number;
}

export interface LogStore {
  /** Appends in one transaction; order is preserved. */
  append(events: LogEvent[]): Promise<void>;
  /** Oldest first. */
  query(q: LogQuery): Promise<{ events: StoredLogEvent[]; nextCursor: string }>;
  /** Deletes events older than the cutoff; returns how many. */
  prune(olderThanMs: number): Promise<number>;
  /** Deletes every event of a function (on DeleteFunction). */
  deleteFunction(functionName: string): Promise<void>;
}

/** A name for a function version, optionally splitting traffic with a second version. */
export interface AliasRecord {
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** Additional version → weight (0..1); at most one entry. */
  additionalVersionWeights: Record<string, number>;
  revisionId: string;
}

export interface AliasStore {
  /** Throws ResourceConflictException when the alias exists. */
  create(rec: AliasRecord): Promise<void>;
  get(functionName: string, name: string): Promise<AliasRecord | undefined>;
  list(
    functionName: string,
    opts: { functionVersion?: string; marker?: string; limit: number },
  ): Promise<ListPage<AliasRecord>>;
  /** Compare-and-swap on revision id when given (PreconditionFailedException). */
  update(rec: AliasRecord, expectedRevisionId?: string): Promise<void>;
  delete(functionName: string, name: string): Promise<boolean>;
  deleteAllFor(functionName: string): Promise<void>;
}

export interface LayerVersionRecord {
  name: string;
  version: number;
  description: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo: string | null;
  codeSha256: string;
  codeHexSha: string;
  codeSizeBytes: number;
  /** Lambda's format: 2024-01-01T00:00:00.000+0000 */
  createdDate: string;
  createdAtMs: number;
}

export interface LayerStore {
  /** Allocates the next version number for `name` (never reused) and inserts it. */
  publish(rec: Omit<LayerVersionRecord, 'version'>): Promise<LayerVersionRecord>;
  get(name: string, version: number): Promise<LayerVersionRecord | undefined>;
  /** Newest first, as Lambda lists them. */
  listVersions(
    name: string,
    opts: { marker?: string; limit: number },
  ): Promise<ListPage<LayerVersionRecord>>;
  /** The newest version of every layer, by name. */
  listLatest(opts: { marker?: string; limit: number }): Promise<ListPage<LayerVersionRecord>>;
  delete(name: string, version: number): Promise<boolean>;
}

/** A SigV4 access key as stored: the secret only sealed, never in plain text. */
export interface AccessKeyRecord {
  /** The access key id (`NIMB` + 16 upper-case letters and digits). */
  id: string;
  description: string;
  /** The secret, encrypted with the master key (opaque to the store). */
  secretSealed: string;
  createdAtMs: number;
  /** null until the key first signs a request. */
  lastUsedAtMs: number | null;
}

export interface AccessKeyStore {
  /** Throws ResourceConflictException when the id exists. */
  create(rec: AccessKeyRecord): Promise<void>;
  get(id: string): Promise<AccessKeyRecord | undefined>;
  /** Oldest first. */
  list(): Promise<AccessKeyRecord[]>;
  /** false when there was no such key. */
  delete(id: string): Promise<boolean>;
  /** Records when the key last signed a request. */
  touch(id: string, lastUsedAtMs: number): Promise<void>;
  count(): Promise<number>;
}

/** Where an async event is in its life. */
export type AsyncEventStatus = 'queued' | 'running' | 'retrying';

/** One accepted Event invocation waiting for (or in) delivery. */
export interface AsyncEvent {
  requestId: string;
  functionName: string;
  qualifier: string | null;
  payload: Buffer;
  source: string;
  status: AsyncEventStatus;
  /** Delivery attempts made so far. */
  attempts: number;
  enqueuedAtMs: number;
  nextAttemptAtMs: number;
  leaseUntilMs: number | null;
  lastErrorType: string | null;
  lastErrorMessage: string | null;
  /** W3C traceparent of the span that enqueued it, so its delivery continues that trace. */
  traceParent?: string | null;
}

export interface DeadLetter {
  requestId: string;
  functionName: string;
  qualifier: string | null;
  payload: Buffer;
  source: string;
  attempts: number;
  /** `RetriesExhausted` or `EventAgeExceeded`. */
  reason: string;
  errorType: string | null;
  errorMessage: string | null;
  enqueuedAtMs: number;
  deadAtMs: number;
}

export interface AsyncStore {
  /**
   * Makes an event durable. With a client token seen for the function within
   * `tokenWindowMs`, nothing is stored and the first request id is returned.
   */
  enqueue(
    ev: AsyncEvent,
    record: InvocationRecord,
    token?: { value: string; windowMs: number },
  ): Promise<{ requestId: string; duplicate: boolean }>;
  /**
   * Leases up to `limit` due events (status → running, lease until `leaseUntilMs`).
   * `accept`, when given, is asked per due event (by function) whether to take it;
   * events it refuses stay queued untouched.
   */
  claimDue(
    nowMs: number,
    limit: number,
    leaseUntilMs: number,
    accept?: (functionName: string) => boolean,
  ): Promise<AsyncEvent[]>;
  /** Updates a leased event (and its record, in the same transaction). */
  reschedule(ev: AsyncEvent, record?: InvocationRecord): Promise<void>;
  /** Removes a delivered event and stores its final record, atomically. */
  complete(requestId: string, record: InvocationRecord): Promise<void>;
  /** Moves an event that failed for good to the dead-letter list, with its final record. */
  deadLetter(letter: DeadLetter, record: InvocationRecord): Promise<void>;
  listDeadLetters(
    functionName: string,
    opts: { marker?: string; limit: number },
  ): Promise<ListPage<DeadLetter>>;
  /** Removes dead letters (all of the function's when `ids` is absent); returns them. */
  takeDeadLetters(functionName: string, ids?: string[]): Promise<DeadLetter[]>;
  /** Events not yet delivered, for a function or all. */
  pending(functionName?: string): Promise<number>;
  /** The earliest next attempt of any event, or null when the queue is empty. */
  nextDueAtMs(): Promise<number | null>;
  pruneTokens(olderThanMs: number): Promise<number>;
}

/** Lambda's retry and destination settings for Event invocations of a function (or qualifier). */
export interface EventInvokeConfig {
  functionName: string;
  /** `$LATEST`, a version or an alias. */
  qualifier: string;
  maximumRetryAttempts: number | null;
  maximumEventAgeInSeconds: number | null;
  onSuccess: string | null;
  onFailure: string | null;
  lastModifiedMs: number;
}

export interface EventInvokeConfigStore {
  put(cfg: EventInvokeConfig): Promise<void>;
  get(functionName: string, qualifier: string): Promise<EventInvokeConfig | undefined>;
  list(functionName: string): Promise<EventInvokeConfig[]>;
  delete(functionName: string, qualifier: string): Promise<boolean>;
  deleteAllFor(functionName: string): Promise<void>;
}

export type InvocationStatus =
  | 'queued'
  | 'running'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'dead-lettered';

/**
 * How the instance of an invocation came to serve it: started for it on demand (`cold`),
 * a prewarmed sandbox specialised for it (`prewarmed`), started ahead of traffic for
 * provisioned concurrency (`provisioned`), or already warm (`warm`).
 */
export type InvocationStartType = 'cold' | 'prewarmed' | 'provisioned' | 'warm';

/** What happened to one invocation, sync or async. */
export interface InvocationRecord {
  requestId: string;
  functionName: string;
  /** The version that ran (or `$LATEST` while queued). */
  version: string;
  qualifier: string | null;
  invocationType: 'RequestResponse' | 'Event';
  /** `api`, `timer:NAME`, `destination:...`, `http:...` */
  source: string;
  status: InvocationStatus;
  attempts: number;
  createdAtMs: number;
  queuedAtMs: number | null;
  startedAtMs: number | null;
  endedAtMs: number | null;
  initDurationMs: number | null;
  durationMs: number | null;
  billedDurationMs: number | null;
  cold: boolean | null;
  /** How the instance that ran it came to serve; absent on records older than this field. */
  startType?: InvocationStartType | null;
  maxMemoryMb: number | null;
  errorType: string | null;
  errorMessage: string | null;
}

export interface InvocationQuery {
  functionName?: string;
  status?: InvocationStatus;
  sinceMs?: number;
  untilMs?: number;
  marker?: string;
  limit: number;
}

export interface InvocationStore {
  /** Inserts or replaces records (one transaction). */
  put(records: InvocationRecord[]): Promise<void>;
  get(requestId: string): Promise<InvocationRecord | undefined>;
  /** Newest first. */
  list(q: InvocationQuery): Promise<ListPage<InvocationRecord>>;
  /** Deletes records older than the cutoff in bounded chunks; returns how many. */
  prune(olderThanMs: number): Promise<number>;
}

/** A timer trigger: fires its function asynchronously on a schedule. */
export interface TimerRecord {
  name: string;
  functionName: string;
  /** A version or alias; null for `$LATEST`. */
  qualifier: string | null;
  /** `rate(...)`, EventBridge `cron(...)`, or a plain 5/6-field cron. */
  schedule: string;
  /** IANA zone the schedule is read in; null for UTC. */
  timeZone: string | null;
  /** Static payload text (JSON for Lambda-flavour functions); null for none. */
  payload: string | null;
  enabled: boolean;
  /** After downtime, fire once for the missed due times instead of skipping them. */
  catchUp: boolean;
  /** The due time waiting to fire; null when the schedule never fires again. */
  nextFireAtMs: number | null;
  /** The due time of the last fire; null before the first. */
  lastFireAtMs: number | null;
  /** The node firing the timer right now, and until when its lease holds. */
  leaseOwner: string | null;
  leaseUntilMs: number | null;
  createdAtMs: number;
  updatedAtMs: number;
}

/** The settable part of a timer; absent fields are left as they are. */
export type TimerPatch = Partial<
  Pick<
    TimerRecord,
    | 'functionName'
    | 'qualifier'
    | 'schedule'
    | 'timeZone'
    | 'payload'
    | 'enabled'
    | 'catchUp'
    | 'nextFireAtMs'
  >
> & { updatedAtMs: number };

export interface TimerStore {
  /** Throws ResourceConflictException when the name exists. */
  create(rec: TimerRecord): Promise<void>;
  get(name: string): Promise<TimerRecord | undefined>;
  /** By name; only one function's timers when `functionName` is given. */
  list(opts?: { functionName?: string }): Promise<TimerRecord[]>;
  /** Sets only the given fields (leases untouched); undefined when there is no such timer. */
  update(name: string, patch: TimerPatch): Promise<TimerRecord | undefined>;
  /** false when it did not exist. */
  delete(name: string): Promise<boolean>;
  /** Enabled timers due at `nowMs` and not leased, earliest first. */
  listDue(nowMs: number, limit: number): Promise<TimerRecord[]>;
  /** The earliest next fire of any enabled timer, or null. */
  earliestFireAt(): Promise<number | null>;
  /**
   * Compare-and-set: leases the timer to `owner` until `leaseUntilMs` only if it
   * is enabled, still waits for `dueAtMs`, and no live lease is held. true when won.
   */
  claim(
    name: string,
    dueAtMs: number,
    owner: string,
    leaseUntilMs: number,
    nowMs: number,
  ): Promise<boolean>;
  /**
   * Compare-and-set, one statement: moves `next_fire_at` from `dueAtMs` to
   * `nextFireAtMs` (recording `dueAtMs` as the last fire when `fired`) and
   * releases the lease, only if `owner` holds it and the due time is unchanged.
   */
  complete(c: {
    name: string;
    owner: string;
    dueAtMs: number;
    nextFireAtMs: number | null;
    fired: boolean;
  }): Promise<boolean>;
  /** Drops `owner`'s lease, if it still holds one. */
  release(name: string, owner: string): Promise<void>;
}

/** A Function Compute service: a named group of functions with shared settings. */
export interface ServiceRecord {
  name: string;
  description: string;
  /** Outbound network for its functions' sandboxes (through a user-mode stack); default false. */
  internetAccess: boolean;
  /** How long its functions' logs are kept; null for the server's `--log-retention`. */
  logRetentionDays: number | null;
  /** Default environment of its functions (a function's own variables override them). */
  env: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface ServiceStore {
  /** Throws ResourceConflictException when the name exists. */
  create(rec: ServiceRecord): Promise<void>;
  get(name: string): Promise<ServiceRecord | undefined>;
  /** By name. */
  list(): Promise<ServiceRecord[]>;
  /** Replaces the settings; false when there is no such service. */
  update(rec: ServiceRecord): Promise<boolean>;
  /** false when it did not exist. */
  delete(name: string): Promise<boolean>;
  /** Names of the functions with a version (`$LATEST` or published) in the service, by name. */
  functionNames(name: string): Promise<string[]>;
  /**
   * Deletes log events older than each function's retention: its service's
   * `logRetentionDays`, else `defaultRetentionMs`. Returns how many.
   */
  pruneLogs(nowMs: number, defaultRetentionMs: number): Promise<number>;
}

export interface Store {
  functions: FunctionStore;
  services: ServiceStore;
  asyncEvents: AsyncStore;
  eventConfigs: EventInvokeConfigStore;
  invocations: InvocationStore;
  logs: LogStore;
  accessKeys: AccessKeyStore;
  aliases: AliasStore;
  layers: LayerStore;
  gateway: GatewayStore;
  eventSourceMappings: EventSourceMappingStore;
  timers: TimerStore;
  buckets: BucketStore;
  queues: QueueStore;
  provisioned: ProvisionedConfigStore;
  /** Per-minute invocation aggregates (`nimbus metrics`, `nimbus usage`). */
  metrics: MetricsStore;
  /** The console's saved test events. */
  testEvents: TestEventStore;
  close(): Promise<void>;
}

/** A saved test event (the console's "Test" tab): a named JSON payload of one function. */
export interface TestEventRecord {
  functionName: string;
  name: string;
  payload: string;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface TestEventStore {
  /** By name. */
  list(functionName: string): Promise<TestEventRecord[]>;
  /** Inserts or replaces; returns whether it was new. */
  put(rec: TestEventRecord): Promise<boolean>;
  delete(functionName: string, name: string): Promise<boolean>;
  /** Every event of a function (it was deleted); returns how many. */
  deleteAll(functionName: string): Promise<number>;
}
