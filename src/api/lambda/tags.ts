import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseFunctionRef } from '../../shared/arn.js';
import { fail } from '../../shared/error-codes.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';

const TagBody = z.object({ Tags: z.record(z.string(), z.string()) }).loose();
type ArnParams = { Params: { arn: string }; Querystring: { tagKeys?: string | string[] } };

const MAX_TAGS = 50;

function checkTags(tags: Record<string, string>): void {
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > 128 || v.length > 256) {
      throw fail(
        'InvalidParameterValueException',
        `Tag ${k} is invalid: keys are 1-128 characters, values at most 256`,
      );
    }
    if (k.toLowerCase().startsWith('aws:')) {
      throw fail(
        'InvalidParameterValueException',
        `Tag keys starting with "aws:" are reserved (${k})`,
      );
    }
  }
  if (Object.keys(tags).length > MAX_TAGS) {
    throw fail('InvalidParameterValueException', `A function can have at most ${MAX_TAGS} tags`);
  }
}

/** TagResource, UntagResource, ListTags on function ARNs. */
export function tagRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { arn, registry } = deps;
  const fnName = (raw: string) => {
    if (!raw.startsWith('arn:'))
      throw fail(
        'ValidationException',
        `1 validation error detected: Value '${raw}' at 'resource' failed to satisfy constraint: Member must be a function ARN`,
      );
    const { name, qualifier } = parseFunctionRef(arn, raw);
    if (qualifier !== undefined)
      throw fail('InvalidParameterValueException', 'Tags are set on the unqualified function ARN');
    return name;
  };

  app.post<ArnParams>('/2017-03-31/tags/:arn', async (req, reply) => {
    const { Tags } = jsonBody(req, TagBody);
    const name = fnName(req.params.arn);
    const fn = await registry.get(name);
    const tags = { ...fn.tags, ...Tags };
    checkTags(tags);
    await registry.updateMeta(name, { tags });
    reply.status(204).send();
    return reply;
  });

  app.delete<ArnParams>('/2017-03-31/tags/:arn', async (req, reply) => {
    const name = fnName(req.params.arn);
    const fn = await registry.get(name);
    const raw = req.query.tagKeys;
    const keys = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const tags = { ...fn.tags };
    for (const k of keys) delete tags[k];
    await registry.updateMeta(name, { tags });
    reply.status(204).send();
    return reply;
  });

  app.get<ArnParams>('/2017-03-31/tags/:arn', async (req) => {
    const fn = await registry.get(fnName(req.params.arn));
    return { Tags: fn.tags };
  });
}

export { checkTags };
