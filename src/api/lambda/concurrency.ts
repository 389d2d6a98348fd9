import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import type { NameParams } from './params.js';

const PutBody = z.object({ ReservedConcurrentExecutions: z.number().int().min(0) }).loose();

/** Put/Get/DeleteFunctionConcurrency and GetAccountSettings. */
export function concurrencyRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry, limits } = deps;
  const fnName = (raw: string) => {
    const { name, qualifier } = parseFunctionRef(arn, raw);
    if (qualifier !== undefined)
      throw fail(
        'InvalidParameterValueException',
        'Reserved concurrency is set on the unqualified function',
      );
    return name;
  };

  app.put<NameParams>('/2017-10-31/functions/:name/concurrency', async (req) => {
    const { ReservedConcurrentExecutions: n } = jsonBody(req, PutBody);
    const name = fnName(req.params.name);
    const fn = await registry.get(name);
    const { reservedTotal } = await registry.usage();
    const others = reservedTotal - (fn.reservedConcurrency ?? 0);
    if (others + n > limits.maxConcurrency) {
      throw fail(
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0].`,
      );
    }
    // Provisioned concurrency comes out of the reserved concurrency.
    const provisioned = await deps.provisioned.totalFor(name);
    if (n < provisioned) {
      throw fail(
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function is less than the function's total provisioned concurrency (${provisioned})`,
      );
    }
    await registry.updateMeta(name, { reservedConcurrency: n });
    await deps.onReservedChange();
    return { ReservedConcurrentExecutions: n };
  });

  app.get<NameParams>('/2019-09-30/functions/:name/concurrency', async (req) => {
    const fn = await registry.get(fnName(req.params.name));
    return fn.reservedConcurrency === null
      ? {}
      : { ReservedConcurrentExecutions: fn.reservedConcurrency };
  });

  app.delete<NameParams>('/2017-10-31/functions/:name/concurrency', async (req, reply) => {
    await registry.updateMeta(fnName(req.params.name), { reservedConcurrency: null });
    await deps.onReservedChange();
    reply.status(204).send();
    return reply;
  });

  app.get('/2016-08-19/account-settings', async () => {
    const u = await registry.usage();
    return {
      AccountLimit: {
        TotalCodeSize: 80 * 1024 ** 3,
        CodeSizeUnzipped: limits.maxUnzippedBytes,
        CodeSizeZipped: limits.maxZipBytes,
        ConcurrentExecutions: limits.maxConcurrency,
        UnreservedConcurrentExecutions: limits.maxConcurrency - u.reservedTotal,
      },
      AccountUsage: { TotalCodeSize: u.codeBytes, FunctionCount: u.functionCount },
    };
  });
}
