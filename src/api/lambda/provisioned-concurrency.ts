import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProvisionedView } from '../../functions/index.js';
import { lambdaTimestamp, parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { maxItems, type NameParams, withMarker } from './params.js';

const PutBody = z.object({ ProvisionedConcurrentExecutions: z.number().int() }).loose();

const PATH = '/2019-09-30/functions/:name/provisioned-concurrency';

/** A configuration as Get/Put answer it (List adds FunctionArn). */
function shape(v: ProvisionedView) {
  return {
    RequestedProvisionedConcurrentExecutions: v.status.requested,
    AvailableProvisionedConcurrentExecutions: v.status.available,
    AllocatedProvisionedConcurrentExecutions: v.status.allocated,
    Status: v.status.status,
    ...(v.status.reason ? { StatusReason: v.status.reason } : {}),
    LastModified: lambdaTimestamp(v.config.lastModifiedMs),
  };
}

/** Put/Get/Delete/ListProvisionedConcurrencyConfig(s): instances kept initialised ahead of traffic. */
export function provisionedConcurrencyRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, provisioned } = deps;

  /** Function name and the required qualifier (a version or an alias). */
  function target(req: FastifyRequest<NameParams>): { name: string; qualifier: string } {
    const { name, qualifier } = parseFunctionRef(arn, req.params.name, req.query.Qualifier);
    if (qualifier === undefined || qualifier === '') {
      throw fail(
        'ValidationException',
        "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null",
      );
    }
    return { name, qualifier };
  }

  app.put<NameParams>(PATH, async (req, reply) => {
    const { ProvisionedConcurrentExecutions: n } = jsonBody(req, PutBody);
    if (n < 1) {
      throw fail(
        'ValidationException',
        `1 validation error detected: Value '${n}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1`,
      );
    }
    const { name, qualifier } = target(req);
    const view = await provisioned.put(name, qualifier, n);
    reply.status(202).send(shape(view));
    return reply;
  });

  app.get<NameParams>(PATH, async (req) => {
    if (req.query.List !== undefined) {
      if (req.query.List !== 'ALL') {
        throw fail('InvalidParameterValueException', `List must be ALL (got ${req.query.List})`);
      }
      const { name } = parseFunctionRef(arn, req.params.name);
      const all = await provisioned.list(name);
      const start = req.query.Marker ? Number(req.query.Marker) : 0;
      if (!Number.isInteger(start) || start < 0) {
        throw fail('InvalidParameterValueException', `Invalid marker: ${req.query.Marker}`);
      }
      const limit = maxItems(req.query.MaxItems);
      const page = all.slice(start, start + limit);
      return withMarker(
        {
          ProvisionedConcurrencyConfigs: page.map((v) => ({
            FunctionArn: v.functionArn,
            ...shape(v),
          })),
        },
        start + limit < all.length ? String(start + limit) : undefined,
      );
    }
    const { name, qualifier } = target(req);
    return shape(await provisioned.get(name, qualifier));
  });

  app.delete<NameParams>(PATH, async (req, reply) => {
    const { name, qualifier } = target(req);
    await provisioned.delete(name, qualifier);
    reply.status(204).send();
    return reply;
  });
}
