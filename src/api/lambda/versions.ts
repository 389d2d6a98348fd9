import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { toFunctionConfiguration } from './function-config.js';
import { maxItems, type NameParams, withMarker } from './params.js';

const PublishBody = z
  .object({
    CodeSha256: z.string().optional(),
    Description: z.string().max(256).optional(),
    RevisionId: z.string().optional(),
  })
  .loose();

/** PublishVersion and ListVersionsByFunction. */
export function versionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry } = deps;

  app.post<NameParams>('/2015-03-31/functions/:name/versions', async (req, reply) => {
    const b = jsonBody(req, PublishBody);
    const { name, qualifier } = parseFunctionRef(arn, req.params.name);
    if (qualifier !== undefined)
      throw fail(
        'InvalidParameterValueException',
        'PublishVersion takes an unqualified function name',
      );
    const ver = await registry.publishVersion(name, {
      ...(b.CodeSha256 !== undefined ? { codeSha256: b.CodeSha256 } : {}),
      ...(b.Description !== undefined ? { description: b.Description } : {}),
      ...(b.RevisionId !== undefined ? { revisionId: b.RevisionId } : {}),
    });
    reply.status(201);
    return toFunctionConfiguration(arn, ver);
  });

  app.get<NameParams>('/2015-03-31/functions/:name/versions', async (req) => {
    const { name } = parseFunctionRef(arn, req.params.name);
    await registry.get(name);
    const page = await registry.listVersions(
      name,
      req.query.Marker || undefined,
      maxItems(req.query.MaxItems),
    );
    return withMarker(
      { Versions: page.items.map((f) => toFunctionConfiguration(arn, f)) },
      page.nextMarker,
    );
  });
}
