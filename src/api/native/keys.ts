import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fail } from '../../shared/error-codes.js';
import { ACCESS_KEY_ID_RE } from '../auth/index.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';

const CreateKeyBody = z
  .object({
    description: z
      .string()
      .max(256)
      .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
      .optional(),
  })
  .strict();

/** `/nimbus/v1/keys`: create, list and delete SigV4 access keys (docs/native-api.md). */
export function keyRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/nimbus/v1/keys', async (req, reply) => {
    const body = jsonBody(req, CreateKeyBody);
    const key = await deps.keys.create(body.description ?? '');
    reply.status(201).header('Cache-Control', 'no-store');
    return key;
  });

  app.get('/nimbus/v1/keys', async () => ({ keys: await deps.keys.list() }));

  app.delete<{ Params: { id: string } }>('/nimbus/v1/keys/:id', async (req, reply) => {
    const { id } = req.params;
    if (!ACCESS_KEY_ID_RE.test(id) || !(await deps.keys.get(id))) {
      throw fail('NotFound', `no such access key: ${id}`);
    }
    if (deps.auth && (await deps.keys.count()) <= 1) {
      throw fail(
        'BadRequest',
        `${id} is the last access key: with auth on, deleting it would lock every client out. Create another key first.`,
      );
    }
    if (!(await deps.keys.delete(id))) throw fail('NotFound', `no such access key: ${id}`);
    reply.status(204);
    return reply.send();
  });
}
