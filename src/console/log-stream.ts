import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps } from '../api/deps.js';
import { fail } from '../shared/error-codes.js';

/** How often the store is asked for new lines. */
const POLL_MS = 400;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A stream ends after this long; the client reconnects with `after` (as EventSource does). */
const MAX_STREAM_MS = 10 * 60_000;

const StreamQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional(),
    since: z.coerce.number().int().min(0).optional(),
    requestId: z.string().min(1).max(128).optional(),
  })
  .strict();

/**
 * `GET /nimbus/v1/functions/{name}/logs/stream`: a function's new log lines as
 * server-sent events (`id:` the line's cursor, `data:` the line as the logs
 * endpoint answers it). `after` (or `Last-Event-ID`) resumes after a cursor;
 * without it the stream starts with lines newer than `since` (default: now).
 */
export function logStreamRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const open = new Set<ServerResponse>();
  // Streams never finish on their own: close them before the server waits for requests.
  app.addHook('preClose', (done) => {
    for (const res of open) res.end();
    done();
  });

  app.get<{ Params: { name: string }; Querystring: Record<string, string> }>(
    '/nimbus/v1/functions/:name/logs/stream',
    async (req, reply) => {
      const q = StreamQuery.safeParse(req.query);
      if (!q.success) {
        throw fail(
          'BadRequest',
          q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      }
      const { name } = req.params;
      await deps.registry.get(name);
      const lastId = Number(req.headers['last-event-id']);
      let after = q.data.after ?? (Number.isInteger(lastId) && lastId >= 0 ? lastId : undefined);
      const since = q.data.since ?? Date.now();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-amzn-RequestId': req.id,
      });
      res.write(': nimbus log stream\n\n');
      open.add(res);
      let timer: NodeJS.Timeout | undefined;
      let lastWrite = Date.now();
      const startedAt = Date.now();
      const stop = () => {
        if (timer) clearTimeout(timer);
        open.delete(res);
        if (!res.writableEnded) res.end();
      };
      req.raw.on('close', stop);
      const poll = async () => {
        try {
          for (;;) {
            const page = await deps.logs.query({
              functionName: name,
              limit: 500,
              ...(after !== undefined ? { afterId: after } : { sinceMs: since }),
              ...(q.data.requestId ? { requestId: q.data.requestId } : {}),
            });
            for (const e of page.events) {
              const line = {
                id: e.id,
                timestamp: e.timestampMs,
                requestId: e.requestId,
                message: e.message,
              };
              res.write(`id: ${e.id}\ndata: ${JSON.stringify(line)}\n\n`);
              lastWrite = Date.now();
            }
            const last = page.events.at(-1);
            if (last) after = last.id;
            if (page.events.length < 500) break;
          }
        } catch {
          // The store is closing (shutdown) or briefly busy: the client reconnects.
          return stop();
        }
        if (res.writableEnded) return;
        if (Date.now() - startedAt > MAX_STREAM_MS) return stop();
        if (Date.now() - lastWrite > HEARTBEAT_MS) {
          res.write(': ping\n\n');
          lastWrite = Date.now();
        }
        timer = setTimeout(poll, POLL_MS);
      };
      await poll();
    },
  );
}
