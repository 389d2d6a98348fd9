import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { functionArn, parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import type { EventSourceMapping } from '../../store/types.js';
import type { MappingInput } from '../../triggers/queue/index.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { maxItems, withMarker } from './params.js';

const Scaling = z.object({ MaximumConcurrency: z.number().int().optional() }).loose();

const Settings = {
  FunctionName: z.string().min(1).max(140).optional(),
  Enabled: z.boolean().optional(),
  BatchSize: z.number().int().optional(),
  MaximumBatchingWindowInSeconds: z.number().int().optional(),
  FunctionResponseTypes: z.array(z.string()).optional(),
  ScalingConfig: Scaling.optional(),
};

/** Settings that belong to stream or Kafka sources: Lambda refuses them for SQS. */
const STREAM_ONLY = [
  'StartingPosition',
  'StartingPositionTimestamp',
  'DestinationConfig',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'ParallelizationFactor',
  'TumblingWindowInSeconds',
  'Topics',
  'Queues',
  'SourceAccessConfigurations',
  'SelfManagedEventSource',
  'SelfManagedKafkaEventSourceConfig',
  'AmazonManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
] as const;

const CreateBody = z.object({ ...Settings, EventSourceArn: z.string().min(1).max(1024) }).loose();
const UpdateBody = z.object(Settings).loose();
type Body = z.infer<typeof UpdateBody>;

const BASE = '/2015-03-31/event-source-mappings';

type UuidParams = { Params: { uuid: string } };
type ListQuery = { Querystring: Record<string, string | undefined> };

/** Create/Get/Update/Delete/ListEventSourceMappings for the built-in SQS queues. */
export function eventSourceMappingRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry, mappings } = deps;

  const shape = (m: EventSourceMapping, state?: string) => ({
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    EventSourceArn: m.eventSourceArn,
    FunctionArn: functionArn(arn, m.functionName, m.qualifier ?? undefined),
    LastModified: m.lastModifiedMs / 1000,
    LastProcessingResult: m.lastResult,
    State: state ?? (m.enabled ? 'Enabled' : 'Disabled'),
    StateTransitionReason: 'USER_INITIATED',
    FunctionResponseTypes: m.functionResponseTypes,
    ...(m.maximumConcurrency !== null
      ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } }
      : {}),
    EventSourceMappingArn: `arn:aws:lambda:${arn.region}:${arn.accountId}:event-source-mapping:${m.uuid}`,
  });

  /** The Lambda API's settings → the mapping input; the function must exist. */
  async function input(b: Body & Record<string, unknown>): Promise<MappingInput> {
    for (const key of STREAM_ONLY) {
      if (b[key] !== undefined) {
        throw fail(
          'InvalidParameterValueException',
          `Unsupported MQ, Kafka or stream parameter for an SQS event source: ${key}`,
        );
      }
    }
    if (b.FilterCriteria !== undefined) {
      throw fail(
        'InvalidParameterValueException',
        'FilterCriteria is not supported by Nimbus yet: filter in the function instead.',
      );
    }
    const out: MappingInput = {};
    if (b.FunctionName !== undefined) {
      const ref = parseFunctionRef(arn, b.FunctionName);
      await registry.get(ref.name);
      out.functionName = ref.name;
      out.qualifier = ref.qualifier && ref.qualifier !== '$LATEST' ? ref.qualifier : null;
    }
    if (b.Enabled !== undefined) out.enabled = b.Enabled;
    if (b.BatchSize !== undefined) out.batchSize = b.BatchSize;
    if (b.MaximumBatchingWindowInSeconds !== undefined)
      out.maximumBatchingWindowInSeconds = b.MaximumBatchingWindowInSeconds;
    if (b.FunctionResponseTypes !== undefined) out.functionResponseTypes = b.FunctionResponseTypes;
    if (b.ScalingConfig !== undefined)
      out.maximumConcurrency = b.ScalingConfig.MaximumConcurrency ?? null;
    return out;
  }

  app.post(`${BASE}/`, async (req, reply) => {
    const b = jsonBody(req, CreateBody);
    if (b.FunctionName === undefined) {
      throw fail(
        'ValidationException',
        "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null",
      );
    }
    const m = await mappings.create({ ...(await input(b)), eventSourceArn: b.EventSourceArn });
    reply.status(202);
    return shape(m, m.enabled ? 'Creating' : 'Disabled');
  });

  app.get<ListQuery>(`${BASE}/`, async (req) => {
    const q = req.query;
    const filter: { functionName?: string; eventSourceArn?: string } = {};
    if (q.FunctionName) filter.functionName = parseFunctionRef(arn, q.FunctionName).name;
    if (q.EventSourceArn) filter.eventSourceArn = q.EventSourceArn;
    const all = await mappings.list(filter);
    const limit = maxItems(q.MaxItems, 100);
    const start = q.Marker ? Number(Buffer.from(q.Marker, 'base64url').toString()) || 0 : 0;
    const next =
      start + limit < all.length
        ? Buffer.from(String(start + limit)).toString('base64url')
        : undefined;
    return withMarker(
      { EventSourceMappings: all.slice(start, start + limit).map((m) => shape(m)) },
      next,
    );
  });

  app.get<UuidParams>(`${BASE}/:uuid`, async (req) => shape(await mappings.get(req.params.uuid)));

  app.put<UuidParams>(`${BASE}/:uuid`, async (req, reply) => {
    const b = jsonBody(req, UpdateBody);
    const m = await mappings.update(req.params.uuid, await input(b));
    reply.status(202);
    return shape(m, m.enabled ? 'Updating' : 'Disabled');
  });

  app.delete<UuidParams>(`${BASE}/:uuid`, async (req, reply) => {
    const m = await mappings.delete(req.params.uuid);
    reply.status(202);
    return shape(m, 'Deleting');
  });
}
