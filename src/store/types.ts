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
  layers: string[];
  tags: Record<string, string>;
  reservedConcurrency: number | null;
  architectures: string[];
  ephemeralStorageMb: number;
  /** Changes on every update (uuid). */
  revisionId: string;
  /** Lambda's format: 2024-01-01T00:00:00.000+0000 */
  lastModified: string;
  createdAtMs: number;
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

export interface Store {
  functions: FunctionStore;
  logs: LogStore;
  close(): Promise<void>;
}
