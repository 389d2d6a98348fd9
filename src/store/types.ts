/**
 * The store's public contract. The embedded implementation is SQLite (Kysely over
 * better-sqlite3); a PostgreSQL one plugs in later behind the same interfaces.
 */

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

export interface Store {
  functions: FunctionStore;
  logs: LogStore;
  accessKeys: AccessKeyStore;
  aliases: AliasStore;
  layers: LayerStore;
  close(): Promise<void>;
}
