import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AliasService } from '../../functions/index.js';
import { parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import type { AliasRecord } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { maxItems, type NameParams, withMarker } from './params.js';

const Routing = z
  .object({ AdditionalVersionWeights: z.record(z.string(), z.number()).optional() })
  .loose();
const CreateBody = z
  .object({
    Name: z.string(),
    FunctionVersion: z.string().min(1).max(1024),
    Description: z.string().max(256).optional(),
    RoutingConfig: Routing.optional(),
  })
  .loose();
const UpdateBody = z
  .object({
    FunctionVersion: z.string().min(1).max(1024).optional(),
    Description: z.string().max(256).optional(),
    RoutingConfig: Routing.optional(),
    RevisionId: z.string().optional(),
  })
  .loose();

type AliasParams = { Params: { name: string; alias: string } };

/** CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases. */
export function aliasRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, aliases } = deps;
  const shape = (a: AliasRecord) => ({
    AliasArn: aliases.aliasArn(a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    ...(Object.keys(a.additionalVersionWeights).length
      ? { RoutingConfig: { AdditionalVersionWeights: a.additionalVersionWeights } }
      : {}),
    RevisionId: a.revisionId,
  });
  const fnName = (raw: string) => {
    const { name, qualifier } = parseFunctionRef(arn, raw);
    if (qualifier !== undefined)
      throw fail(
        'InvalidParameterValueException',
        'Alias operations take an unqualified function name',
      );
    return name;
  };

  app.post<NameParams>('/2015-03-31/functions/:name/aliases', async (req, reply) => {
    const b = jsonBody(req, CreateBody);
    const rec = await aliases.create(fnName(req.params.name), b.Name, {
      functionVersion: b.FunctionVersion,
      ...(b.Description !== undefined ? { description: b.Description } : {}),
      ...(b.RoutingConfig?.AdditionalVersionWeights
        ? { weights: b.RoutingConfig.AdditionalVersionWeights }
        : {}),
    });
    reply.status(201);
    return shape(rec);
  });

  app.get<NameParams>('/2015-03-31/functions/:name/aliases', async (req) => {
    const page = await aliases.list(fnName(req.params.name), {
      ...(req.query.FunctionVersion ? { functionVersion: req.query.FunctionVersion } : {}),
      ...(req.query.Marker ? { marker: req.query.Marker } : {}),
      limit: maxItems(req.query.MaxItems),
    });
    return withMarker({ Aliases: page.items.map(shape) }, page.nextMarker);
  });

  app.get<AliasParams>('/2015-03-31/functions/:name/aliases/:alias', async (req) => {
    AliasService.checkName(req.params.alias);
    return shape(await aliases.get(fnName(req.params.name), req.params.alias));
  });

  app.put<AliasParams>('/2015-03-31/functions/:name/aliases/:alias', async (req) => {
    const b = jsonBody(req, UpdateBody);
    const rec = await aliases.update(
      fnName(req.params.name),
      req.params.alias,
      {
        ...(b.FunctionVersion !== undefined ? { functionVersion: b.FunctionVersion } : {}),
        ...(b.Description !== undefined ? { description: b.Description } : {}),
        ...(b.RoutingConfig !== undefined
          ? { weights: b.RoutingConfig.AdditionalVersionWeights ?? {} }
          : {}),
      },
      b.RevisionId,
    );
    return shape(rec);
  });

  app.delete<AliasParams>('/2015-03-31/functions/:name/aliases/:alias', async (req, reply) => {
    await aliases.delete(fnName(req.params.name), req.params.alias);
    reply.status(204).send();
    return reply;
  });
}
