import { Command } from 'commander';
import { z } from 'zod';
import { type CliContext, contextFrom } from '../context.js';
import { parseSince } from '../duration.js';
import { formatTable, out, printJson } from '../output.js';

const UsageAnswer = z
  .object({
    from: z.number(),
    to: z.number(),
    usage: z.array(
      z
        .object({
          function: z.string(),
          version: z.string(),
          day: z.string(),
          requests: z.number(),
          errors: z.number(),
          throttles: z.number(),
          gbSeconds: z.number(),
        })
        .loose(),
    ),
    totals: z.object({ requests: z.number(), gbSeconds: z.number() }).loose(),
  })
  .loose();

/** GB-seconds with enough digits for a hello world (0.000125 per 1 ms at 128 MB). */
const gbs = (v: number) => (v >= 100 ? v.toFixed(1) : v.toPrecision(3).replace(/\.?0+$/, ''));

interface UsageFlags {
  since: string;
  until?: string;
  function?: string;
}

async function usage(ctx: CliContext, flags: UsageFlags) {
  const now = Date.now();
  const { value, raw } = await ctx.client.json('/nimbus/v1/usage', UsageAnswer, {
    query: {
      from: parseSince(flags.since, now),
      to: flags.until ? parseSince(flags.until, now) : now,
      function: flags.function,
    },
  });
  if (ctx.json) return printJson(raw);
  if (value.usage.length === 0) return out('no invocations in that time');
  out(
    formatTable(
      ['DAY', 'FUNCTION', 'VERSION', 'REQUESTS', 'ERRORS', 'THROTTLES', 'GB-SECONDS'],
      [
        ...value.usage.map((r) => [
          r.day,
          r.function,
          r.version,
          String(r.requests),
          String(r.errors),
          String(r.throttles),
          gbs(r.gbSeconds),
        ]),
        ['total', '', '', String(value.totals.requests), '', '', gbs(value.totals.gbSeconds)],
      ],
    ),
  );
}

/** `nimbus usage [--since 14d] [--until WHEN] [--function NAME]` */
export function usageCommand(): Command {
  return new Command('usage')
    .description('requests and billed GB-seconds per function, version and day (UTC)')
    .option('--since <when>', 'from then (2d, 12h or an ISO date)', '14d')
    .option('--until <when>', 'until then (default now)')
    .option('--function <name>', 'only this function')
    .action(async (flags: UsageFlags, cmd: Command) => {
      await usage(contextFrom(cmd), flags);
    });
}
