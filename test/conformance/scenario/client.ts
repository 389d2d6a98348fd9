import type {
  AliasConfiguration,
  FunctionConfiguration,
  GetFunctionResponse,
  PublishLayerVersionResponse,
} from '@aws-sdk/client-lambda';

/** One HTTP request a client sent: every attempt counts. */
export interface SentRequest {
  method: string;
  url: string;
}

/** What a successful call returned, and the requests it took. */
export interface Reply<T> {
  status: number;
  data: T;
  requests: SentRequest[];
}

/** A call the server refused, as the client itself reported it. */
export class ClientFailure extends Error {
  constructor(
    /** The client's error code (`x-amzn-ErrorType`, as the client parsed it). */
    readonly code: string,
    readonly status: number,
    /** The client raised its own modelled exception type for this code. */
    readonly modelled: boolean,
    readonly requests: SentRequest[],
    message: string,
  ) {
    super(`${code} (${status}): ${message}`);
    this.name = 'ClientFailure';
  }
}

/** Invoke's answer; Payload parsed from JSON, the Tail log decoded from base64. */
export interface Invoked {
  StatusCode: number | undefined;
  ExecutedVersion: string | undefined;
  FunctionError: string | undefined;
  Payload: unknown;
  Log: string | undefined;
}

/** One page of ListFunctions as the client saw it. */
export interface ListPage {
  names: string[];
  nextMarker: string | undefined;
}

export interface InvokeInput {
  name: string;
  qualifier?: string;
  payload: string;
  tail?: boolean;
  /**
   * How the aws CLI is given the payload: `raw` with `--cli-binary-format raw-in-base64-out`,
   * `base64` as the CLI's default wants it. The SDK and boto3 send the same bytes either way.
   */
  form?: 'raw' | 'base64';
}

export interface ConfigInput {
  name: string;
  description?: string;
  timeoutS?: number;
  memoryMb?: number;
  env?: Record<string, string>;
  layers?: string[];
  revisionId?: string;
}

/**
 * One real client (SDK, CLI, boto3) behind the operations the scenario needs.
 * Data comes back in the Lambda API's own shapes (the SDK's types); a refusal
 * throws a {@link ClientFailure}.
 */
export interface ScenarioClient {
  /** Every request sent so far, to check that none left the test server. */
  readonly sent: SentRequest[];
  createFunction(i: {
    name: string;
    zip: Buffer;
    runtime: string;
  }): Promise<Reply<FunctionConfiguration>>;
  getFunction(name: string): Promise<Reply<GetFunctionResponse>>;
  /** ListFunctions one function per page, following NextMarker to the end. */
  listFunctionPages(): Promise<Reply<ListPage[]>>;
  invoke(i: InvokeInput): Promise<Reply<Invoked>>;
  updateCode(i: {
    name: string;
    zip: Buffer;
    revisionId?: string;
  }): Promise<Reply<FunctionConfiguration>>;
  updateConfig(i: ConfigInput): Promise<Reply<FunctionConfiguration>>;
  publishVersion(name: string): Promise<Reply<FunctionConfiguration>>;
  createAlias(i: {
    name: string;
    alias: string;
    version: string;
    weights: Record<string, number>;
  }): Promise<Reply<AliasConfiguration>>;
  putConcurrency(
    name: string,
    reserved: number,
  ): Promise<Reply<{ ReservedConcurrentExecutions?: number | undefined }>>;
  deleteConcurrency(name: string): Promise<Reply<unknown>>;
  publishLayer(i: { name: string; zip: Buffer }): Promise<Reply<PublishLayerVersionResponse>>;
  tag(arn: string, tags: Record<string, string>): Promise<Reply<unknown>>;
  listTags(arn: string): Promise<Reply<Record<string, string>>>;
  untag(arn: string, keys: string[]): Promise<Reply<unknown>>;
  deleteFunction(name: string): Promise<Reply<unknown>>;
  /** Stops whatever the client runs (a child process, sockets). */
  close(): Promise<void>;
}

/** Invoke's Tail log: base64 in every client's output. */
export function decodeLog(logResult: string | undefined): string | undefined {
  return logResult === undefined ? undefined : Buffer.from(logResult, 'base64').toString('utf8');
}
