import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fail } from '../../shared/error-codes.js';
import type { FunctionRecord } from '../../store/types.js';
import { base64Field, jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { nimbusExtras, toFunctionConfiguration } from '../lambda/function-config.js';

const NAME_RE = /^[a-zA-Z0-9-_]{1,64}$/;

const DeployBody = z
  .object({
    zipFile: z.string().optional(),
    runtime: z.string().optional(),
    handler: z.string().optional(),
    memoryMb: z.number().int().optional(),
    timeoutS: z.number().int().optional(),
    env: z.record(z.string(), z.string()).optional(),
    description: z.string().optional(),
    initializer: z.string().nullable().optional(),
    initializationTimeoutS: z.number().int().optional(),
    flavour: z.enum(['lambda', 'fc']).optional(),
    service: z.string().optional(),
  })
  .strict();

const LogsQuery = z
  .object({
    since: z.coerce.number().int().min(0).optional(),
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    requestId: z.string().optional(),
  })
  .strict();

function checkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw fail('BadRequest', `"${name}" is not a valid function name (1-64 of a-z A-Z 0-9 - _)`);
  }
}

/** `/health` and the native `/nimbus/v1/...` endpoints (docs/native-api.md). */
export function nativeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/health', async () => ({
    status: 'ok',
    ...deps.health(),
    ...(deps.healthAsync ? await deps.healthAsync() : {}),
  }));

  app.put<{ Params: { name: string } }>('/nimbus/v1/functions/:name', async (req, reply) => {
    const { name } = req.params;
    checkName(name);
    const b = jsonBody(req, DeployBody);
    const zip = b.zipFile !== undefined ? base64Field(b.zipFile, 'zipFile') : undefined;
    const settings = {
      ...(b.runtime !== undefined ? { runtime: b.runtime } : {}),
      ...(b.handler !== undefined ? { handler: b.handler } : {}),
      ...(b.memoryMb !== undefined ? { memoryMb: b.memoryMb } : {}),
      ...(b.timeoutS !== undefined ? { timeoutS: b.timeoutS } : {}),
      ...(b.env !== undefined ? { env: b.env } : {}),
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.initializer !== undefined ? { initializer: b.initializer } : {}),
      ...(b.initializationTimeoutS !== undefined
        ? { initializationTimeoutS: b.initializationTimeoutS }
        : {}),
      ...(b.flavour !== undefined ? { flavour: b.flavour } : {}),
      ...(b.service !== undefined ? { service: (await deps.services.get(b.service)).name } : {}),
    };
    const existing = await deps.registry.resolve(name);
    let fn: FunctionRecord;
    if (!existing) {
      if (!zip) throw fail('BadRequest', 'zipFile is required to create a function');
      if (!b.runtime) throw fail('BadRequest', 'runtime is required to create a function');
      if (!b.handler) throw fail('BadRequest', 'handler is required to create a function');
      fn = await deps.registry.create({
        ...settings,
        name,
        runtime: b.runtime,
        handler: b.handler,
        zip,
      });
    } else {
      // Config first, so a rejected setting leaves the code untouched too.
      fn = await deps.registry.updateConfig(name, settings);
      if (zip) fn = await deps.registry.updateCode(name, zip);
    }
    reply.status(existing ? 200 : 201);
    return {
      created: !existing,
      function: { ...toFunctionConfiguration(deps.arn, fn), Nimbus: nimbusExtras(fn) },
    };
  });

  // One read of everything `nimbus deploy -f` compares: the Lambda shape, Nimbus's extras, tags, concurrency.
  app.get<{ Params: { name: string } }>('/nimbus/v1/functions/:name', async (req) => {
    checkName(req.params.name);
    const fn = await deps.registry.get(req.params.name);
    return {
      function: { ...toFunctionConfiguration(deps.arn, fn), Nimbus: nimbusExtras(fn) },
      tags: fn.tags,
      reservedConcurrency: fn.reservedConcurrency,
    };
  });

  app.get<{ Params: { name: string }; Querystring: Record<string, string> }>(
    '/nimbus/v1/functions/:name/logs',
    async (req) => {
      checkName(req.params.name);
      const q = LogsQuery.safeParse(req.query);
      if (!q.success)
        throw fail(
          'BadRequest',
          q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const r = await deps.logs.query({
        functionName: req.params.name,
        limit: q.data.limit,
        ...(q.data.since !== undefined ? { sinceMs: q.data.since } : {}),
        ...(q.data.after !== undefined ? { afterId: q.data.after } : {}),
        ...(q.data.requestId ? { requestId: q.data.requestId } : {}),
      });
      // Logs outlive a deleted function (as CloudWatch's do); a name never seen is a 404.
      if (
        r.events.length === 0 &&
        !(await deps.registry.resolve(req.params.name)) &&
        q.data.after === undefined
      ) {
        throw fail('NotFound', `Function not found: ${req.params.name}`);
      }
      return {
        events: r.events.map((e) => ({
          id: e.id,
          timestamp: e.timestampMs,
          requestId: e.requestId,
          message: e.message,
        })),
        nextCursor: r.nextCursor,
      };
    },
  );

  app.get<{ Params: { file: string }; Querystring: { Expires?: string; Signature?: string } }>(
    '/nimbus/v1/code/:file',
    async (req, reply) => {
      const m = /^([0-9a-f]{64})\.zip$/.exec(req.params.file);
      if (
        req.query.Signature !== undefined &&
        !deps.codeLinks.verify(m?.[1] ?? '', req.query.Expires, req.query.Signature)
      ) {
        throw fail(
          'Forbidden',
          'This code download link is invalid or has expired: call GetFunction again for a new one',
        );
      }
      if (!m || !deps.code.has(m[1]!)) throw fail('NotFound', 'no such code package');
      const zip = await deps.code.readZip(m[1]!);
      reply.header('Content-Type', 'application/zip').send(zip);
      return reply;
    },
  );
}
