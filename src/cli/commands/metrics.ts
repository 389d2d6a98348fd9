import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { parseSince } from '../duration.js';
import { formatTable, out, printJson } from '../output.js';
import { sparkline } from '../sparkline.js';
import { functionName } from '../validate.js';

/** Columns a sparkline spreads the range over (at most). */
const WIDTH = 60;
const MINUTE_MS = 60_000;

const Figures = z.object({
  invocations: z.number(),
  errors: z.number(),
  throttles: z.number(),
  coldStarts: z.number(),
  avgMs: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  gbSeconds: z.number(),
});
const MetricsAnswer = z
  .object({
    function: z.string(),
    from: z.number(),
    to: z.number(),
    periodS: z.number(),
    points: z.array(Figures.extend({ time: z.number() }).loose()),
    summary: Figures.loose(),
  })
  .loose();
type Point = z.infer<typeof MetricsAnswer>['points'][number];

const ms = (v: number | null) => (v === null ? '-' : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`);
const time = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** The rows of `nimbus metrics`: label, figure over the range, one value per period. */
function rows(a: z.infer<typeof MetricsAnswer>): string[][] {
  const { points, summary: s } = a;
  const line = (label: string, total: string, pick: (p: Point) => number | null) => [
    label,
    total,
    sparkline(points.map(pick)),
  ];
  const ran = (p: Point, v: number | null) => (p.invocations ? v : null);
  return [
    line('invocations', String(s.invocations), (p) => p.invocations),
    line('errors', String(s.errors), (p) => p.errors),
    line('throttles', String(s.throttles), (p) => p.throttles),
    line('duration p50', ms(s.p50Ms), (p) => ran(p, p.p50Ms)),
    line('duration p99', ms(s.p99Ms), (p) => ran(p, p.p99Ms)),
    line('cold starts', String(s.coldStarts), (p) => p.coldStarts),
  ];
}

async function metrics(
  ctx: CliContext,
  name: string,
  flags: { since: string; qualifier?: string },
) {
  functionName(name);
  const until = Date.now();
  const since = parseSince(flags.since, until);
  // Whole minutes per column, so at most WIDTH columns over the range.
  const minutes = Math.max(1, Math.ceil((until - since) / MINUTE_MS / WIDTH));
  const { value, raw } = await ctx.client.json(
    `/nimbus/v1/functions/${encodeURIComponent(name)}/metrics`,
    MetricsAnswer,
    { query: { since, until, period: minutes * 60, qualifier: flags.qualifier } },
  );
  if (ctx.json) return printJson(raw);
  const per = minutes === 1 ? '1 minute' : `${minutes} minutes`;
  out(`${name}: ${time(value.from)} to ${time(value.to)} UTC, ${per} per column`);
  out(formatTable(['METRIC', 'TOTAL', 'TREND'], rows(value)));
}

/** `nimbus metrics NAME [--since 1h] [--qualifier Q]` */
export function metricsCommand(): Command {
  return new Command('metrics')
    .description(
      "a function's invocations, errors, throttles, p50/p99 duration and cold starts, with a trend",
    )
    .argument('<name>', 'function name')
    .option('--since <when>', 'from then until now (10m, 2h, 1d or an ISO date)', '1h')
    .option('--qualifier <q>', 'only invocations that named this version or alias')
    .action(async (name: string, flags: { since: string; qualifier?: string }, cmd: Command) => {
      await metrics(contextFrom(cmd), name, flags);
    });
}
