import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fail } from '../../shared/error-codes.js';
import type { DeadLetter } from '../../store/types.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';

const STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'dead-lettered'] as const;

const ListQuery = z
  .object({
    function: z.string().optional(),
    status: z.enum(STATUSES).optional(),
    since: z.coerce.number().int().min(0).optional(),
    until: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    marker: z.string().optional(),
  })
  .strict();

const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    marker: z.string().optional(),
  })
  .strict();

const IdsBody = z.object({ ids: z.array(z.string().min(1)).max(10_000).optional() }).strict();

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw fail(
      'BadRequest',
      r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    );
  return r.data;
}

const letterShape = (l: DeadLetter) => ({
  requestId: l.requestId,
  function: l.functionName,
  qualifier: l.qualifier,
  source: l.source,
  attempts: l.attempts,
  reason: l.reason,
  errorType: l.errorType,
  errorMessage: l.errorMessage,
  enqueuedAt: l.enqueuedAtMs,
  deadAt: l.deadAtMs,
  payload: l.payload.toString('utf8'),
});

/** Invocation records and the dead-letter list (docs/native-api.md). */
export function invocationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;

  app.get<{ Params: { id: string } }>('/nimbus/v1/invocations/:id', async (req) => {
    const rec = await store.invocations.get(req.params.id);
    if (!rec) throw fail('NotFound', `No invocation with request id ${req.params.id}`);
    const logs = await store.logs.query({
      functionName: rec.functionName,
      requestId: rec.requestId,
      limit: 1000,
    });
    return {
      invocation: rec,
      logs: logs.events.map((e) => ({ timestamp: e.timestampMs, message: e.message })),
    };
  });

  app.get<{ Querystring: Record<string, string> }>('/nimbus/v1/invocations', async (req) => {
    const q = parse(ListQuery, req.query);
    const page = await store.invocations.list({
      limit: q.limit,
      ...(q.function ? { functionName: q.function } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.since !== undefined ? { sinceMs: q.since } : {}),
      ...(q.until !== undefined ? { untilMs: q.until } : {}),
      ...(q.marker ? { marker: q.marker } : {}),
    });
    return { invocations: page.items, ...(page.nextMarker ? { nextMarker: page.nextMarker } : {}) };
  });

  app.get<{ Params: { name: string }; Querystring: Record<string, string> }>(
    '/nimbus/v1/functions/:name/dlq',
    async (req) => {
      const q = parse(PageQuery, req.query);
      await deps.registry.get(req.params.name);
      const page = await store.asyncEvents.listDeadLetters(req.params.name, {
        limit: q.limit,
        ...(q.marker ? { marker: q.marker } : {}),
      });
      return {
        deadLetters: page.items.map(letterShape),
        ...(page.nextMarker ? { nextMarker: page.nextMarker } : {}),
      };
    },
  );

  // Redrive: each dead letter is queued again as a new Event invocation (new request id).
  app.post<{ Params: { name: string } }>('/nimbus/v1/functions/:name/dlq/redrive', async (req) => {
    const { ids } = jsonBody(req, IdsBody);
    await deps.registry.get(req.params.name);
    const all = await store.asyncEvents.listDeadLetters(req.params.name, { limit: 10_000 });
    const letters = ids ? all.items.filter((l) => ids.includes(l.requestId)) : all.items;
    const requestIds: string[] = [];
    for (const l of letters) {
      // Queued first, removed after: a failure part-way loses no dead letter.
      const q = await deps.asyncQueue.enqueue({
        functionName: l.functionName,
        ...(l.qualifier ? { qualifier: l.qualifier } : {}),
        payload: l.payload,
        source: `redrive:${l.requestId}`,
      });
      await store.asyncEvents.takeDeadLetters(req.params.name, [l.requestId]);
      requestIds.push(q.requestId);
    }
    return { redriven: letters.length, requestIds };
  });

  app.delete<{ Params: { name: string } }>('/nimbus/v1/functions/:name/dlq', async (req) => {
    const { ids } = jsonBody(req, IdsBody);
    await deps.registry.get(req.params.name);
    const letters = await store.asyncEvents.takeDeadLetters(req.params.name, ids);
    return { purged: letters.length };
  });
}
