import path from 'node:path';
import type { AccessKeys } from '../api/auth/index.js';
import { BucketService, handleS3Request, sendS3Error } from '../buckets/index.js';
import type { AliasService, FunctionRegistry } from '../functions/index.js';
import { resolveTarget } from '../functions/resolve.js';
import type { AsyncEnqueuer } from '../invoke/async/index.js';
import type { Invoker } from '../invoke/index.js';
import type { Metrics } from '../metrics/index.js';
import { handleSqsRequest, QueueService, sendSqsError } from '../queues/index.js';
import { type ArnContext, parseFunctionRef } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import type { ServerConfig } from '../shared/config.js';
import { isNimbusError } from '../shared/errors.js';
import type { IdGenerator } from '../shared/ids.js';
import type { Store } from '../store/index.js';
import type { Tracing } from '../tracing/index.js';
import { type BatchInvoker, EventSourceMappings } from '../triggers/queue/index.js';
import { createFrontDoor } from './front-door.js';

export interface AwsWiringDeps {
  cfg: ServerConfig;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  arn: ArnContext;
  keys: AccessKeys;
  registry: FunctionRegistry;
  aliases: AliasService;
  invoker: Invoker;
  asyncQueue: AsyncEnqueuer;
  /** Where refused signatures are reported (default: stderr). */
  authLog?: (line: string) => void;
  /** Counts event-source batches (size, lag). */
  metrics?: Pick<Metrics, 'eventSourceBatch'>;
  /** Spans of queue-triggered invocations (tracing on only). */
  tracing?: Pick<Tracing, 'queueBatch'> | undefined;
}

/** The built-in SQS and S3 services, their event sources, and the front door that serves them. */
export interface AwsParts {
  queues: QueueService;
  buckets: BucketService;
  mappings: EventSourceMappings;
  frontDoor: ReturnType<typeof createFrontDoor>;
  close(): Promise<void>;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Builds the queue and bucket services on the store, the event source mappings
 * that poll queues for functions, bucket notifications that queue async
 * invocations, and the front door that answers both services on the control
 * API's port.
 */
export async function createAwsParts(d: AwsWiringDeps): Promise<AwsParts> {
  const { cfg, arn } = d;
  const queues = new QueueService({
    store: d.store,
    clock: d.clock,
    ids: d.ids,
    arn,
    maxMessageBytes: cfg.sqsMaxMessageBytes,
  });
  const buckets = new BucketService({
    store: d.store,
    dir: path.join(cfg.dataDir, 'buckets'),
    clock: d.clock,
    ids: d.ids,
    arn,
    maxObjectBytes: cfg.s3MaxObjectBytes,
    functionExists: async (functionArn) => {
      try {
        const ref = parseFunctionRef(arn, functionArn);
        await resolveTarget(d.registry, d.aliases, ref.name, ref.qualifier);
        return true;
      } catch {
        return false;
      }
    },
    deliver: async (functionArn, payload) => {
      const ref = parseFunctionRef(arn, functionArn);
      await d.asyncQueue.enqueue({
        functionName: ref.name,
        ...(ref.qualifier ? { qualifier: ref.qualifier } : {}),
        payload,
        source: 'aws:s3',
      });
    },
    log,
  });
  await buckets.open();
  const invokeBatch: BatchInvoker = async (functionName, qualifier, payload, batch) => {
    const trace =
      d.tracing && batch
        ? d.tracing.queueBatch(functionName, batch.queueArn, batch.messages)
        : undefined;
    try {
      const { fn, latest } = await resolveTarget(
        d.registry,
        d.aliases,
        functionName,
        qualifier ?? undefined,
      );
      const res = await d.invoker.invoke({
        fn,
        reservedConcurrency: latest.reservedConcurrency,
        ...(qualifier ? { qualifier } : {}),
        payload,
        tail: false,
        source: 'aws:sqs',
        ...(trace ? { trace } : {}),
      });
      if (res.functionError) {
        return { payload: res.payload, error: { type: errorTypeOf(res.payload), message: '' } };
      }
      return { payload: res.payload };
    } catch (e) {
      trace?.failed(e);
      if (isNimbusError(e))
        return { payload: Buffer.alloc(0), error: { type: e.code, message: e.message } };
      throw e;
    }
  };
  const mappings = new EventSourceMappings({
    store: d.store.eventSourceMappings,
    clock: d.clock,
    ids: d.ids,
    queues,
    invoke: invokeBatch,
    region: arn.region,
    onResult: (uuid, result) =>
      void d.store.eventSourceMappings.setLastResult(uuid, result).catch(() => undefined),
    log,
    onBatch: (m, batch) => d.metrics?.eventSourceBatch(m.functionName, m.eventSourceArn, batch),
    functionTimeoutS: async (name, qualifier) =>
      (await resolveTarget(d.registry, d.aliases, name, qualifier ?? undefined)).fn.timeoutS,
  });
  await mappings.load();
  const frontDoor = createFrontDoor({
    services: {
      sqs: (r, body) => handleSqsRequest(queues, r, body),
      sqsError: sendSqsError,
      s3: (r) => handleS3Request(buckets, r),
      s3Error: sendS3Error,
    },
    region: arn.region,
    accountId: arn.accountId,
    requestIds: () => d.ids.uuid(),
    ...(cfg.auth
      ? { auth: { keys: d.keys, clock: d.clock, ...(d.authLog ? { log: d.authLog } : {}) } }
      : {}),
  });
  return {
    queues,
    buckets,
    mappings,
    frontDoor,
    async close() {
      await mappings.close();
      queues.close();
      buckets.close();
    },
  };
}

function errorTypeOf(payload: Buffer): string {
  try {
    const t = (JSON.parse(payload.toString('utf8')) as { errorType?: unknown }).errorType;
    return typeof t === 'string' ? t : 'Unhandled';
  } catch {
    return 'Unhandled';
  }
}
