import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { functionArn, parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import type { EventInvokeConfig } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { maxItems, type NameParams, withMarker } from './params.js';

const Destination = z.object({ Destination: z.string().max(350).optional() }).loose();
const Body = z
  .object({
    MaximumRetryAttempts: z.number().int().optional(),
    MaximumEventAgeInSeconds: z.number().int().optional(),
    DestinationConfig: z
      .object({ OnSuccess: Destination.optional(), OnFailure: Destination.optional() })
      .loose()
      .optional(),
  })
  .loose();
type Body = z.infer<typeof Body>;

const PATH = '/2019-09-25/functions/:name/event-invoke-config';

/** Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s): retries, event age and destinations of Event invocations. */
export function eventInvokeConfigRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry, store } = deps;

  /** Function and qualifier (default `$LATEST`); the version or alias must exist. */
  async function target(
    req: FastifyRequest<NameParams>,
  ): Promise<{ name: string; qualifier: string }> {
    const { name, qualifier } = parseFunctionRef(arn, req.params.name, req.query.Qualifier);
    await registry.get(name);
    const q = qualifier ?? '$LATEST';
    if (q !== '$LATEST') {
      const exists = /^\d+$/.test(q)
        ? await registry.version(name, q)
        : await deps.aliases.lookup(name, q);
      if (!exists) throw registry.notFound(name, q);
    }
    return { name, qualifier: q };
  }

  const shape = (c: EventInvokeConfig) => ({
    LastModified: c.lastModifiedMs / 1000,
    FunctionArn: functionArn(arn, c.functionName, c.qualifier),
    ...(c.maximumRetryAttempts !== null ? { MaximumRetryAttempts: c.maximumRetryAttempts } : {}),
    ...(c.maximumEventAgeInSeconds !== null
      ? { MaximumEventAgeInSeconds: c.maximumEventAgeInSeconds }
      : {}),
    DestinationConfig: {
      OnSuccess: c.onSuccess ? { Destination: c.onSuccess } : {},
      OnFailure: c.onFailure ? { Destination: c.onFailure } : {},
    },
  });

  async function checkDestination(self: string, dest: string | undefined): Promise<string | null> {
    if (!dest) return null;
    if (/^arn:aws[a-zA-Z-]*:sqs:/.test(dest)) {
      if (!(await deps.queues.byArn(dest))) {
        throw fail('InvalidParameterValueException', `The destination ARN ${dest} is invalid.`);
      }
      return dest;
    }
    const m =
      /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/.exec(
        dest,
      );
    if (!m) {
      throw fail(
        'InvalidParameterValueException',
        `The destination ARN ${dest} is invalid: Nimbus delivers destinations to functions (arn:aws:lambda:REGION:ACCOUNT:function:NAME) and its own SQS queues (arn:aws:sqs:REGION:ACCOUNT:NAME)`,
      );
    }
    if (m[3] === self)
      throw fail(
        'InvalidParameterValueException',
        "You can't specify the function as a destination for itself.",
      );
    if (m[1] !== arn.region || m[2] !== arn.accountId || !(await registry.resolve(m[3]!))) {
      throw fail('InvalidParameterValueException', `The destination ARN ${dest} is invalid.`);
    }
    return dest;
  }

  async function build(
    name: string,
    qualifier: string,
    b: Body,
    base?: EventInvokeConfig,
  ): Promise<EventInvokeConfig> {
    if (
      b.MaximumRetryAttempts === undefined &&
      b.MaximumEventAgeInSeconds === undefined &&
      b.DestinationConfig === undefined
    ) {
      throw fail(
        'InvalidParameterValueException',
        'You must specify at least one of error handling or destination setting.',
      );
    }
    if (
      b.MaximumRetryAttempts !== undefined &&
      (b.MaximumRetryAttempts < 0 || b.MaximumRetryAttempts > 2)
    ) {
      throw fail(
        'ValidationException',
        `1 validation error detected: Value '${b.MaximumRetryAttempts}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value between 0 and 2`,
      );
    }
    if (
      b.MaximumEventAgeInSeconds !== undefined &&
      (b.MaximumEventAgeInSeconds < 60 || b.MaximumEventAgeInSeconds > 21600)
    ) {
      throw fail(
        'ValidationException',
        `1 validation error detected: Value '${b.MaximumEventAgeInSeconds}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 21600`,
      );
    }
    const dc = b.DestinationConfig;
    return {
      functionName: name,
      qualifier,
      maximumRetryAttempts: b.MaximumRetryAttempts ?? base?.maximumRetryAttempts ?? null,
      maximumEventAgeInSeconds:
        b.MaximumEventAgeInSeconds ?? base?.maximumEventAgeInSeconds ?? null,
      onSuccess:
        dc?.OnSuccess !== undefined
          ? await checkDestination(name, dc.OnSuccess.Destination)
          : (base?.onSuccess ?? null),
      onFailure:
        dc?.OnFailure !== undefined
          ? await checkDestination(name, dc.OnFailure.Destination)
          : (base?.onFailure ?? null),
      lastModifiedMs: Date.now(),
    };
  }

  // Put replaces the whole configuration.
  app.put<NameParams>(PATH, async (req) => {
    const b = jsonBody(req, Body);
    const { name, qualifier } = await target(req);
    const cfg = await build(name, qualifier, b);
    await store.eventConfigs.put(cfg);
    return shape(cfg);
  });

  // Update changes only what is given.
  app.post<NameParams>(PATH, async (req) => {
    const b = jsonBody(req, Body);
    const { name, qualifier } = await target(req);
    const cur = await store.eventConfigs.get(name, qualifier);
    const cfg = await build(name, qualifier, b, cur);
    await store.eventConfigs.put(cfg);
    return shape(cfg);
  });

  app.get<NameParams>(PATH, async (req) => {
    const { name, qualifier } = await target(req);
    const cfg = await store.eventConfigs.get(name, qualifier);
    if (!cfg) {
      throw fail(
        'ResourceNotFoundException',
        `The function ${functionArn(arn, name, qualifier)} doesn't have an EventInvokeConfig`,
      );
    }
    return shape(cfg);
  });

  app.delete<NameParams>(PATH, async (req, reply) => {
    const { name, qualifier } = await target(req);
    if (!(await store.eventConfigs.delete(name, qualifier))) {
      throw fail(
        'ResourceNotFoundException',
        `The function ${functionArn(arn, name, qualifier)} doesn't have an EventInvokeConfig`,
      );
    }
    reply.status(204).send();
    return reply;
  });

  app.get<NameParams>(`${PATH}/list`, async (req) => {
    const { name } = parseFunctionRef(arn, req.params.name);
    await registry.get(name);
    const all = await store.eventConfigs.list(name);
    const limit = maxItems(req.query.MaxItems);
    const start = req.query.Marker
      ? Number(Buffer.from(req.query.Marker, 'base64url').toString()) || 0
      : 0;
    const slice = all.slice(start, start + limit);
    const next =
      start + limit < all.length
        ? Buffer.from(String(start + limit)).toString('base64url')
        : undefined;
    return withMarker({ FunctionEventInvokeConfigs: slice.map(shape) }, next);
  });
}
