import { AsyncLocalStorage } from 'node:async_hooks';
import * as Lambda from '@aws-sdk/client-lambda';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  ListFunctionsCommand,
  ListTagsCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  type Runtime,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import type { Credentials } from '../../../src/shared/sigv4.js';
import {
  ClientFailure,
  decodeLog,
  type ListPage,
  type Reply,
  type ScenarioClient,
  type SentRequest,
} from './client.js';

/** The parts of the SDK's HttpRequest the guard reads. */
interface WireRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
}

function isWireRequest(r: unknown): r is WireRequest {
  return typeof r === 'object' && r !== null && 'hostname' in r && 'path' in r && 'method' in r;
}

function urlOf(r: WireRequest): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(r.query ?? {})) {
    for (const one of Array.isArray(v) ? v : [v ?? '']) q.append(k, one);
  }
  const qs = q.toString();
  return `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path}${qs ? `?${qs}` : ''}`;
}

/**
 * `@aws-sdk/client-lambda` with an explicit endpoint, no retries, and a
 * middleware that refuses (before sending) any request not for `endpoint`.
 */
export function sdkV3Client(endpoint: string, credentials: Credentials): ScenarioClient {
  const origin = new URL(endpoint);
  const sent: SentRequest[] = [];
  // The requests of the call in whose async context the middleware runs (calls may overlap).
  const callRequests = new AsyncLocalStorage<SentRequest[]>();
  const lambda = new LambdaClient({
    endpoint, // explicit: never the real AWS
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  lambda.middlewareStack.add(
    (next) => async (args) => {
      if (!isWireRequest(args.request)) throw new Error('the SDK built no HTTP request');
      const url = urlOf(args.request);
      const req = { method: args.request.method, url };
      sent.push(req);
      callRequests.getStore()?.push(req);
      if (`${args.request.hostname}:${args.request.port}` !== origin.host) {
        throw new Error(`refusing to send a request to ${url}`);
      }
      return next(args);
    },
    // The deserialize step runs inside the retry loop, once per attempt.
    { step: 'deserialize', name: 'onlyTheTestServer' },
  );

  /** Runs one SDK call; a service error becomes a ClientFailure. */
  async function call<T extends { $metadata: { httpStatusCode?: number } }>(
    send: () => Promise<T>,
  ): Promise<Reply<Omit<T, '$metadata'>>> {
    const requests: SentRequest[] = [];
    try {
      const { $metadata, ...data } = await callRequests.run(requests, send);
      return { status: $metadata.httpStatusCode ?? 0, data, requests };
    } catch (e) {
      if (!(e instanceof LambdaServiceException)) throw e;
      // Modelled: the SDK exports a class of that name and threw an instance of it.
      const modelledClass = Object.getOwnPropertyDescriptor(Lambda, e.name)?.value;
      const modelled =
        typeof modelledClass === 'function' &&
        modelledClass !== LambdaServiceException &&
        e instanceof modelledClass;
      throw new ClientFailure(
        e.name,
        e.$metadata.httpStatusCode ?? 0,
        modelled,
        requests,
        e.message,
      );
    }
  }

  return {
    sent,
    createFunction: (i) =>
      call(() =>
        lambda.send(
          new CreateFunctionCommand({
            FunctionName: i.name,
            // The SDK types Runtime as an enum of known names; the scenario's is one of them.
            Runtime: i.runtime as Runtime,
            Handler: 'index.handler',
            Role: 'arn:aws:iam::000000000000:role/lambda',
            Code: { ZipFile: i.zip },
          }),
        ),
      ),
    getFunction: (name) => call(() => lambda.send(new GetFunctionCommand({ FunctionName: name }))),
    async listFunctionPages() {
      const requests: SentRequest[] = [];
      const pages: ListPage[] = [];
      let marker: string | undefined;
      let status = 0;
      do {
        const r = await call(() =>
          lambda.send(new ListFunctionsCommand({ MaxItems: 1, Marker: marker })),
        );
        requests.push(...r.requests);
        status = r.status;
        marker = r.data.NextMarker;
        pages.push({
          names: (r.data.Functions ?? []).map((f) => f.FunctionName ?? ''),
          nextMarker: marker,
        });
      } while (marker);
      return { status, data: pages, requests };
    },
    async invoke(i) {
      const r = await call(() =>
        lambda.send(
          new InvokeCommand({
            FunctionName: i.name,
            Qualifier: i.qualifier,
            Payload: Buffer.from(i.payload),
            LogType: i.tail ? 'Tail' : 'None',
          }),
        ),
      );
      const text = Buffer.from(r.data.Payload ?? new Uint8Array()).toString('utf8');
      return {
        ...r,
        data: {
          StatusCode: r.data.StatusCode,
          ExecutedVersion: r.data.ExecutedVersion,
          FunctionError: r.data.FunctionError,
          Payload: text ? JSON.parse(text) : undefined,
          Log: decodeLog(r.data.LogResult),
        },
      };
    },
    updateCode: (i) =>
      call(() =>
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: i.name,
            ZipFile: i.zip,
            RevisionId: i.revisionId,
          }),
        ),
      ),
    updateConfig: (i) =>
      call(() =>
        lambda.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: i.name,
            Description: i.description,
            Timeout: i.timeoutS,
            MemorySize: i.memoryMb,
            Environment: i.env ? { Variables: i.env } : undefined,
            Layers: i.layers,
            RevisionId: i.revisionId,
          }),
        ),
      ),
    publishVersion: (name) =>
      call(() => lambda.send(new PublishVersionCommand({ FunctionName: name }))),
    createAlias: (i) =>
      call(() =>
        lambda.send(
          new CreateAliasCommand({
            FunctionName: i.name,
            Name: i.alias,
            FunctionVersion: i.version,
            RoutingConfig: { AdditionalVersionWeights: i.weights },
          }),
        ),
      ),
    putConcurrency: (name, reserved) =>
      call(() =>
        lambda.send(
          new PutFunctionConcurrencyCommand({
            FunctionName: name,
            ReservedConcurrentExecutions: reserved,
          }),
        ),
      ),
    deleteConcurrency: (name) =>
      call(() => lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }))),
    publishLayer: (i) =>
      call(() =>
        lambda.send(
          new PublishLayerVersionCommand({ LayerName: i.name, Content: { ZipFile: i.zip } }),
        ),
      ),
    tag: (arn, tags) =>
      call(() => lambda.send(new TagResourceCommand({ Resource: arn, Tags: tags }))),
    async listTags(arn) {
      const r = await call(() => lambda.send(new ListTagsCommand({ Resource: arn })));
      return { ...r, data: r.data.Tags ?? {} };
    },
    untag: (arn, keys) =>
      call(() => lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: keys }))),
    deleteFunction: (name) =>
      call(() => lambda.send(new DeleteFunctionCommand({ FunctionName: name }))),
    async close() {
      lambda.destroy();
    },
  };
}
