import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { seriesByPeriod, usageByDay } from '../../metrics/index.js';
import { fail } from '../../shared/error-codes.js';
import type { ApiDeps } from '../deps.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Most points one metrics answer holds (a day of minutes). */
const MAX_POINTS = 1440;

/** Epoch ms, or a UTC date / ISO time (`2026-12-07`, `2026-12-07T10:00:00Z`). */
const Instant = z.string().transform((v, ctx) => {
  const ms = /^\d+$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected epoch ms or an ISO date like 2026-12-07' });
    return z.NEVER;
  }
  return ms;
});

const UsageQuery = z
  .object({ from: Instant.optional(), to: Instant.optional(), function: z.string().optional() })
  .strict();

const MetricsQuery = z
  .object({
    since: Instant.optional(),
    until: Instant.optional(),
    period: z.coerce.number().int().min(60).multipleOf(60).default(60),
    qualifier: z.string().optional(),
  })
  .strict();

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw fail(
      'BadRequest',
      r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    );
  return r.data;
}

/**
 * `GET /metrics` (Prometheus), `GET /nimbus/v1/usage` and
 * `GET /nimbus/v1/functions/{name}/metrics` (docs/native-api.md, docs/metrics.md).
 */
export function metricsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { metrics } = deps;
  if (!metrics) return;

  app.get('/metrics', async (_req, reply) => {
    const { text, contentType } = await metrics.scrape();
    reply.header('Content-Type', contentType).send(text);
    return reply;
  });

  app.get<{ Querystring: Record<string, string> }>('/nimbus/v1/usage', async (req) => {
    const q = parse(UsageQuery, req.query);
    const toMs = q.to ?? Date.now();
    const fromMs = q.from ?? toMs - 14 * DAY_MS;
    if (fromMs > toMs) throw fail('BadRequest', 'from must not be after to');
    await metrics.flush();
    const minutes = await deps.store.metrics.minutes({
      fromMs,
      toMs,
      ...(q.function ? { functionName: q.function } : {}),
    });
    const usage = usageByDay(minutes);
    const totals = usage.reduce(
      (t, r) => ({ requests: t.requests + r.requests, gbSeconds: t.gbSeconds + r.gbSeconds }),
      { requests: 0, gbSeconds: 0 },
    );
    return { from: fromMs, to: toMs, usage, totals };
  });

  app.get<{ Params: { name: string }; Querystring: Record<string, string> }>(
    '/nimbus/v1/functions/:name/metrics',
    async (req) => {
      const { name } = req.params;
      const q = parse(MetricsQuery, req.query);
      const periodMs = q.period * 1000;
      const untilMs = q.until ?? Date.now();
      const sinceMs = q.since ?? untilMs - 3600_000;
      const fromMs = sinceMs - (sinceMs % MINUTE_MS);
      if (fromMs >= untilMs) throw fail('BadRequest', 'since must be before until');
      if ((untilMs - fromMs) / periodMs > MAX_POINTS) {
        throw fail('BadRequest', `at most ${MAX_POINTS} periods: use a longer period`);
      }
      await metrics.flush();
      const minutes = await deps.store.metrics.minutes({
        fromMs,
        toMs: untilMs,
        functionName: name,
        ...(q.qualifier ? { qualifier: q.qualifier } : {}),
      });
      // Figures outlive a deleted function (as CloudWatch's do); a name never seen is a 404.
      if (minutes.length === 0 && !(await deps.registry.resolve(name))) {
        throw fail('NotFound', `Function not found: ${name}`);
      }
      return {
        function: name,
        qualifier: q.qualifier ?? null,
        from: fromMs,
        to: untilMs,
        periodS: q.period,
        ...seriesByPeriod(minutes, fromMs, untilMs, periodMs),
      };
    },
  );
}
