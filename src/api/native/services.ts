import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServiceRecord } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';

const Settings = {
  description: z.string().optional(),
  internetAccess: z.boolean().optional(),
  logRetentionDays: z.number().int().nullable().optional(),
  env: z.record(z.string(), z.string()).optional(),
};

const CreateServiceBody = z.object({ name: z.string(), ...Settings }).strict();
const UpdateServiceBody = z.object(Settings).strict();

/** A service as the native API shows it. */
function serviceView(s: ServiceRecord, functions?: string[]) {
  return {
    name: s.name,
    description: s.description,
    internetAccess: s.internetAccess,
    logRetentionDays: s.logRetentionDays,
    env: s.env,
    createdAtMs: s.createdAtMs,
    updatedAtMs: s.updatedAtMs,
    ...(functions ? { functions } : {}),
  };
}

/** Only the fields the body has: absent ones keep their value. */
function changesOf(b: z.infer<typeof UpdateServiceBody>) {
  return {
    ...(b.description !== undefined ? { description: b.description } : {}),
    ...(b.internetAccess !== undefined ? { internetAccess: b.internetAccess } : {}),
    ...(b.logRetentionDays !== undefined ? { logRetentionDays: b.logRetentionDays } : {}),
    ...(b.env !== undefined ? { env: b.env } : {}),
  };
}

/** `/nimbus/v1/services`: Function Compute services (docs/native-api.md). */
export function serviceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/nimbus/v1/services', async (req, reply) => {
    const b = jsonBody(req, CreateServiceBody);
    const s = await deps.services.create({ name: b.name, ...changesOf(b) });
    reply.status(201);
    return serviceView(s, []);
  });

  app.get('/nimbus/v1/services', async () => {
    const services = await deps.services.list();
    const withFunctions = await Promise.all(
      services.map(async (s) => serviceView(s, await deps.services.functionNames(s.name))),
    );
    return { services: withFunctions };
  });

  app.get<{ Params: { name: string } }>('/nimbus/v1/services/:name', async (req) => {
    const s = await deps.services.get(req.params.name);
    return serviceView(s, await deps.services.functionNames(s.name));
  });

  app.put<{ Params: { name: string } }>('/nimbus/v1/services/:name', async (req) => {
    const b = jsonBody(req, UpdateServiceBody);
    const s = await deps.services.update(req.params.name, changesOf(b));
    return serviceView(s, await deps.services.functionNames(s.name));
  });

  app.delete<{ Params: { name: string } }>('/nimbus/v1/services/:name', async (req, reply) => {
    await deps.services.delete(req.params.name);
    reply.status(204);
    return reply.send();
  });
}
