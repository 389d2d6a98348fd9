import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonBody } from '../api/body.js';
import type { ApiDeps } from '../api/deps.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { fail } from '../shared/error-codes.js';

/** Largest saved test event: the synchronous Invoke payload limit. */
export const MAX_TEST_EVENT_BYTES = 6 * 1024 * 1024;
/** Saved test events per function. */
export const MAX_TEST_EVENTS = 100;

const EVENT_NAME_RE = /^[a-zA-Z0-9._-]{1,64}$/;

const PutBody = z.object({ payload: z.string() }).strict();

function checkEventName(name: string): void {
  if (!EVENT_NAME_RE.test(name)) {
    throw fail(
      'BadRequest',
      `"${name}" is not a valid test event name (1-64 of a-z A-Z 0-9 . _ -)`,
    );
  }
}

function checkPayload(payload: string): void {
  if (Buffer.byteLength(payload) > MAX_TEST_EVENT_BYTES) {
    throw fail(
      'RequestTooLargeException',
      `a test event holds at most ${MAX_TEST_EVENT_BYTES} bytes`,
    );
  }
  try {
    JSON.parse(payload);
  } catch (e) {
    throw fail('BadRequest', `the test event is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The console's saved test events (docs/console.md):
 * `GET /nimbus/v1/functions/{name}/test-events`, `PUT` and `DELETE .../test-events/{event}`.
 */
export function testEventRoutes(app: FastifyInstance, deps: ApiDeps, clock: Clock = systemClock) {
  const store = deps.store.testEvents;
  const shape = (e: {
    name: string;
    payload: string;
    createdAtMs: number;
    updatedAtMs: number;
  }) => ({
    name: e.name,
    payload: e.payload,
    createdAtMs: e.createdAtMs,
    updatedAtMs: e.updatedAtMs,
  });

  // A deleted function's events go with it (as Lambda's console forgets them).
  app.addHook('onResponse', async (req, reply) => {
    if (req.method !== 'DELETE' || reply.statusCode !== 204) return;
    if (req.routeOptions.url !== '/2015-03-31/functions/:name') return;
    const name = deletedFunctionName(
      req.params as { name: string },
      req.query as Record<string, string>,
    );
    if (name) await store.deleteAll(name).catch(() => undefined);
  });

  app.get<{ Params: { name: string } }>('/nimbus/v1/functions/:name/test-events', async (req) => {
    await deps.registry.get(req.params.name);
    return { testEvents: (await store.list(req.params.name)).map(shape) };
  });

  app.put<{ Params: { name: string; event: string } }>(
    '/nimbus/v1/functions/:name/test-events/:event',
    async (req, reply) => {
      const { name, event } = req.params;
      checkEventName(event);
      await deps.registry.get(name);
      const { payload } = jsonBody(req, PutBody);
      checkPayload(payload);
      const existing = await store.list(name);
      if (existing.length >= MAX_TEST_EVENTS && !existing.some((e) => e.name === event)) {
        throw fail('BadRequest', `a function keeps at most ${MAX_TEST_EVENTS} test events`);
      }
      const now = clock.now();
      const rec = { functionName: name, name: event, payload, createdAtMs: now, updatedAtMs: now };
      const created = await store.put(rec);
      const saved = (await store.list(name)).find((e) => e.name === event) ?? rec;
      reply.status(created ? 201 : 200);
      return shape(saved);
    },
  );

  app.delete<{ Params: { name: string; event: string } }>(
    '/nimbus/v1/functions/:name/test-events/:event',
    async (req, reply) => {
      const { name, event } = req.params;
      if (!(await store.delete(name, event))) {
        throw fail('NotFound', `No test event ${event} for function ${name}`);
      }
      reply.status(204);
      return reply.send();
    },
  );
}

/** The function a DeleteFunction removed entirely (null when it removed one version). */
function deletedFunctionName(
  params: { name: string },
  query: Record<string, string>,
): string | null {
  if (query.Qualifier) return null;
  const ref = params.name.includes(':function:')
    ? params.name.split(':function:')[1]!
    : params.name;
  return ref.includes(':') ? null : ref;
}
