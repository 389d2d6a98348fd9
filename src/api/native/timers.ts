import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fail } from '../../shared/error-codes.js';
import type { TimerRecord } from '../../store/types.js';
import { TIMER_NAME_RE } from '../../triggers/timer/index.js';
import { jsonBody } from '../body.js';
import type { ApiDeps } from '../deps.js';

const CreateTimerBody = z
  .object({
    name: z.string(),
    function: z.string(),
    qualifier: z.string().nullable().optional(),
    schedule: z.string(),
    timezone: z.string().nullable().optional(),
    payload: z.string().nullable().optional(),
    enabled: z.boolean().optional(),
    catchUp: z.boolean().optional(),
  })
  .strict();

const UpdateTimerBody = CreateTimerBody.omit({ name: true }).partial().strict();

const ListQuery = z.object({ function: z.string().optional() }).strict();

/** A timer as the native API shows it (the lease is the firing nodes' business). */
function timerView(t: TimerRecord) {
  return {
    name: t.name,
    function: t.functionName,
    qualifier: t.qualifier,
    schedule: t.schedule,
    timezone: t.timeZone,
    payload: t.payload,
    enabled: t.enabled,
    catchUp: t.catchUp,
    // A paused timer has no next fire until it is resumed.
    nextFireAtMs: t.enabled ? t.nextFireAtMs : null,
    lastFireAtMs: t.lastFireAtMs,
    createdAtMs: t.createdAtMs,
    updatedAtMs: t.updatedAtMs,
  };
}

function checkName(name: string): void {
  if (!TIMER_NAME_RE.test(name)) {
    throw fail('BadRequest', `"${name}" is not a valid timer name (1-64 of a-z A-Z 0-9 . - _)`);
  }
}

/** `/nimbus/v1/timers`: timer triggers (docs/native-api.md). */
export function timerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/nimbus/v1/timers', async (req, reply) => {
    const b = jsonBody(req, CreateTimerBody);
    const timer = await deps.timers.create({
      name: b.name,
      functionName: b.function,
      schedule: b.schedule,
      ...(b.qualifier !== undefined ? { qualifier: b.qualifier } : {}),
      ...(b.timezone !== undefined ? { timeZone: b.timezone } : {}),
      ...(b.payload !== undefined ? { payload: b.payload } : {}),
      ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
      ...(b.catchUp !== undefined ? { catchUp: b.catchUp } : {}),
    });
    reply.status(201);
    return timerView(timer);
  });

  app.get<{ Querystring: Record<string, string> }>('/nimbus/v1/timers', async (req) => {
    const q = ListQuery.parse(req.query);
    return { timers: (await deps.timers.list(q.function)).map(timerView) };
  });

  app.get<{ Params: { name: string } }>('/nimbus/v1/timers/:name', async (req) => {
    checkName(req.params.name);
    return timerView(await deps.timers.get(req.params.name));
  });

  app.put<{ Params: { name: string } }>('/nimbus/v1/timers/:name', async (req) => {
    checkName(req.params.name);
    const b = jsonBody(req, UpdateTimerBody);
    const timer = await deps.timers.update(req.params.name, {
      ...(b.function !== undefined ? { functionName: b.function } : {}),
      ...(b.qualifier !== undefined ? { qualifier: b.qualifier } : {}),
      ...(b.schedule !== undefined ? { schedule: b.schedule } : {}),
      ...(b.timezone !== undefined ? { timeZone: b.timezone } : {}),
      ...(b.payload !== undefined ? { payload: b.payload } : {}),
      ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
      ...(b.catchUp !== undefined ? { catchUp: b.catchUp } : {}),
    });
    return timerView(timer);
  });

  app.delete<{ Params: { name: string } }>('/nimbus/v1/timers/:name', async (req, reply) => {
    checkName(req.params.name);
    await deps.timers.delete(req.params.name);
    reply.status(204);
    return reply.send();
  });
}
